#include "controlplane/app_config.h"

#include <gtest/gtest.h>

namespace slipway::controlplane {
namespace {

using config::ConfigError;
using config::ConfigNode;

std::optional<Ipv4> fake_lookup(const std::string& name) {
  if (name == "br0") return Ipv4::parse("198.18.0.1");
  return std::nullopt;
}

constexpr const char* kGood = R"(
interface: br0
data_dir: /tmp/slipway-data
dhcp:
  subnet: 198.18.0.0/24
  range: 198.18.0.100 - 198.18.0.200
  routers: [198.18.0.1]
  lease_time: 600
)";

AppConfig parse(const std::string& yaml) {
  return parse_config(ConfigNode::load_string(yaml, "slipway.yaml"), fake_lookup);
}

std::string error_of(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(AppConfig, GoodConfigWithDefaults) {
  AppConfig c = parse(kGood);
  EXPECT_EQ(c.server_address.to_string(), "198.18.0.1");  // from the interface
  ASSERT_EQ(c.dhcp.responder.subnets.size(), 1u);
  const auto& s = c.dhcp.responder.subnets[0];
  ASSERT_EQ(s.pools.size(), 1u);
  EXPECT_EQ(s.pools[0].first.to_string(), "198.18.0.100");
  EXPECT_EQ(s.pools[0].last.to_string(), "198.18.0.200");
  EXPECT_EQ(s.lease_time, 600u);
  EXPECT_EQ(c.interfaces, std::vector<std::string>{"br0"});
  EXPECT_EQ(c.assets_dir, "/tmp/slipway-data/assets");
  EXPECT_EQ(c.boot.public_url, "http://198.18.0.1:8080");
  EXPECT_EQ(c.boot.tftp_server.to_string(), "198.18.0.1");
  EXPECT_EQ(c.tftp.port, 69);
  EXPECT_TRUE(c.boot.chainload_ipxe);
}

TEST(AppConfig, ExplicitServerAddressAndPublicUrl) {
  AppConfig c = parse(std::string(kGood) +
                      "server_address: 198.18.0.2\nhttp:\n  port: 9000\n  public_url: "
                      "http://seed.lab:9000/\n");
  EXPECT_EQ(c.server_address.to_string(), "198.18.0.2");
  EXPECT_EQ(c.boot.public_url, "http://seed.lab:9000");
  EXPECT_EQ(c.http.port, 9000);
}

TEST(AppConfig, ErrorsNameTheKeyAndLine) {
  EXPECT_EQ(
      error_of("interface: br0\ndhcp:\n  subnet: 198.18.0.0/24\n  range: 198.18.1.5-198.18.1.9\n"),
      "slipway.yaml:4:10: dhcp.range: 198.18.1.5 is outside subnet 198.18.0.0/24");
  EXPECT_EQ(
      error_of("interface: br0\ndhcp:\n  subnet: 198.18.0.0/24\n  range: 198.18.0.9-198.18.0.5\n"),
      "slipway.yaml:4:10: dhcp.range: the range ends before it starts");
  EXPECT_NE(error_of("interface: br0\ndhcp:\n  subnet: 198.18.0.0/24\n")
                .find("dhcp: a subnet needs a range, pools or reservations"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kGood) + "colour: blue\n").find("colour: unknown key"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kGood) + "http:\n  port: 70000\n")
                .find("http.port: 70000 is out of range"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kGood) + "boot:\n  bios_loader: ../etc/passwd\n")
                .find("boot.bios_loader: must be a path inside assets_dir"),
            std::string::npos);
}

TEST(AppConfig, InterfaceAndServerAddressMustFit) {
  EXPECT_NE(
      error_of(
          "interface: eth9\ndhcp:\n  subnet: 198.18.0.0/24\n  range: 198.18.0.100-198.18.0.200\n")
          .find("interface: interface 'eth9' does not exist or has no IPv4 address"),
      std::string::npos);
  EXPECT_NE(
      error_of(std::string(kGood) + "server_address: 10.0.0.1\n")
          .find("server_address: server address 10.0.0.1 is not in dhcp.subnet 198.18.0.0/24"),
      std::string::npos);
  EXPECT_NE(error_of("dhcp:\n  subnet: 198.18.0.0/24\n  range: 198.18.0.100-198.18.0.200\n")
                .find("missing required key 'interface'"),
            std::string::npos);
  EXPECT_NE(
      error_of("interface: br0\ndhcp:\n  subnet: 198.18.0.0/24\n  range: 198.18.0.1-198.18.0.20\n")
          .find("pool 198.18.0.1-198.18.0.20 contains the server address 198.18.0.1"),
      std::string::npos);
  EXPECT_NE(
      error_of("interface: br0\ndhcp:\n  subnet: 198.18.0.0/24\n  range: 198.18.0.0-198.18.0.20\n")
          .find("network or broadcast address"),
      std::string::npos);
}

TEST(AppConfig, DhcpCanBeOff) {
  AppConfig c = parse("server_address: 198.18.0.1\ndhcp:\n  enabled: false\n");
  EXPECT_FALSE(c.dhcp.enabled);
  EXPECT_EQ(c.boot.public_url, "http://198.18.0.1:8080");
}

}  // namespace
}  // namespace slipway::controlplane
