#include "common/config_node.h"

#include <gtest/gtest.h>

namespace slipway::config {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ConfigNode, ErrorsNameFileLineAndKey) {
  auto root = ConfigNode::load_string("dhcp:\n  lease_time: soon\n", "x.yaml");
  auto msg = error_of([&] { root.child("dhcp").child("lease_time").as_int(60, 100000); });
  EXPECT_EQ(msg, "x.yaml:2:15: dhcp.lease_time: 'soon' is not a whole number");
}

TEST(ConfigNode, MissingKeyNamesTheParent) {
  auto root = ConfigNode::load_string("dhcp:\n  subnet: 198.18.0.0/24\n", "x.yaml");
  auto msg = error_of([&] { root.child("dhcp").child("range"); });
  EXPECT_NE(msg.find("dhcp: missing required key 'range'"), std::string::npos) << msg;
}

TEST(ConfigNode, UnknownKeysAreRefused) {
  auto root = ConfigNode::load_string("dhcp:\n  rnage: x\n", "x.yaml");
  auto msg = error_of([&] { root.child("dhcp").allow_keys({"range", "subnet"}); });
  EXPECT_EQ(msg, "x.yaml:2:3: dhcp.rnage: unknown key (allowed here: range, subnet)");
}

TEST(ConfigNode, TypedValues) {
  auto root = ConfigNode::load_string(
      "a: 198.18.0.1\nb: 198.18.0.0/24\nc: yes\nd: [1, 2]\ne: 70000\n", "x.yaml");
  EXPECT_EQ(root.child("a").as_ipv4().to_string(), "198.18.0.1");
  EXPECT_EQ(root.child("b").as_subnet().prefix, 24);
  EXPECT_TRUE(root.child("c").as_bool());
  EXPECT_EQ(root.child("d").as_list().size(), 2u);
  EXPECT_EQ(root.child("d").as_list()[1].path(), "d[1]");
  EXPECT_NE(error_of([&] { root.child("e").as_int(1, 65535); }).find("out of range"),
            std::string::npos);
  EXPECT_NE(error_of([&] { root.child("b").as_ipv4(); }).find("not an IPv4 address"),
            std::string::npos);
  EXPECT_EQ(root.int_or("missing", 5, 0, 10), 5);
}

TEST(ConfigNode, SyntaxErrorsGiveThePosition) {
  auto msg = error_of([] { ConfigNode::load_string("a: [1, 2\nb: 3\n", "bad.yaml"); });
  EXPECT_EQ(msg.rfind("bad.yaml:", 0), 0u) << msg;
  EXPECT_NE(msg.find("YAML syntax error"), std::string::npos) << msg;
}

}  // namespace
}  // namespace slipway::config
