#pragma once
// The `dhcp:` section of slipway.yaml: mode, subnets with pools, reservations and options (by
// name or by code), timers. Validated as a whole: pools outside their subnet, overlapping pools
// or subnets, reservations inside a pool or outside their subnet, duplicate reservations and
// unknown or malformed options are errors naming the key and line.
//
// Two forms: a list under `subnets:`, or, for one subnet, its keys directly under `dhcp:`.

#include <vector>

#include "common/config_node.h"
#include "dhcp/responder.h"

namespace slipway::controlplane {

struct DhcpConfig {
  bool enabled = true;
  uint16_t port = 67;
  dhcp::ResponderConfig responder;  // own_addresses are filled in at start
  std::vector<Ipv4> known_servers;  // other DHCP servers expected on the LAN (not rogue)
  bool answer_router_solicitations = true;
  bool detect_foreign_servers = true;
  bool single_subnet_form = false;  // the subnet's keys sit directly under `dhcp:`
};

// Throws config::ConfigError. A missing or null node gives the defaults with DHCP enabled and
// no subnet (which the caller refuses in server mode).
DhcpConfig parse_dhcp_config(const config::ConfigNode& node);

}  // namespace slipway::controlplane
