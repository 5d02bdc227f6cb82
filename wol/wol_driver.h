#pragma once
// WolPowerDriver: power on by Wake-on-LAN, sending the magic packet as a UDP broadcast, as a raw
// Ethernet frame, or both (mode udp|raw|both). Not thread-safe (its senders are not).

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wol/magic_sender.h"
#include "wol/power_driver.h"

namespace slipway::wol {

enum class WolMode { kUdp, kRaw, kBoth };
std::optional<WolMode> parse_wol_mode(std::string_view text);  // "udp", "raw", "both"
std::string_view to_string(WolMode mode);

struct WolDriverOptions {
  WolMode mode = WolMode::kUdp;
  UdpWakeOptions udp;
  std::string raw_interface;  // required for raw and both
};

class WolPowerDriver final : public PowerDriver {
 public:
  // Builds the senders the mode needs (opening the raw interface now, so a missing interface or
  // privilege is reported at start-up, not at the first wake).
  static Result<std::unique_ptr<WolPowerDriver>> create(const WolDriverOptions& options);
  // Sends through each of `senders` in order (tests pass fakes).
  explicit WolPowerDriver(std::vector<std::unique_ptr<MagicPacketSender>> senders)
      : senders_(std::move(senders)) {}

  std::string_view name() const override { return "wol"; }
  PowerCapabilities capabilities() const override;
  // Every sender is tried, even after one fails; the result is an error naming each failure,
  // so a half-broken configuration (UDP works, raw does not) is visible.
  Status power_on(const PowerTarget& target) override;

 private:
  std::vector<std::unique_ptr<MagicPacketSender>> senders_;
};

}  // namespace slipway::wol
