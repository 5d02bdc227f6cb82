#include "controlplane/dhcp_config.h"

#include <gtest/gtest.h>

#include "dhcp/options.h"
#include "tests/controlplane/config_error.h"

namespace slipway::controlplane {
namespace {

using config::ConfigNode;

DhcpConfig parse(const std::string& yaml) {
  auto root = ConfigNode::load_string(yaml, "slipway.yaml");
  return parse_dhcp_config(root.child("dhcp"));
}

std::string error_of(const std::string& yaml) {
  return config_error([&] { parse(yaml); });
}

constexpr const char* kTwoSubnets = R"(dhcp:
  authoritative: false
  decline_hold: 120
  known_servers: [198.18.0.254]
  subnets:
    - subnet: 198.18.0.0/24
      pools: [198.18.0.100-198.18.0.149, 198.18.0.160-198.18.0.169]
      lease_time: 900
      options:
        routers: [198.18.0.1]
        domain-name-servers: [198.18.0.53, 198.18.0.54]
        ntp-servers: 198.18.0.123
        interface-mtu: 9000
        classless-static-routes: ["10.0.0.0/8 198.18.0.1", "0.0.0.0/0 198.18.0.254"]
        vendor-encapsulated-options: "01:04:c6:12:00:01"
        "150": "hex:c6120001"
        "224": private text
      reservations:
        - mac: 52:54:00:00:00:0a
          ip: 198.18.0.10
          hostname: node-a
        - client_id: "00:73:72:76"
          ip: 198.18.0.11
        - uuid: 5a1e0001-0000-4000-8000-0000000000cc
          ip: 198.18.0.12
    - subnet: 198.19.5.0/24
      interface: br5
      range: 198.19.5.10-198.19.5.20
)";

const std::vector<uint8_t>* option(const dhcp::SubnetConfig& s, uint8_t code) {
  for (const auto& [c, v] : s.options) {
    if (c == code) return &v;
  }
  return nullptr;
}

TEST(DhcpConfig, SubnetsPoolsOptionsAndReservations) {
  DhcpConfig c = parse(kTwoSubnets);
  EXPECT_FALSE(c.responder.authoritative);
  EXPECT_EQ(c.responder.decline_hold_seconds, 120);
  EXPECT_EQ(c.known_servers.size(), 1u);
  ASSERT_EQ(c.responder.subnets.size(), 2u);
  const auto& a = c.responder.subnets[0];
  EXPECT_EQ(a.pools.size(), 2u);
  EXPECT_EQ(a.lease_time, 900u);
  EXPECT_EQ(*option(a, dhcp::opt::kDnsServers),
            (std::vector<uint8_t>{198, 18, 0, 53, 198, 18, 0, 54}));
  EXPECT_EQ(*option(a, dhcp::opt::kInterfaceMtu), (std::vector<uint8_t>{0x23, 0x28}));
  // RFC 3442: 8 10 | 198 18 0 1 ; 0 | 198 18 0 254
  EXPECT_EQ(*option(a, dhcp::opt::kClasslessRoutes),
            (std::vector<uint8_t>{8, 10, 198, 18, 0, 1, 0, 198, 18, 0, 254}));
  EXPECT_EQ(*option(a, dhcp::opt::kVendorSpecific), (std::vector<uint8_t>{1, 4, 0xc6, 0x12, 0, 1}));
  EXPECT_EQ(*option(a, 150), (std::vector<uint8_t>{0xc6, 0x12, 0, 1}));
  EXPECT_EQ(option(a, 224)->size(), 12u);
  ASSERT_EQ(a.reservations.size(), 3u);
  EXPECT_EQ(a.reservations[0].hostname, "node-a");
  EXPECT_EQ(a.reservations[1].client_id, (std::vector<uint8_t>{0, 0x73, 0x72, 0x76}));
  EXPECT_TRUE(a.reservations[2].uuid);
  EXPECT_EQ(c.responder.subnets[1].interface, "br5");
}

TEST(DhcpConfig, SingleSubnetShorthand) {
  DhcpConfig c = parse(
      "dhcp:\n  subnet: 198.18.0.0/24\n  range: 198.18.0.100-198.18.0.200\n  routers: "
      "[198.18.0.1]\n  dns: [198.18.0.1]\n  domain: lab\n");
  ASSERT_EQ(c.responder.subnets.size(), 1u);
  EXPECT_TRUE(c.single_subnet_form);
  EXPECT_EQ(c.responder.subnets[0].options.size(), 3u);
}

TEST(DhcpConfig, ProxyModeWantsNoSubnets) {
  DhcpConfig c = parse("dhcp:\n  mode: proxy\n");
  EXPECT_EQ(c.responder.mode, dhcp::Mode::kProxy);
  EXPECT_NE(error_of("dhcp:\n  mode: proxy\n  subnet: 198.18.0.0/24\n  range: "
                     "198.18.0.10-198.18.0.20\n")
                .find("proxy mode hands out no addresses"),
            std::string::npos);
  EXPECT_NE(error_of("dhcp:\n  mode: relay\n").find("dhcp.mode: must be 'server'"),
            std::string::npos);
}

TEST(DhcpConfig, LayoutErrorsNameTheProblem) {
  auto err = [](const std::string& body) { return error_of("dhcp:\n  subnets:\n" + body); };
  EXPECT_NE(err("    - subnet: 198.18.0.0/24\n      range: 198.18.1.1-198.18.1.9\n")
                .find("dhcp.subnets[0].range: 198.18.1.1 is outside subnet 198.18.0.0/24"),
            std::string::npos);
  EXPECT_NE(err("    - subnet: 198.18.0.0/24\n      pools: [198.18.0.10-198.18.0.20, "
                "198.18.0.15-198.18.0.30]\n")
                .find("pool 198.18.0.15-198.18.0.30 overlaps pool 198.18.0.10-198.18.0.20"),
            std::string::npos);
  EXPECT_NE(err("    - subnet: 198.18.0.0/24\n      range: 198.18.0.10-198.18.0.20\n"
                "    - subnet: 198.18.0.128/25\n      range: 198.18.0.130-198.18.0.140\n")
                .find("198.18.0.128/25 overlaps subnet 198.18.0.0/24"),
            std::string::npos);
  EXPECT_NE(
      err("    - subnet: 198.18.0.0/24\n      range: 198.18.0.10-198.18.0.20\n"
          "      reservations:\n        - mac: 52:54:00:00:00:01\n          ip: 198.18.0.15\n")
          .find("198.18.0.15 is inside pool 198.18.0.10-198.18.0.20"),
      std::string::npos);
  EXPECT_NE(err("    - subnet: 198.18.0.0/24\n      range: 198.18.0.10-198.18.0.20\n"
                "      reservations:\n        - ip: 198.18.0.30\n")
                .find("exactly one of mac, client_id or uuid"),
            std::string::npos);
  EXPECT_NE(err("    - subnet: 198.18.0.0/24\n      range: 198.18.0.10-198.18.0.20\n"
                "      reservations:\n        - mac: 52:54:00:00:00:01\n          ip: 198.18.0.30\n"
                "        - mac: 52:54:00:00:00:01\n          ip: 198.18.0.31\n")
                .find("already has a reservation"),
            std::string::npos);
  EXPECT_NE(err("    - subnet: 198.18.0.0/24\n").find("needs a range, pools or reservations"),
            std::string::npos);
}

TEST(DhcpConfig, OptionErrorsNameTheOption) {
  auto err = [](const std::string& options) {
    return error_of(
        "dhcp:\n  subnet: 198.18.0.0/24\n  range: 198.18.0.10-198.18.0.20\n"
        "  options:\n" +
        options);
  };
  EXPECT_NE(
      err("    rooters: [198.18.0.1]\n").find("options.rooters: unknown option name 'rooters'"),
      std::string::npos);
  EXPECT_NE(err("    routers: [198.18.0.300]\n").find("'198.18.0.300' is not an IPv4 address"),
            std::string::npos);
  EXPECT_NE(err("    interface-mtu: 70000\n").find("not a number from 0 to 65535"),
            std::string::npos);
  EXPECT_NE(err("    dhcp-lease-time: 60\n").find("set by the server itself"), std::string::npos);
  EXPECT_NE(err("    \"300\": x\n").find("option codes are 1 to 254"), std::string::npos);
  EXPECT_NE(err("    classless-static-routes: [\"10.0.0.0/8\"]\n").find("is not a route"),
            std::string::npos);
  EXPECT_NE(err("    vendor-encapsulated-options: \"0g\"\n").find("not hex bytes"),
            std::string::npos);
}

}  // namespace
}  // namespace slipway::controlplane
