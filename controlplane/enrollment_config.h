#pragma once
// slipway.yaml's `enrollment` and `power` sections, parsed and validated (file:line errors via
// config::ConfigError).
//
//   enrollment:
//     policy: auto              # auto | approve
//     rules:
//       - match: {vendor: "Dell*", product: "PowerEdge*", mac_prefix: "b0:26:28"}
//         name: "dell-{serial}"  # {vendor} {product} {serial} {mac} {mac6}
//         labels: {rack: r1}
//   power:
//     wol:
//       mode: udp               # udp | raw | both
//       interface: br0          # raw frames go out here (default: the first provisioning one)
//       broadcast: 255.255.255.255
//       port: 9
//       secureon: 01:02:03:04:05:06
//     rate_per_second: 2        # batch wakes, 0: no limit
//     confirm_timeout_s: 300    # how long `power on` waits for the machine's DHCP request

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/config_node.h"
#include "inventory/enrollment_rules.h"
#include "wol/wol_driver.h"

namespace slipway::controlplane {

struct PowerConfig {
  wol::WolDriverOptions wol;  // raw_interface empty: the first provisioning interface
  std::vector<uint8_t> secureon_password;
  uint32_t rate_per_second = 2;
  std::chrono::seconds confirm_timeout{300};
};

inventory::EnrollmentConfig parse_enrollment_config(const config::ConfigNode& node);
// A map of label keys to values, each checked by inventory::invalid_label().
std::map<std::string, std::string> parse_labels(const config::ConfigNode& node);
PowerConfig parse_power_config(const config::ConfigNode& node);

}  // namespace slipway::controlplane
