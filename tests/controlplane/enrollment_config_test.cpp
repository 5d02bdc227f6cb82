#include "controlplane/enrollment_config.h"

#include <gtest/gtest.h>

#include "controlplane/app_config.h"
#include "tests/controlplane/config_error.h"

namespace slipway::controlplane {
namespace {

using config::ConfigNode;

constexpr const char* kBase = R"(interface: br0
dhcp:
  subnet: 198.18.0.0/24
  range: 198.18.0.100-198.18.0.200
)";

AppConfig parse(const std::string& extra) {
  return parse_config(ConfigNode::load_string(kBase + extra, "slipway.yaml"), fake_lookup);
}

std::string error_of(const std::string& extra) {
  return config_error([&] { parse(extra); });
}

TEST(EnrollmentConfig, DefaultsAreAutoUdpTwoPerSecond) {
  AppConfig c = parse("");
  EXPECT_EQ(c.enrollment.policy, inventory::EnrollmentPolicy::kAuto);
  EXPECT_TRUE(c.enrollment.rules.empty());
  EXPECT_EQ(c.power.wol.mode, wol::WolMode::kUdp);
  EXPECT_EQ(c.power.wol.udp.port, 9);
  EXPECT_EQ(c.power.wol.udp.broadcast.to_string(), "255.255.255.255");
  EXPECT_EQ(c.power.rate_per_second, 2u);
  EXPECT_EQ(c.power.confirm_timeout, std::chrono::seconds(300));
  EXPECT_TRUE(c.power.secureon_password.empty());
}

TEST(EnrollmentConfig, FullSections) {
  AppConfig c = parse(R"(enrollment:
  policy: approve
  rules:
    - match: {vendor: "Dell*", product: "PowerEdge*", mac_prefix: "b0:26:28"}
      name: "dell-{serial}"
      labels: {rack: r1, role: db}
    - labels: {site: lab}
power:
  wol:
    mode: both
    broadcast: 198.18.0.255
    port: 7
    secureon: 01:02:03:04:05:06
  rate_per_second: 5
  confirm_timeout_s: 120
)");
  EXPECT_EQ(c.enrollment.policy, inventory::EnrollmentPolicy::kApprove);
  ASSERT_EQ(c.enrollment.rules.size(), 2u);
  const auto& r = c.enrollment.rules[0];
  EXPECT_EQ(r.vendor_glob, "Dell*");
  EXPECT_EQ(r.product_glob, "PowerEdge*");
  EXPECT_EQ(r.mac_prefix, (std::vector<uint8_t>{0xb0, 0x26, 0x28}));
  EXPECT_EQ(r.name_template, "dell-{serial}");
  EXPECT_EQ(r.labels.at("role"), "db");
  EXPECT_EQ(c.enrollment.rules[1].labels.at("site"), "lab");
  EXPECT_EQ(c.power.wol.mode, wol::WolMode::kBoth);
  EXPECT_EQ(c.power.wol.raw_interface, "br0");  // the provisioning interface by default
  EXPECT_EQ(c.power.wol.udp.broadcast.to_string(), "198.18.0.255");
  EXPECT_EQ(c.power.wol.udp.port, 7);
  EXPECT_EQ(c.power.secureon_password, (std::vector<uint8_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(c.power.rate_per_second, 5u);
  EXPECT_EQ(c.power.confirm_timeout, std::chrono::seconds(120));
}

TEST(EnrollmentConfig, ErrorsNameTheLineAndTheProblem) {
  EXPECT_NE(error_of("enrollment:\n  policy: sometimes\n").find("slipway.yaml:6"),
            std::string::npos);
  EXPECT_NE(error_of("enrollment:\n  policy: sometimes\n").find("'auto' or 'approve'"),
            std::string::npos);
  std::string e = error_of(
      "enrollment:\n  rules:\n    - match: {mac_prefix: \"52:5\"}\n      labels: {a: b}\n");
  EXPECT_NE(e.find("slipway.yaml:7"), std::string::npos) << e;
  EXPECT_NE(e.find("52:5"), std::string::npos) << e;
  e = error_of("enrollment:\n  rules:\n    - name: \"x-{hostname}\"\n");
  EXPECT_NE(e.find("unknown placeholder {hostname}"), std::string::npos) << e;
  e = error_of("enrollment:\n  rules:\n    - labels: {\"bad key!\": x}\n");
  EXPECT_NE(e.find("slipway.yaml:7"), std::string::npos) << e;
  e = error_of("enrollment:\n  rules:\n    - match: {vendor: QEMU}\n");
  EXPECT_NE(e.find("needs a 'name' or 'labels'"), std::string::npos) << e;
  e = error_of("enrollment:\n  rules:\n    - match: {vendr: QEMU}\n      name: a\n");
  EXPECT_NE(e.find("vendr"), std::string::npos) << e;
  e = error_of("power:\n  wol:\n    mode: ipmi\n");
  EXPECT_NE(e.find("'udp', 'raw' or 'both'"), std::string::npos) << e;
  e = error_of("power:\n  wol:\n    secureon: 01:02:03\n");
  EXPECT_NE(e.find("4 or 6 bytes"), std::string::npos) << e;
  e = error_of("power:\n  rate_per_second: -1\n");
  EXPECT_NE(e.find("slipway.yaml:6"), std::string::npos) << e;
}

TEST(EnrollmentConfig, RawModeWithoutAnyInterfaceIsAnError) {
  std::string e = config_error([] {
    parse_config(ConfigNode::load_string("server_address: 198.18.0.1\ndhcp:\n  enabled: false\n"
                                         "power:\n  wol:\n    mode: raw\n",
                                         "slipway.yaml"),
                 fake_lookup);
  });
  EXPECT_NE(e.find("needs 'interface'"), std::string::npos) << e;
}

}  // namespace
}  // namespace slipway::controlplane
