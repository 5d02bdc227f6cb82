#pragma once
// The inventory's records: a machine (keyed by SMBIOS UUID when it has a real one, else by its
// boot MAC), its network interfaces, and its lifecycle state.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ipv4.h"
#include "common/mac_address.h"
#include "common/netboot.h"
#include "common/uuid.h"

namespace slipway::inventory {

// The lifecycle of DESIGN.md.
// snapshotting: the runtime captures its disks (then it goes back to where it was); restoring:
// the runtime writes a snapshot onto its disks (then it is deployed).
enum class MachineState {
  kDiscovered,
  kInspecting,
  kReady,
  kInstalling,
  kDeployed,
  kRetired,
  kSnapshotting,
  kRestoring
};
std::string_view to_string(MachineState s);
std::optional<MachineState> parse_machine_state(std::string_view text);

// Where an install stands while the machine is installing: `pending` until the runtime's agent
// has written the image (the machine netboots the runtime in install mode), then `written`
// (the machine boots its local disk and the installed OS calls back at first boot). `none` in
// every other state.
enum class InstallStage { kNone, kPending, kWritten };
std::string_view to_string(InstallStage s);
std::optional<InstallStage> parse_install_stage(std::string_view text);

struct Interface {
  MacAddress mac;
  Firmware firmware = Firmware::kUnknown;
  Arch arch = Arch::kUnknown;
  std::string vendor_class;
  std::optional<Ipv4> last_ip;
  int64_t first_seen = 0;
  int64_t last_seen = 0;
};

// The headline of a machine's hardware facts; the agent's whole report is kept beside it
// (MachineStore::facts_json).
struct FactsSummary {
  std::string vendor, product, serial;  // DMI
  uint32_t cpu_threads = 0;
  uint64_t memory_bytes = 0;  // what the kernel saw (MemTotal)
  uint64_t disk_bytes = 0;    // every disk together
  uint32_t disks = 0;
  int64_t inspected_at = 0;
};

struct Machine {
  int64_t id = 0;
  std::string name;
  std::optional<Uuid> uuid;
  MachineState state = MachineState::kDiscovered;
  // Inspection finished under the `approve` policy: the machine stays inspecting until approved.
  bool awaiting_approval = false;
  std::map<std::string, std::string> labels;
  Firmware firmware = Firmware::kUnknown;
  Arch arch = Arch::kUnknown;
  int64_t first_seen = 0;
  int64_t last_seen = 0;
  // When the network-boot runtime's agent last reported, and what.
  std::optional<int64_t> agent_reported_at;
  std::string agent_event;
  std::vector<Interface> interfaces;
  std::optional<FactsSummary> facts;
  // The profile of the last install started (empty: none), and where that install stands.
  std::string profile;
  InstallStage install_stage = InstallStage::kNone;  // absent until the machine has been inspected
};

// How a machine made itself known: a DHCP request from its PXE ROM or iPXE, the iPXE script
// request, or an agent report.
struct Contact {
  MacAddress mac;
  std::optional<Uuid> uuid;  // only real identities (Uuid::is_identity())
  Firmware firmware = Firmware::kUnknown;
  Arch arch = Arch::kUnknown;
  std::string vendor_class;
  std::optional<Ipv4> ip;
  std::string source;  // "dhcp", "ipxe", "agent": recorded in the event log
};

// The default name of a new machine: "m-" and its boot MAC without separators.
std::string default_machine_name(const MacAddress& mac);
// Whether the machine still has a name the inventory gave it (default_machine_name of one of its
// MACs, with or without a "-N" suffix), not one an operator or a rule chose.
bool has_default_name(const Machine& m);

// Machine names go into DHCP's host name option, so they are DNS labels: 1 to 63 characters
// from a-z, 0-9 and '-', not starting or ending with '-'. Returns why a name is refused.
std::optional<std::string> invalid_machine_name(std::string_view name);
// Label keys: 1 to 63 characters from A-Z a-z 0-9 '.' '_' '-' '/', starting with a letter or
// digit. Values: 0 to 63 characters from A-Z a-z 0-9 '.' '_' '-'. Returns why one is refused.
std::optional<std::string> invalid_label(std::string_view key, std::string_view value);

}  // namespace slipway::inventory
