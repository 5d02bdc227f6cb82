#pragma once
// What slipway-agent learns about the machine it runs on: the boot interface (name, MAC, IPv4),
// the SMBIOS UUID, the runtime's kernel release and the hardware inventory (DMI, CPU, memory,
// disks, NICs, PCI devices, firmware mode). Files are read under a root directory ("/" in the
// runtime, a fake tree in tests); interface addresses come through an Ipv4Lookup so that tests
// need no real interfaces. Nothing here fails on a missing or odd file: the fact is left empty
// (0, "", no entry). Strings are trimmed, cut to the report's limits, and every byte outside
// printable ASCII becomes '?', so that what is read always encodes and passes the codec.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ipv4.h"
#include "common/mac_address.h"
#include "common/result.h"
#include "common/uuid.h"
#include "imaging/agent_report.h"

namespace slipway::imaging::agent {

struct NetInterface {
  std::string name;
  MacAddress mac;
  int ifindex = 0;
  bool physical = false;  // backed by a device (sys/class/net/NAME/device), not a virtual one

  bool operator==(const NetInterface&) const = default;
};

// Ethernet interfaces under ROOT/sys/class/net: physical ones first, each group in ifindex order
// (the order the kernel created them, which follows the bus order of the NICs). Skips loopback,
// non-Ethernet types (ARPHRD != 1) and interfaces without a MAC. A missing or unreadable
// directory gives none.
std::vector<NetInterface> list_interfaces(const std::filesystem::path& root);

// ROOT/sys/class/dmi/id/product_uuid. nullopt when the file is missing or unreadable (it is
// root-only), malformed, or a firmware placeholder (all zero, all FF...): such values must never
// identify a machine.
std::optional<Uuid> read_smbios_uuid(const std::filesystem::path& root);

// `uname -r`: ROOT/proc/sys/kernel/osrelease, or uname(2) when ROOT is "/" and /proc is not
// mounted. "" when unknown.
std::string read_kernel_release(const std::filesystem::path& root);

// ROOT/sys/class/dmi/id: sys_vendor, product_name, product_serial, product_uuid, bios_version,
// bios_date. The serial and UUID files are root-only; unreadable ones are "".
DmiFacts read_dmi(const std::filesystem::path& root);

// ROOT/sys/devices/system/cpu/cpuN/topology (physical_package_id, core_id) for sockets, cores
// and threads, falling back to "physical id", "core id" and "processor" in ROOT/proc/cpuinfo;
// model name and flags ("Features" on ARM) of the first processor in /proc/cpuinfo.
CpuFacts read_cpu(const std::filesystem::path& root);

// MemTotal from ROOT/proc/meminfo; DIMMs from the raw SMBIOS type 17 records in
// ROOT/sys/firmware/dmi/entries/17-N/raw (root-only; empty slots are skipped), in N order.
MemoryFacts read_memory(const std::filesystem::path& root);

// One SMBIOS type 17 (Memory Device) structure: formatted area then its string set. nullopt for
// another type, a truncated record, or an empty slot (size 0). An unknown size (0xFFFF) gives
// size_bytes 0; an unknown speed gives 0.
std::optional<Dimm> parse_smbios_memory_device(std::string_view raw);

// ROOT/sys/block, by name, without loop, ram and zram devices: size (in 512-byte sectors),
// device/model, serial (device/serial, serial, then the SCSI VPD page 0x80), WWN (wwid or
// device/wwid), queue/rotational.
std::vector<DiskFacts> read_disks(const std::filesystem::path& root);

// The physical interfaces of list_interfaces(): driver (the device/driver link's name), speed
// (absent when the file is unreadable, as it is for a down link, or not positive), link
// (carrier 1 or operstate "up").
std::vector<NicFacts> read_nics(const std::filesystem::path& root);

// ROOT/sys/bus/pci/devices, by address: vendor, device, class (without "0x") and the driver
// link's name. Devices whose IDs do not read as hex are skipped.
std::vector<PciDevice> read_pci_devices(const std::filesystem::path& root);

// UEFI when ROOT/sys/firmware/efi exists, BIOS when ROOT/sys/firmware exists without it,
// unknown when sysfs is not there at all.
FirmwareMode read_firmware_mode(const std::filesystem::path& root);

// All of the above, each list cut to the report's limits.
HardwareFacts collect_hardware_facts(const std::filesystem::path& root);

// The first IPv4 address of an interface, by name; nullopt if it has none.
using Ipv4Lookup = std::function<std::optional<Ipv4>(const std::string& interface)>;
// The live lookup (getifaddrs(3)).
std::optional<Ipv4> live_interface_ipv4(const std::string& interface);

struct SystemFacts {
  MacAddress mac;         // the boot MAC (given, or the first interface's)
  std::string interface;  // "" when no interface has the boot MAC
  std::optional<Uuid> uuid;
  std::string kernel;
  std::optional<Ipv4> ip;
  HardwareFacts hardware;
  std::vector<std::string> warnings;  // facts that are missing, for the operator's console
};

// Collects the facts. `boot_mac` is the MAC the machine network-booted from (slipway.mac=, set
// by the iPXE script); without it the first interface stands in. Fails only when there is no
// MAC at all: without one the appliance cannot tell which machine reported.
Result<SystemFacts> collect_system_facts(const std::filesystem::path& root,
                                         std::optional<MacAddress> boot_mac,
                                         const Ipv4Lookup& lookup);

// The report for `event`. The kernel release is cut to the codec's 128-character limit.
AgentReport make_report(const SystemFacts& facts, AgentEvent event);

}  // namespace slipway::imaging::agent
