#include "inventory/machine.h"

#include <array>

#include "common/hex.h"

namespace slipway::inventory {
namespace {

constexpr std::array<std::pair<MachineState, std::string_view>, 6> kStates = {{
    {MachineState::kDiscovered, "discovered"},
    {MachineState::kInspecting, "inspecting"},
    {MachineState::kReady, "ready"},
    {MachineState::kInstalling, "installing"},
    {MachineState::kDeployed, "deployed"},
    {MachineState::kRetired, "retired"},
}};

}  // namespace

std::string_view to_string(MachineState s) {
  for (const auto& [state, name] : kStates) {
    if (state == s) return name;
  }
  return "unknown";
}

std::optional<MachineState> parse_machine_state(std::string_view text) {
  for (const auto& [state, name] : kStates) {
    if (name == text) return state;
  }
  return std::nullopt;
}

std::string default_machine_name(const MacAddress& mac) { return "m-" + hex::encode(mac.bytes()); }

}  // namespace slipway::inventory
