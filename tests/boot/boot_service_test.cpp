#include "boot/boot_service.h"

#include <gtest/gtest.h>

#include <functional>
#include <utility>
#include <vector>

#include "common/sqlite.h"
#include "inventory/sqlite_machine_store.h"
#include "tests/common/test_dir.h"

namespace slipway::boot {
namespace {

class BootServiceTest : public ::testing::Test {
 protected:
  BootServiceTest()
      : db_(dir_ / "b.db"), machines_(db_, clock_), service_(config(), machines_, clock_) {}

  static BootConfig config() {
    BootConfig c;
    c.public_url = "http://198.18.0.1:8080";
    c.tftp_server = *Ipv4::parse("198.18.0.1");
    return c;
  }
  static NetbootClient ipxe_rom(bool committing) {
    NetbootClient c;
    c.mac = *MacAddress::parse("52:54:00:00:00:01");
    c.uuid = Uuid::parse("5a1e0001-0000-4000-8000-000000000001");
    c.protocol = BootProtocol::kPxe;
    c.firmware = Firmware::kBios;
    c.arch = Arch::kX86;
    c.arch_code = 0;
    c.ipxe = true;
    c.user_class = "iPXE";
    c.committing = committing;
    return c;
  }

  testutil::TestDir dir_;
  ManualClock clock_;
  sqlite::Database db_;
  inventory::SqliteMachineStore machines_;
  BootService service_;
};

TEST_F(BootServiceTest, DhcpContactCreatesTheMachineRecord) {
  ASSERT_TRUE(service_.on_dhcp(ipxe_rom(false)));
  auto m = machines_.find_by_mac(*MacAddress::parse("52:54:00:00:00:01"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->uuid->to_string(), "5a1e0001-0000-4000-8000-000000000001");
  EXPECT_EQ(m->firmware, Firmware::kBios);
}

TEST_F(BootServiceTest, OfferAndAckAgreeAndTheNextExchangeGetsTheScript) {
  EXPECT_EQ(service_.on_dhcp(ipxe_rom(false))->filename, "undionly.kpxe");
  EXPECT_EQ(service_.on_dhcp(ipxe_rom(true))->filename, "undionly.kpxe");
  // The loader's own DHCP, without our marker (no cached reply to echo): it gets its script.
  clock_.advance(5);
  EXPECT_NE(service_.on_dhcp(ipxe_rom(false))->filename.find("/boot/ipxe?mac="), std::string::npos);
  EXPECT_NE(service_.on_dhcp(ipxe_rom(true))->filename.find("/boot/ipxe?mac="), std::string::npos);
  // Asking again (a proxyDHCP client's second boot-service request) gets the same answer.
  EXPECT_NE(service_.on_dhcp(ipxe_rom(true))->filename.find("/boot/ipxe?mac="), std::string::npos);
  // Next boot, long after: the ROM is chainloaded again.
  clock_.advance(BootService::kLoaderWindowSeconds + 1);
  EXPECT_EQ(service_.on_dhcp(ipxe_rom(false))->filename, "undionly.kpxe");
}

TEST_F(BootServiceTest, BootFilesForAnUnknownMacRecordIt) {
  using Render = std::function<Result<std::string>(const MacAddress&, std::optional<Ipv4>)>;
  std::vector<std::pair<const char*, Render>> renderers = {
      {"52:54:00:00:00:09",
       [&](const MacAddress& mac, std::optional<Ipv4> ip) {
         return service_.script_for(mac, std::nullopt, ip);
       }},
      {"52:54:00:00:00:0a", [&](const MacAddress& mac, std::optional<Ipv4> ip) {
         return service_.pxelinux_config_for(mac, ip);
       }}};
  for (const auto& [text, render] : renderers) {
    auto file = render(*MacAddress::parse(text), Ipv4::parse("198.18.0.150"));
    ASSERT_TRUE(file) << text;
    EXPECT_NE(file->find(std::string("slipway.mac=") + text), std::string::npos) << *file;
    auto m = machines_.find_by_mac(*MacAddress::parse(text));
    ASSERT_TRUE(m) << text;
    EXPECT_EQ(m->interfaces[0].last_ip->to_string(), "198.18.0.150");
  }
}

// A script asked for again at once comes from memory: no database write. A state change of the
// machine, the cache's time running out, or another client address ends the entry; another
// machine never gets it.
TEST_F(BootServiceTest, ScriptsAreCachedPerMachineUntilTheStoreOrTheTimeMoves) {
  auto mac = *MacAddress::parse("52:54:00:00:00:21");
  auto ip = Ipv4::parse("198.18.0.121");
  auto first = service_.script_for(mac, std::nullopt, ip);
  ASSERT_TRUE(first);
  uint64_t after_first = machines_.generation();
  auto again = service_.script_for(mac, std::nullopt, ip);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *first);
  EXPECT_EQ(machines_.generation(), after_first) << "a cache hit writes nothing";

  auto other = service_.script_for(*MacAddress::parse("52:54:00:00:00:22"), std::nullopt, ip);
  ASSERT_TRUE(other);
  EXPECT_NE(other->find("slipway.mac=52:54:00:00:00:22"), std::string::npos) << *other;
  EXPECT_EQ(other->find("52:54:00:00:00:21"), std::string::npos) << *other;

  // Another machine's contact moved the generation: the next request is a miss and writes.
  uint64_t before = machines_.generation();
  ASSERT_TRUE(service_.script_for(mac, std::nullopt, ip));
  EXPECT_GT(machines_.generation(), before);

  // A state change is seen at once.
  ASSERT_TRUE(
      machines_.transition(mac.to_string(), inventory::MachineState::kRetired, "test", "operator"));
  auto retired = service_.script_for(mac, std::nullopt, ip);
  ASSERT_TRUE(retired);
  EXPECT_NE(*retired, *first);

  // Time: within the window a hit, after it a write.
  before = machines_.generation();
  ASSERT_TRUE(service_.script_for(mac, std::nullopt, ip));
  EXPECT_EQ(machines_.generation(), before);
  clock_.advance(BootService::kScriptCacheSeconds);
  ASSERT_TRUE(service_.script_for(mac, std::nullopt, ip));
  EXPECT_GT(machines_.generation(), before);

  // Another address is another contact to record.
  before = machines_.generation();
  ASSERT_TRUE(service_.script_for(mac, std::nullopt, Ipv4::parse("198.18.0.122")));
  EXPECT_GT(machines_.generation(), before);
  EXPECT_EQ(machines_.find_by_mac(mac)->interfaces[0].last_ip->to_string(), "198.18.0.122");
}

// The secret on a boot file's kernel line, "" when there is none.
std::string secret_in(const std::string& file) {
  size_t at = file.find("slipway.secret=");
  if (at == std::string::npos) return "";
  at += std::string_view("slipway.secret=").size();
  return file.substr(at, file.find_first_of(" \n", at) - at);
}

class BootServiceSecretsTest : public BootServiceTest {
 protected:
  BootServiceSecretsTest()
      : secrets_(db_, dir_ / "agent.key", clock_, 3600),
        with_secrets_(config(), machines_, clock_, &secrets_) {}

