#include "inventory/lifecycle.h"

#include <gtest/gtest.h>

#include <set>

namespace slipway::inventory {
namespace {

using S = MachineState;

constexpr S kAll[] = {S::kDiscovered, S::kInspecting, S::kReady,        S::kInstalling,
                      S::kDeployed,   S::kRetired,    S::kSnapshotting, S::kRestoring};

TEST(LifecycleTest, TableHoldsExactlyTheLegalMoves) {
  const std::set<std::pair<S, S>> legal = {
      {S::kDiscovered, S::kInspecting}, {S::kDiscovered, S::kRetired},
      {S::kInspecting, S::kReady},      {S::kInspecting, S::kDiscovered},
      {S::kInspecting, S::kRetired},    {S::kReady, S::kInspecting},
      {S::kReady, S::kInstalling},      {S::kReady, S::kRetired},
      {S::kInstalling, S::kDeployed},   {S::kInstalling, S::kReady},
      {S::kDeployed, S::kInstalling},   {S::kDeployed, S::kReady},
      {S::kDeployed, S::kRetired},      {S::kRetired, S::kDiscovered},
      {S::kReady, S::kSnapshotting},    {S::kDeployed, S::kSnapshotting},
      {S::kSnapshotting, S::kReady},    {S::kSnapshotting, S::kDeployed},
      {S::kReady, S::kRestoring},       {S::kDeployed, S::kRestoring},
      {S::kRestoring, S::kDeployed},    {S::kRestoring, S::kReady},
  };
  EXPECT_EQ(transitions().size(), legal.size());
  for (S from : kAll) {
    for (S to : kAll) {
      EXPECT_EQ(find_transition(from, to) != nullptr, legal.count({from, to}) == 1)
          << to_string(from) << " -> " << to_string(to);
    }
  }
}

TEST(LifecycleTest, OnlyEnrollmentMakesAnInspectedMachineReady) {
  for (const auto& t : transitions()) {
    bool enrollment = t.from == S::kInspecting && t.to == S::kReady;
    EXPECT_EQ(t.gate == Gate::kEnrollment, enrollment);
    EXPECT_FALSE(t.meaning.empty());
  }
}

TEST(LifecycleTest, InstallingCannotBeSkipped) {
  EXPECT_EQ(find_transition(S::kReady, S::kDeployed), nullptr);
  EXPECT_EQ(find_transition(S::kDiscovered, S::kReady), nullptr);
  EXPECT_EQ(find_transition(S::kDiscovered, S::kInstalling), nullptr);
  EXPECT_EQ(find_transition(S::kRetired, S::kDeployed), nullptr);
  EXPECT_EQ(find_transition(S::kInstalling, S::kRetired), nullptr);
}

TEST(LifecycleTest, RefusalNamesMachineStatesAndWhatIsAllowed) {
  EXPECT_EQ(illegal_transition_message("web1", S::kDiscovered, S::kDeployed),
            "machine web1 is discovered; it cannot become deployed (allowed from discovered: "
            "inspecting, retired)");
  EXPECT_EQ(illegal_transition_message("web1", S::kReady, S::kReady),
            "machine web1 is ready; it cannot become ready (it already is)");
}

TEST(LifecycleTest, PolicyNames) {
  EXPECT_EQ(parse_enrollment_policy("auto"), EnrollmentPolicy::kAuto);
  EXPECT_EQ(parse_enrollment_policy("approve"), EnrollmentPolicy::kApprove);
  EXPECT_EQ(parse_enrollment_policy("Auto"), std::nullopt);
  EXPECT_EQ(to_string(EnrollmentPolicy::kApprove), "approve");
}

}  // namespace
}  // namespace slipway::inventory
