#include "inventory/lifecycle.h"

#include <array>

#include "inventory/name_table.h"

namespace slipway::inventory {
namespace {

using S = MachineState;

constexpr std::array<Transition, 22> kTransitions = {{
    {S::kDiscovered, S::kInspecting, Gate::kAnyone, "the runtime's agent booted to inspect it"},
    {S::kDiscovered, S::kRetired, Gate::kAnyone, "retired before enrollment"},
    {S::kInspecting, S::kReady, Gate::kEnrollment,
     "inspection finished (auto policy) or an operator approved it"},
    {S::kInspecting, S::kDiscovered, Gate::kAnyone, "inspection abandoned; start over"},
    {S::kInspecting, S::kRetired, Gate::kAnyone, "retired during inspection"},
    {S::kReady, S::kInspecting, Gate::kAnyone, "inspect again"},
    {S::kReady, S::kInstalling, Gate::kAnyone, "an install was started"},
    {S::kReady, S::kRetired, Gate::kAnyone, "retired"},
    {S::kInstalling, S::kDeployed, Gate::kAnyone, "the install finished"},
    {S::kInstalling, S::kReady, Gate::kAnyone, "the install failed or was cancelled"},
    {S::kDeployed, S::kInstalling, Gate::kAnyone, "a reinstall was started"},
    {S::kDeployed, S::kReady, Gate::kAnyone, "released for another install"},
    {S::kDeployed, S::kRetired, Gate::kAnyone, "retired"},
    {S::kRetired, S::kDiscovered, Gate::kAnyone, "back in service: enrolled again from scratch"},
    {S::kReady, S::kSnapshotting, Gate::kAnyone, "a snapshot of its disks was started"},
    {S::kDeployed, S::kSnapshotting, Gate::kAnyone, "a snapshot of its disks was started"},
    {S::kSnapshotting, S::kReady, Gate::kAnyone, "the snapshot ended; back to ready"},
    {S::kSnapshotting, S::kDeployed, Gate::kAnyone, "the snapshot ended; back to deployed"},
    {S::kReady, S::kRestoring, Gate::kAnyone, "a snapshot is being restored onto it"},
    {S::kDeployed, S::kRestoring, Gate::kAnyone,
     "a snapshot is being restored onto it (its disks are overwritten)"},
    {S::kRestoring, S::kDeployed, Gate::kAnyone,
     "the restore was written and verified; the disk boots next"},
    {S::kRestoring, S::kReady, Gate::kAnyone, "the restore failed or was cancelled"},
}};

constexpr NameTable<EnrollmentPolicy, 2> kPolicies = {{
    {EnrollmentPolicy::kAuto, "auto"},
    {EnrollmentPolicy::kApprove, "approve"},
}};

}  // namespace

std::span<const Transition> transitions() { return kTransitions; }

const Transition* find_transition(MachineState from, MachineState to) {
  for (const auto& t : kTransitions) {
    if (t.from == from && t.to == to) return &t;
  }
  return nullptr;
}

std::vector<MachineState> allowed_from(MachineState from) {
  std::vector<MachineState> out;
  for (const auto& t : kTransitions) {
    if (t.from == from) out.push_back(t.to);
  }
  return out;
}

std::string illegal_transition_message(std::string_view machine, MachineState from,
                                       MachineState to) {
  std::string out = "machine " + std::string(machine) + " is " + std::string(to_string(from)) +
                    "; it cannot become " + std::string(to_string(to));
  if (from == to) return out + " (it already is)";
  out += " (allowed from " + std::string(to_string(from)) + ": ";
  auto allowed = allowed_from(from);
  for (size_t i = 0; i < allowed.size(); ++i) {
    out += (i ? ", " : "") + std::string(to_string(allowed[i]));
  }
  return out + ")";
}

std::string_view to_string(EnrollmentPolicy p) { return name_of(kPolicies, p); }

std::optional<EnrollmentPolicy> parse_enrollment_policy(std::string_view text) {
  return value_of(kPolicies, text);
}

}  // namespace slipway::inventory
