#include "inventory/machine.h"

#include <gtest/gtest.h>

namespace slipway::inventory {
namespace {

TEST(MachineTest, StateNamesRoundTrip) {
  for (auto s : {MachineState::kDiscovered, MachineState::kInspecting, MachineState::kReady,
                 MachineState::kInstalling, MachineState::kDeployed, MachineState::kRetired}) {
    EXPECT_EQ(parse_machine_state(to_string(s)), s);
  }
  EXPECT_EQ(parse_machine_state("enrolled"), std::nullopt);
}

TEST(MachineTest, NamesAreDnsLabels) {
  EXPECT_EQ(invalid_machine_name("web-01"), std::nullopt);
  EXPECT_EQ(invalid_machine_name("m-525400000001-2"), std::nullopt);
  EXPECT_EQ(invalid_machine_name(std::string(63, 'a')), std::nullopt);
  EXPECT_TRUE(invalid_machine_name(""));
  EXPECT_TRUE(invalid_machine_name(std::string(64, 'a')));
  EXPECT_TRUE(invalid_machine_name("Web01"));
  EXPECT_TRUE(invalid_machine_name("web_01"));
  EXPECT_TRUE(invalid_machine_name("web 01"));
  EXPECT_TRUE(invalid_machine_name("web.lan"));
  EXPECT_TRUE(invalid_machine_name("-web"));
  EXPECT_TRUE(invalid_machine_name("web-"));
  EXPECT_TRUE(invalid_machine_name("52:54:00:00:00:01"));  // never mistaken for a MAC
}

TEST(MachineTest, LabelsAreValidated) {
  EXPECT_EQ(invalid_label("rack", "r12"), std::nullopt);
  EXPECT_EQ(invalid_label("example.com/role", "db_primary-1.0"), std::nullopt);
  EXPECT_EQ(invalid_label("empty", ""), std::nullopt);
  EXPECT_TRUE(invalid_label("", "x"));
  EXPECT_TRUE(invalid_label("-rack", "x"));
  EXPECT_TRUE(invalid_label("ra=ck", "x"));
  EXPECT_TRUE(invalid_label("rack", "a b"));
  EXPECT_TRUE(invalid_label("rack", "a/b"));
  EXPECT_TRUE(invalid_label(std::string(64, 'k'), "x"));
  EXPECT_TRUE(invalid_label("rack", std::string(64, 'v')));
}

}  // namespace
}  // namespace slipway::inventory
