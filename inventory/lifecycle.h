#pragma once
// The lifecycle of DESIGN.md as one table of legal transitions, and the enrollment policy.
//
// Every state change in the inventory goes through SqliteMachineStore, which checks it against
// this table and records it as a `machine.state` event (time, from, to, reason, actor). Pure data
// and functions: no storage, no I/O.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "inventory/machine.h"

namespace slipway::inventory {

// Who may make a transition happen.
enum class Gate {
  kAnyone,      // the operator (REST/CLI) or the appliance's own workflows
  kEnrollment,  // only enrollment: the auto policy after inspection, or `approve`
};

struct Transition {
  MachineState from;
  MachineState to;
  Gate gate;
  std::string_view meaning;  // what the move stands for, shown with refusals and in docs
};

// The legal transitions; anything not listed is refused.
std::span<const Transition> transitions();
// The row for from -> to, or null when the move is illegal.
const Transition* find_transition(MachineState from, MachineState to);
// The states reachable from `from` in one legal move, in table order.
std::vector<MachineState> allowed_from(MachineState from);
// "machine NAME is STATE; it cannot become TO (from STATE: a, b)" and the like.
std::string illegal_transition_message(std::string_view machine, MachineState from,
                                       MachineState to);

// What happens to a machine whose inspection has finished: `auto` makes it ready at once;
// `approve` leaves it inspecting, flagged as awaiting approval, until an operator approves it.
enum class EnrollmentPolicy { kAuto, kApprove };
std::string_view to_string(EnrollmentPolicy p);
std::optional<EnrollmentPolicy> parse_enrollment_policy(std::string_view text);

}  // namespace slipway::inventory
