#pragma once
// The report slipway-agent sends from the network-boot runtime to the appliance
// (POST /api/v1/agent/report), and its codec. The same code encodes on the agent and validates
// on the appliance; parse() refuses anything oversized, malformed or off-schema with a reason
// that names the field (for example "'facts.disks[3].size_bytes' must be an unsigned integer").

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ipv4.h"
#include "common/mac_address.h"
#include "common/result.h"
#include "common/uuid.h"

namespace slipway::imaging {

// Large enough for a report with every list at its limit (about 140 KiB), far below the API's
// 1 MiB body limit.
inline constexpr size_t kMaxReportBytes = 256 * 1024;

// Limits of the hardware facts. The agent cuts what it collects to them; the parser refuses more.
inline constexpr size_t kMaxFactChars = 128;    // any string fact not listed below
inline constexpr size_t kMaxNameChars = 32;     // disk and interface names
inline constexpr size_t kMaxCpuFlagChars = 32;  // one CPU flag
inline constexpr size_t kMaxPciAddressChars = 16;
inline constexpr size_t kMaxCpuFlags = 256;
inline constexpr size_t kMaxDimms = 64;
inline constexpr size_t kMaxDisks = 64;
inline constexpr size_t kMaxNics = 64;
inline constexpr size_t kMaxPciDevices = 512;
// Upper bounds of numeric facts: generous, but they keep nonsense out of the inventory.
inline constexpr uint64_t kMaxCpuCount = 1u << 20;
inline constexpr uint64_t kMaxDimmSpeedMts = 1'000'000;
inline constexpr uint64_t kMaxLinkMbps = 100'000'000;

// Events the agent can report. "booted": the runtime is up and has a network address.
enum class AgentEvent { kBooted };
std::string_view to_string(AgentEvent e);
std::optional<AgentEvent> parse_agent_event(std::string_view text);

// How the machine's firmware started the runtime.
enum class FirmwareMode { kUnknown, kBios, kUefi };
std::string_view to_string(FirmwareMode m);
std::optional<FirmwareMode> parse_firmware_mode(std::string_view text);

// SMBIOS system and BIOS strings as Linux shows them (/sys/class/dmi/id); "" when unreadable.
// `uuid` is the raw product_uuid text, placeholders included: it is for display, the report's
// top-level uuid is the identity.
struct DmiFacts {
  std::string vendor, product, serial, uuid, bios_version, bios_date;
  bool operator==(const DmiFacts&) const = default;
};

struct CpuFacts {
  std::string model;                             // the first processor's model name
  uint32_t sockets = 0, cores = 0, threads = 0;  // 0: unknown
  std::vector<std::string> flags;                // the first processor's, in /proc/cpuinfo order
  bool operator==(const CpuFacts&) const = default;
};

// One populated memory slot (SMBIOS type 17).
struct Dimm {
  std::string locator;  // "DIMM 0", "ChannelA-DIMM1"...
  uint64_t size_bytes = 0;
  uint32_t speed_mts = 0;  // 0: unknown
  bool operator==(const Dimm&) const = default;
};

struct MemoryFacts {
  uint64_t total_bytes = 0;  // MemTotal: what the kernel can use, a little below the installed size
  std::vector<Dimm> dimms;   // empty when the firmware tables are not readable
  bool operator==(const MemoryFacts&) const = default;
};

struct DiskFacts {
  std::string name;  // "sda", "nvme0n1", "vda"
  uint64_t size_bytes = 0;
  std::string model, serial, wwn;  // "" when the device does not say
  bool rotational = false;
  bool operator==(const DiskFacts&) const = default;
};

struct NicFacts {
  std::string name;
  MacAddress mac;
  std::string driver;                  // "" for a device without a bound driver
  std::optional<uint32_t> speed_mbps;  // absent when the link is down or the driver does not say
  bool link = false;
  bool operator==(const NicFacts&) const = default;
};

struct PciDevice {
  std::string address;     // "0000:00:03.0"
  std::string vendor;      // 4 lower-case hex digits, "8086"
  std::string device;      // 4 lower-case hex digits
  std::string class_code;  // 6 lower-case hex digits, "020000"
  std::string driver;      // "" when none is bound
  bool operator==(const PciDevice&) const = default;
};

struct HardwareFacts {
  FirmwareMode firmware = FirmwareMode::kUnknown;
  DmiFacts dmi;
  CpuFacts cpu;
  MemoryFacts memory;
  std::vector<DiskFacts> disks;
  std::vector<NicFacts> nics;
  std::vector<PciDevice> pci;
  bool operator==(const HardwareFacts&) const = default;
};

struct AgentReport {
  MacAddress mac;            // the interface the machine booted from
  std::optional<Uuid> uuid;  // SMBIOS UUID as Linux shows it; absent if none or a placeholder
  AgentEvent event = AgentEvent::kBooted;
  std::string kernel;      // uname -r of the runtime (informational, at most 128 characters)
  std::optional<Ipv4> ip;  // the runtime's address
  std::optional<HardwareFacts> facts;  // absent in reports from agents that do not inspect

  bool operator==(const AgentReport&) const = default;
};

// Accepts a JSON object with "mac" and "event" (required), "uuid", "kernel", "ip", "facts"
// (optional). Unknown keys are refused, at every level, so that a typo in a newer agent does not
// pass silently. Inside "facts" every key is optional (absent means unknown/empty) but types,
// string lengths (printable characters only), list lengths and formats are enforced; imaging/
// README.md has the schema.
Result<AgentReport> parse_agent_report(std::string_view json);
// REQUIRES: the strings of `report.facts` are within the limits above and valid UTF-8 (the agent
// sanitises what it reads); otherwise the output is refused by parse_agent_report.
std::string to_json(const AgentReport& report);

}  // namespace slipway::imaging
