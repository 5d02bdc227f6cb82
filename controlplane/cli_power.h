#pragma once
// `slipway power on KEY...`: wakes machines through the appliance (POST /api/v1/power/on) and,
// unless told not to wait, follows the job until every machine has booted (asked DHCP for an
// address), timed out or failed, printing each change as it happens.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace slipway::controlplane {

struct PowerOnOptions {
  std::vector<std::string> keys;                // names, MACs or UUIDs
  std::optional<std::chrono::seconds> timeout;  // the appliance's confirm_timeout_s if unset
  bool wait = true;
  bool json = false;  // print the job's final JSON instead of lines
  std::chrono::milliseconds poll_interval{500};
};

// Exit code: 0 when every machine booted (or, without waiting, the job was accepted); 1 when one
// timed out or failed, or the appliance refused or could not be reached.
int power_on(const std::string& server_url, const PowerOnOptions& options);

}  // namespace slipway::controlplane
