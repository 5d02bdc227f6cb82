#pragma once
// What slipway-agent learns about the machine it runs on: the boot interface (name, MAC, IPv4),
// the SMBIOS UUID and the runtime's kernel release. Files are read under a root directory ("/"
// in the runtime, a fake tree in tests); interface addresses come through an Ipv4Lookup so that
// tests need no real interfaces.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
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
