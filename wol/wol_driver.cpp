#include "wol/wol_driver.h"

#include "common/log.h"

namespace slipway::wol {

namespace {

struct ModeName {
  WolMode mode;
  std::string_view name;
};
constexpr ModeName kModes[] = {
    {WolMode::kUdp, "udp"}, {WolMode::kRaw, "raw"}, {WolMode::kBoth, "both"}};

}  // namespace

std::optional<WolMode> parse_wol_mode(std::string_view text) {
  for (const auto& m : kModes) {
    if (m.name == text) return m.mode;
  }
  return std::nullopt;
}

std::string_view to_string(WolMode mode) {
  for (const auto& m : kModes) {
    if (m.mode == mode) return m.name;
  }
  return "?";
}

Result<std::unique_ptr<WolPowerDriver>> WolPowerDriver::create(const WolDriverOptions& options) {
  std::vector<std::unique_ptr<MagicPacketSender>> senders;
  if (options.mode != WolMode::kRaw)
    senders.push_back(std::make_unique<UdpMagicSender>(options.udp));
  if (options.mode != WolMode::kUdp) {
    if (options.raw_interface.empty()) {
      return Error{"wol: mode " + std::string(to_string(options.mode)) + " needs an interface"};
    }
    auto raw = RawMagicSender::open(options.raw_interface);
    if (!raw) return raw.error();
    senders.push_back(std::move(*raw));
  }
  return std::make_unique<WolPowerDriver>(std::move(senders));
}

PowerCapabilities WolPowerDriver::capabilities() const {
  PowerCapabilities can;
  can.power_on = true;
  return can;
}

Status WolPowerDriver::power_on(const PowerTarget& target) {
  MagicPacket packet{target.mac, target.secureon_password};
  std::string failures;
  for (auto& sender : senders_) {
    Status sent = sender->send(packet);
    log::get("wol")->info("wake name={} mac={} via=\"{}\" secureon={} ok={}", target.name,
                          target.mac.to_string(), sender->describe(),
                          !target.secureon_password.empty(), sent.ok());
    if (!sent) failures += (failures.empty() ? "" : "; ") + sent.error().message;
  }
  if (senders_.empty()) return Error{"wol: no sender configured"};
  if (!failures.empty()) return Error{failures};
  return {};
}

}  // namespace slipway::wol
