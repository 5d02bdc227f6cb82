#include "controlplane/app_config.h"

#include <gtest/gtest.h>

#include <tuple>

#include "tests/controlplane/config_error.h"

namespace slipway::controlplane {
namespace {

using config::ConfigNode;

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
  return config_error([&] { parse(yaml); });
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
  EXPECT_TRUE(c.tftp.enabled);
  EXPECT_TRUE(c.boot.tftp_enabled);
  EXPECT_TRUE(c.boot.chainload_ipxe);
  EXPECT_EQ(c.boot.uefi_local_loader, "localboot.efi");
}

TEST(AppConfig, TftpOffReachesTheBootPlanner) {
  AppConfig c = parse(std::string(kGood) + "tftp:\n  enabled: false\n");
  EXPECT_FALSE(c.tftp.enabled);
  EXPECT_FALSE(c.boot.tftp_enabled);
}

TEST(AppConfig, HttpsBootHandsHttpBootClientsAnHttpsLoaderBase) {
  EXPECT_FALSE(parse(kGood).https.boot);
  EXPECT_TRUE(parse(kGood).boot.https_loader_base.empty());
  AppConfig c = parse(std::string(kGood) + "https:\n  boot: true\n  port: 9443\n");
  EXPECT_TRUE(c.https.boot);
  EXPECT_EQ(c.boot.https_loader_base, "https://198.18.0.1:9443");
  EXPECT_EQ(c.boot.public_url, "http://198.18.0.1:8080");  // iPXE stays on HTTP
  EXPECT_EQ(error_of(std::string(kGood) + "https:\n  enabled: false\n  boot: true\n"),
            "slipway.yaml:11:9: https.boot: needs HTTPS on (https.enabled is false)");
}

TEST(AppConfig, AuthKeysHaveDefaultsAndRanges) {
  AppConfig d = parse(kGood);
  EXPECT_EQ(d.admin_token_file(), d.data_dir / "admin.token");
  EXPECT_EQ(d.auth.failed_per_minute, 20);
  AppConfig c = parse(std::string(kGood) +
                      "auth:\n  admin_token_file: /root/slipway.token\n  failed_per_minute: 5\n");
  EXPECT_EQ(c.admin_token_file(), "/root/slipway.token");
  EXPECT_EQ(c.auth.failed_per_minute, 5);
  EXPECT_NE(error_of(std::string(kGood) + "auth:\n  failed_per_minute: 0\n")
                .find("auth.failed_per_minute"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kGood) + "auth:\n  tokens: []\n").find("tokens"),
            std::string::npos);
}

TEST(AppConfig, BootLoadersAreAssetPaths) {
  AppConfig c = parse(std::string(kGood) + "boot:\n  uefi_local_loader: grub/local.efi\n");
  EXPECT_EQ(c.boot.uefi_local_loader, "grub/local.efi");
  EXPECT_NE(error_of(std::string(kGood) + "boot:\n  uefi_local_loader: /boot/x.efi\n")
                .find("boot.uefi_local_loader: must be a path inside assets_dir"),
            std::string::npos);
}

