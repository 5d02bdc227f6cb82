#include "tests/lab/virtual_bmc.h"

namespace slipway::lab {

Result<BmcMachine> parse_machine_spec(std::string_view spec) {
  size_t equals = spec.find('=');
  if (equals == std::string_view::npos || equals + 1 == spec.size()) {
    return Error{"machine \"" + std::string(spec) + "\": expected MAC[/PASSWORD]=COMMAND"};
  }
  std::string_view who = spec.substr(0, equals);
  std::string_view password_text;
  if (size_t slash = who.find('/'); slash != std::string_view::npos) {
    password_text = who.substr(slash + 1);
    who = who.substr(0, slash);
  }
  BmcMachine machine;
  auto mac = MacAddress::parse(who);
  if (!mac)
    return Error{"machine \"" + std::string(spec) + "\": bad MAC \"" + std::string(who) + "\""};
  machine.mac = *mac;
  if (!password_text.empty()) {
    auto password = wol::parse_password(password_text);
    if (!password) {
      return Error{"machine " + mac->to_string() + ": a SecureOn password is 4 or 6 hex bytes"};
    }
    machine.password = std::move(*password);
  }
  machine.command = std::string(spec.substr(equals + 1));
  return machine;
}

std::string_view to_string(Verdict verdict) {
  // In the order of the enum.
  constexpr std::string_view kNames[] = {"wake", "already-woken", "wrong-password", "unknown-mac"};
  return kNames[static_cast<size_t>(verdict)];
}

VirtualBmc::VirtualBmc(std::vector<BmcMachine> machines)
    : machines_(std::move(machines)), woken_(machines_.size(), false) {}

VirtualBmc::Decision VirtualBmc::on_packet(const wol::MagicPacket& packet) {
  for (size_t i = 0; i < machines_.size(); ++i) {
    const BmcMachine& machine = machines_[i];
    if (machine.mac != packet.target) continue;
    if (!machine.password.empty() && machine.password != packet.password) {
      return {Verdict::kWrongPassword, &machine};
    }
    if (woken_[i]) return {Verdict::kAlreadyWoken, &machine};
    woken_[i] = true;
    return {Verdict::kWake, &machine};
  }
  return {Verdict::kUnknownMac, nullptr};
}

void VirtualBmc::powered_off(const MacAddress& mac) {
  for (size_t i = 0; i < machines_.size(); ++i) {
    if (machines_[i].mac == mac) woken_[i] = false;
  }
}

}  // namespace slipway::lab
