#pragma once
// PowerDriver: how the appliance turns a machine on (and, for drivers that can, off). Wake-on-LAN
// is the first implementation (wol_driver.h); IPMI and Redfish drivers will sit beside it and
// take their BMC address and credentials from PowerTarget.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/mac_address.h"
#include "common/result.h"

namespace slipway::wol {

struct PowerTarget {
  std::string name;                        // for logs; may be empty
  MacAddress mac;                          // the NIC that wakes (WoL)
  std::vector<uint8_t> secureon_password;  // empty, 4 or 6 bytes (WoL); never logged
};

// What a driver can do. WoL can only power on, and cannot tell whether the machine obeyed:
// confirmation comes from elsewhere (the machine's next DHCP request).
struct PowerCapabilities {
  bool power_on = false;
  bool power_off = false;
  bool reset = false;
  bool reads_power_state = false;
};

class PowerDriver {
 public:
  virtual ~PowerDriver() = default;
  virtual std::string_view name() const = 0;
  virtual PowerCapabilities capabilities() const = 0;
  // Asks the machine to power on. Success means the request left (WoL) or was accepted (a BMC),
  // not that the machine is running. May block for a network round trip.
  virtual Status power_on(const PowerTarget& target) = 0;
};

}  // namespace slipway::wol