TEST(AppConfig, AgentSecretTtlHasADefaultAndARange) {
  EXPECT_EQ(parse(kGood).boot.agent_secret_ttl, 21600);
  EXPECT_EQ(parse(std::string(kGood) + "boot:\n  agent_secret_ttl: 3600\n").boot.agent_secret_ttl,
            3600);
  for (const char* bad : {"59", "604801", "six hours"}) {
    EXPECT_NE(error_of(std::string(kGood) + "boot:\n  agent_secret_ttl: " + bad + "\n")
                  .find("boot.agent_secret_ttl"),
              std::string::npos)
        << bad;
  }
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

TEST(AppConfig, BusyPoll) {
  EXPECT_EQ(parse(kGood).busy_poll.count(), 50);
  EXPECT_EQ(parse(std::string(kGood) + "busy_poll_us: 0\n").busy_poll.count(), 0);
  EXPECT_EQ(parse(std::string(kGood) + "busy_poll_us: 200\n").busy_poll.count(), 200);
  std::string got = error_of(std::string(kGood) + "busy_poll_us: 20000\n");
  EXPECT_NE(got.find("busy_poll_us: 20000 is out of range (0 to 10000)"), std::string::npos) << got;
  got = error_of(std::string(kGood) + "busy_poll_us: -1\n");
  EXPECT_NE(got.find("busy_poll_us: -1 is out of range"), std::string::npos) << got;
}

// max_blksize, max_windowsize, max_transfers, retries, timeout_ms, max_timeout_ms.
using TftpLimits = std::tuple<int, int, size_t, int, int64_t, int64_t>;

TftpLimits tftp_limits(const AppConfig& c) {
  const auto& t = c.tftp;
  return {t.negotiation.max_blksize, t.negotiation.max_windowsize,    t.max_transfers,
          t.retry.max_retries,       t.retry.initial_timeout.count(), t.retry.max_timeout.count()};
}

TEST(AppConfig, TftpLimits) {
  struct Case {
    const char* yaml;
    TftpLimits expected;
  };
  for (const auto& [yaml, expected] : std::initializer_list<Case>{
           {"", {65464, 64, 4096, 5, 1000, 5000}},
           {"tftp:\n  max_blksize: 1468\n  max_windowsize: 16\n  max_transfers: 200\n"
            "  retries: 8\n  timeout_ms: 250\n  max_timeout_ms: 2000\n",
            {1468, 16, 200, 8, 250, 2000}},
           // A timeout_ms above the default ceiling raises the ceiling with it.
           {"tftp:\n  timeout_ms: 8000\n", {65464, 64, 4096, 5, 8000, 8000}},
       }) {
    EXPECT_EQ(tftp_limits(parse(std::string(kGood) + yaml)), expected) << yaml;
  }
}

TEST(AppConfig, TftpLimitsOutOfRangeNameTheKey) {
  struct Case {
    const char* yaml;
    const char* error;
  };
  for (const auto& [yaml, error] : std::initializer_list<Case>{
           {"max_blksize: 7", "tftp.max_blksize: 7 is out of range (8 to 65464)"},
           {"max_blksize: 65465", "tftp.max_blksize: 65465 is out of range (8 to 65464)"},
           {"max_windowsize: 0", "tftp.max_windowsize: 0 is out of range (1 to 256)"},
           {"max_windowsize: 40000", "tftp.max_windowsize: 40000 is out of range (1 to 256)"},
           {"max_transfers: 0", "tftp.max_transfers: 0 is out of range (1 to 100000)"},
           {"max_transfers: 100001", "tftp.max_transfers: 100001 is out of range (1 to 100000)"},
           {"max_transfers: many", "tftp.max_transfers: 'many' is not a whole number"},
           {"retries: 0", "tftp.retries: 0 is out of range (1 to 20)"},
           {"retries: 21", "tftp.retries: 21 is out of range (1 to 20)"},
           {"timeout_ms: 99", "tftp.timeout_ms: 99 is out of range (100 to 60000)"},
           {"timeout_ms: 60001", "tftp.timeout_ms: 60001 is out of range (100 to 60000)"},
           {"max_timeout_ms: 60001", "tftp.max_timeout_ms: 60001 is out of range (100 to 60000)"},
           {"timeout_ms: 2000\n  max_timeout_ms: 1500",
            "tftp.max_timeout_ms: must be at least timeout_ms (2000)"},
           {"max_timeout_ms: 500", "tftp.max_timeout_ms: must be at least timeout_ms (1000)"},
           {"window: 4", "tftp.window: unknown key"},
       }) {
    std::string text = std::string(kGood) + "tftp:\n  " + yaml + "\n";
    std::string got = error_of(text);
    EXPECT_NE(got.find(error), std::string::npos) << yaml << " -> " << got;
    EXPECT_EQ(got.rfind("slipway.yaml:", 0), 0u) << got;
  }
}

}  // namespace
}  // namespace slipway::controlplane

namespace slipway::controlplane {
namespace {

TEST(AppConfig, HttpAndHttpsSettings) {
  auto c = parse(std::string(kGood));
  EXPECT_EQ(c.http.header_timeout, std::chrono::seconds(10));
  EXPECT_TRUE(c.http.api);
  EXPECT_TRUE(c.http.access_log_enabled);
  EXPECT_TRUE(c.https.enabled);
  EXPECT_EQ(c.https.port, 8443);
  EXPECT_EQ(c.https.listen, c.http.listen);

  c = parse(std::string(kGood) +
            "http:\n  header_timeout: 3\n  idle_timeout: 7\n  max_requests_per_connection: 5\n"
            "  access_log: 'off'\n  api: false\nhttps:\n  port: 9443\n  names: [seed.test]\n");
  EXPECT_EQ(c.http.header_timeout, std::chrono::seconds(3));
  EXPECT_EQ(c.http.idle_timeout, std::chrono::seconds(7));
  EXPECT_EQ(c.http.max_requests_per_connection, 5u);
  EXPECT_FALSE(c.http.access_log_enabled);
  EXPECT_FALSE(c.http.api);
  EXPECT_EQ(c.https.port, 9443);
  EXPECT_EQ(c.https.names, std::vector<std::string>{"seed.test"});
}

TEST(AppConfig, HttpsErrorsNameTheKey) {
  EXPECT_NE(error_of(std::string(kGood) + "http:\n  api: false\nhttps:\n  enabled: false\n")
                .find("http.api: is false, and HTTPS is off"),
            std::string::npos);
  EXPECT_NE(
      error_of(std::string(kGood) + "https:\n  cert: /x.crt\n").find("give both 'cert' and 'key'"),
      std::string::npos);
  EXPECT_NE(error_of(std::string(kGood) + "http:\n  port: 8443\n")
                .find("http.port: HTTP and HTTPS both on port 8443"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kGood) + "http:\n  header_timeout: 0\n")
                .find("http.header_timeout: 0 is out of range"),
            std::string::npos);
}

}  // namespace
}  // namespace slipway::controlplane
