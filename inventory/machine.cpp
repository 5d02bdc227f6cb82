#include "inventory/machine.h"

#include <array>

#include "common/hex.h"
#include "inventory/name_table.h"

namespace slipway::inventory {
namespace {

constexpr NameTable<MachineState, 8> kStates = {{
    {MachineState::kDiscovered, "discovered"},
    {MachineState::kInspecting, "inspecting"},
    {MachineState::kReady, "ready"},
    {MachineState::kInstalling, "installing"},
    {MachineState::kDeployed, "deployed"},
    {MachineState::kRetired, "retired"},
    {MachineState::kSnapshotting, "snapshotting"},
    {MachineState::kRestoring, "restoring"},
}};

constexpr NameTable<InstallStage, 3> kInstallStages = {{
    {InstallStage::kNone, "none"},
    {InstallStage::kPending, "pending"},
    {InstallStage::kWritten, "written"},
}};

}  // namespace

std::string_view to_string(InstallStage s) { return name_of(kInstallStages, s); }

std::optional<InstallStage> parse_install_stage(std::string_view text) {
  return value_of(kInstallStages, text);
}

std::string_view to_string(MachineState s) { return name_of(kStates, s); }

std::optional<MachineState> parse_machine_state(std::string_view text) {
  return value_of(kStates, text);
}

std::string default_machine_name(const MacAddress& mac) { return "m-" + hex::encode(mac.bytes()); }

bool has_default_name(const Machine& m) {
  for (const auto& i : m.interfaces) {
    std::string base = default_machine_name(i.mac);
    if (m.name == base) return true;
    if (m.name.size() > base.size() + 1 && m.name.compare(0, base.size() + 1, base + "-") == 0 &&
        m.name.find_first_not_of("0123456789", base.size() + 1) == std::string::npos) {
      return true;
    }
  }
  return false;
}

namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }
bool is_value_char(char c) { return is_alnum(c) || c == '.' || c == '_' || c == '-'; }
constexpr size_t kMaxLabelLength = 63;

}  // namespace

std::optional<std::string> invalid_machine_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxLabelLength) {
    return "a machine name has 1 to 63 characters";
  }
  for (char c : name) {
    if (!is_lower_alnum(c) && c != '-') {
      return "a machine name uses only a-z, 0-9 and '-' (it is a DNS host name)";
    }
  }
  if (name.front() == '-' || name.back() == '-') {
    return "a machine name does not start or end with '-'";
  }
  return std::nullopt;
}

std::optional<std::string> invalid_label(std::string_view key, std::string_view value) {
  if (key.empty() || key.size() > kMaxLabelLength || !is_alnum(key.front())) {
    return "label key '" + std::string(key) +
           "' must have 1 to 63 characters and start with a letter or digit";
  }
  for (char c : key) {
    if (!is_value_char(c) && c != '/') {
      return "label key '" + std::string(key) + "' uses only A-Z a-z 0-9 . _ - /";
    }
  }
  if (value.size() > kMaxLabelLength) {
    return "label value for '" + std::string(key) + "' has more than 63 characters";
  }
  for (char c : value) {
    if (!is_value_char(c)) {
      return "label value for '" + std::string(key) + "' uses only A-Z a-z 0-9 . _ -";
    }
  }
  return std::nullopt;
}

}  // namespace slipway::inventory
