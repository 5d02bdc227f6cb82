#include "controlplane/cli_machines.h"

#include <gtest/gtest.h>

namespace slipway::controlplane {
namespace {

TEST(CliMachines, LabelTermsSetAndRemove) {
  auto c = parse_label_terms({"rack=r1", "role=", "old-"});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->set, (std::map<std::string, std::string>{{"rack", "r1"}, {"role", ""}}));
  EXPECT_EQ(c->remove, std::vector<std::string>{"old"});
}

TEST(CliMachines, LabelTermsRefused) {
  EXPECT_FALSE(parse_label_terms({}));
  EXPECT_FALSE(parse_label_terms({"rack"}));
  EXPECT_FALSE(parse_label_terms({"=r1"}));
  EXPECT_FALSE(parse_label_terms({"-"}));
}

}  // namespace
}  // namespace slipway::controlplane