  AgentSecrets secrets_;
  BootService with_secrets_;
  const MacAddress a_ = *MacAddress::parse("52:54:00:00:00:31");
  const MacAddress b_ = *MacAddress::parse("52:54:00:00:00:32");
  const std::optional<Ipv4> ip_ = Ipv4::parse("198.18.0.131");
};

TEST_F(BootServiceSecretsTest, EachMachinesScriptCarriesItsOwnNewSecret) {
  auto a = with_secrets_.script_for(a_, std::nullopt, ip_);
  auto b = with_secrets_.script_for(b_, std::nullopt, ip_);
  ASSERT_TRUE(a && b);
  const std::string sa = secret_in(*a), sb = secret_in(*b);
  ASSERT_FALSE(sa.empty()) << *a;
  ASSERT_FALSE(sb.empty()) << *b;
  EXPECT_NE(sa, sb);
  EXPECT_EQ(a->find(sb), std::string::npos) << "a script never carries another machine's secret";
  EXPECT_EQ(secrets_.verify(sa)->mac, a_);
  EXPECT_EQ(secrets_.verify(sb)->mac, b_);
  EXPECT_NE(a->find("slipway.mac=52:54:00:00:00:31 slipway.secret=" + sa), std::string::npos);

  // The PXELINUX config is a boot of its own: a new secret, which supersedes the script's.
  auto pxe = with_secrets_.pxelinux_config_for(a_, ip_);
  ASSERT_TRUE(pxe);
  const std::string sp = secret_in(*pxe);
  ASSERT_FALSE(sp.empty()) << *pxe;
  EXPECT_NE(sp, sa);
  EXPECT_TRUE(secrets_.verify(sp));
  EXPECT_FALSE(secrets_.verify(sa));
}

TEST_F(BootServiceSecretsTest, ScriptsOfTheLocalDiskCarryNoSecretAndIssueNone) {
  auto first = with_secrets_.script_for(a_, std::nullopt, ip_);
  ASSERT_TRUE(first);
  const std::string installed_with = secret_in(*first);
  ASSERT_TRUE(
      machines_.transition(a_.to_string(), inventory::MachineState::kRetired, "test", "operator"));
  const uint64_t issued = secrets_.issued_count();
  clock_.advance(BootService::kScriptCacheSeconds);
  auto disk = with_secrets_.script_for(a_, std::nullopt, ip_);
  auto pxe = with_secrets_.pxelinux_config_for(a_, ip_);
  ASSERT_TRUE(disk && pxe);
  EXPECT_EQ(disk->find("slipway.secret"), std::string::npos) << *disk;
  EXPECT_EQ(pxe->find("slipway.secret"), std::string::npos) << *pxe;
  EXPECT_EQ(secrets_.issued_count(), issued);
  // The boot before keeps its secret (an installed system's first boot sends it).
  EXPECT_EQ((*secrets_.current(a_))->secret, installed_with);
}

TEST_F(BootServiceSecretsTest, ACachedScriptCarriesTheMachinesCurrentSecret) {
  auto first = with_secrets_.script_for(a_, std::nullopt, ip_);
  auto again = with_secrets_.script_for(a_, std::nullopt, ip_);
  ASSERT_TRUE(first && again);
  EXPECT_EQ(*again, *first) << "a hit within the window";
  EXPECT_TRUE(secrets_.verify(secret_in(*again)));

  // Another boot of the same machine (here its PXELINUX config) ends the entry.
  ASSERT_TRUE(with_secrets_.pxelinux_config_for(a_, ip_));
  auto after = with_secrets_.script_for(a_, std::nullopt, ip_);
  ASSERT_TRUE(after);
  EXPECT_NE(secret_in(*after), secret_in(*first));
  EXPECT_EQ(secret_in(*after), (*secrets_.current(a_))->secret);

  // So does a secret issued by anyone else.
  auto cached = with_secrets_.script_for(a_, std::nullopt, ip_);
  ASSERT_TRUE(cached);
  EXPECT_EQ(*cached, *after);
  ASSERT_TRUE(secrets_.issue(a_));
  auto fresh = with_secrets_.script_for(a_, std::nullopt, ip_);
  ASSERT_TRUE(fresh);
  EXPECT_EQ(secret_in(*fresh), (*secrets_.current(a_))->secret);
  EXPECT_TRUE(secrets_.verify(secret_in(*fresh)));
}

TEST_F(BootServiceTest, WithoutAgentSecretsScriptsCarryNone) {
  auto script = service_.script_for(*MacAddress::parse("52:54:00:00:00:41"), std::nullopt,
                                    Ipv4::parse("198.18.0.141"));
  ASSERT_TRUE(script);
  EXPECT_EQ(script->find("slipway.secret"), std::string::npos);
}

}  // namespace
}  // namespace slipway::boot
