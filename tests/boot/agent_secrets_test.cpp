#include "boot/agent_secrets.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "tests/common/test_dir.h"

namespace slipway::boot {
namespace {

const MacAddress kMac1 = *MacAddress::parse("52:54:00:00:00:01");
const MacAddress kMac2 = *MacAddress::parse("52:54:00:00:00:02");

class AgentSecretsTest : public ::testing::Test {
 protected:
  AgentSecretsTest() : db_(dir_ / "s.db") {}

  std::filesystem::path key() const { return dir_ / "agent.key"; }
  AgentSecrets make(int64_t ttl = 600) { return AgentSecrets(db_, key(), clock_, ttl); }

  testutil::TestDir dir_;
  ManualClock clock_;
  sqlite::Database db_;
};

TEST_F(AgentSecretsTest, AnIssuedSecretVerifiesAsThatMachinesBoot) {
  auto secrets = make();
  auto issued = secrets.issue(kMac1);
  ASSERT_TRUE(issued);
  EXPECT_TRUE(issued->secret.starts_with("sa1_" + issued->boot.boot_id + "_"));
  EXPECT_EQ(issued->secret.size(), AgentSecrets::kSecretSize);
  EXPECT_EQ(issued->boot.expires_at, clock_.now() + 600);

  auto boot = secrets.verify(issued->secret);
  ASSERT_TRUE(boot) << boot.error().message;
  EXPECT_EQ(boot->mac, kMac1);
  EXPECT_EQ(boot->boot_id, issued->boot.boot_id);
  EXPECT_EQ(boot->expires_at, issued->boot.expires_at);
}

TEST_F(AgentSecretsTest, TheKeyFileIsCreatedPrivateAndKept) {
  make();
  struct stat st {};
  ASSERT_EQ(::stat(key().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "agent.key.tmp"));
}

TEST_F(AgentSecretsTest, TwoMachinesGetDifferentSecretsThatVerifyAsThemselves) {
  auto secrets = make();
  auto a = secrets.issue(kMac1);
  auto b = secrets.issue(kMac2);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->secret, b->secret);
  EXPECT_EQ(secrets.verify(a->secret)->mac, kMac1);
  EXPECT_EQ(secrets.verify(b->secret)->mac, kMac2);
}

TEST_F(AgentSecretsTest, ANewBootSupersedesThePreviousOne) {
  auto secrets = make();
  auto first = secrets.issue(kMac1);
  const uint64_t count = secrets.issued_count();
  auto second = secrets.issue(kMac1);
  ASSERT_TRUE(first && second);
  EXPECT_GT(secrets.issued_count(), count);
  EXPECT_NE(first->secret, second->secret);
  auto old = secrets.verify(first->secret);
  ASSERT_FALSE(old);
  EXPECT_NE(old.error().message.find("superseded"), std::string::npos);
  EXPECT_TRUE(secrets.verify(second->secret));
  auto current = secrets.current(kMac1);
  ASSERT_TRUE(current && *current);
  EXPECT_EQ((*current)->secret, second->secret);
}

TEST_F(AgentSecretsTest, AnExpiredSecretIsRefusedAndNoLongerCurrent) {
  auto secrets = make(600);
  auto issued = secrets.issue(kMac1);
  ASSERT_TRUE(issued);
  clock_.advance(599);
  EXPECT_TRUE(secrets.verify(issued->secret));
  ASSERT_TRUE(*secrets.current(kMac1));
  clock_.advance(1);
  auto late = secrets.verify(issued->secret);
  ASSERT_FALSE(late);
  EXPECT_NE(late.error().message.find("expired"), std::string::npos);
  EXPECT_EQ(*secrets.current(kMac1), std::nullopt);
}

TEST_F(AgentSecretsTest, AMachineNeverBootedHasNoCurrentSecret) {
  auto secrets = make();
  auto current = secrets.current(kMac1);
  ASSERT_TRUE(current);
  EXPECT_EQ(*current, std::nullopt);
}

TEST_F(AgentSecretsTest, ForgedAndMalformedSecretsAreRefusedWithoutEchoingThem) {
  auto secrets = make();
  auto issued = secrets.issue(kMac1);
  ASSERT_TRUE(issued);
  const std::string& good = issued->secret;

  std::string flipped = good;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  std::string other_id = good;
  other_id[4] = other_id[4] == '0' ? '1' : '0';
  std::string upper = good;
  for (size_t i = 4; i < 36; ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  for (const std::string& bad :
       {flipped, other_id, upper, std::string(), std::string("sa1_"), good.substr(1), good + "A",
        "sa2_" + good.substr(4), std::string(good.size(), 'x'),
        "slw_0123456789ab_" + std::string(43, 'A')}) {
    auto r = secrets.verify(bad);
    ASSERT_FALSE(r) << bad;
    if (!bad.empty()) {
      EXPECT_EQ(r.error().message.find(bad), std::string::npos);
    }
  }
  EXPECT_NE(secrets.verify(flipped).error().message.find("does not verify"), std::string::npos);
  EXPECT_EQ(secrets.verify(good.substr(1)).error().message, "malformed agent secret");
}

TEST_F(AgentSecretsTest, SecretsSurviveARestartWithTheSameKeyFile) {
  std::string secret;
  {
    auto secrets = make();
    secret = secrets.issue(kMac1)->secret;
  }
  auto again = make();
  auto boot = again.verify(secret);
  ASSERT_TRUE(boot) << boot.error().message;
  EXPECT_EQ(boot->mac, kMac1);
  EXPECT_EQ((*again.current(kMac1))->secret, secret);
}

TEST_F(AgentSecretsTest, AnotherKeyMakesEverySecretFail) {
  std::string secret;
  {
    auto secrets = make();
    secret = secrets.issue(kMac1)->secret;
  }
  std::filesystem::remove(key());
  auto rekeyed = make();
  auto r = rekeyed.verify(secret);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("does not verify"), std::string::npos);
}

TEST_F(AgentSecretsTest, ABadKeyFileStopsTheStart) {
  std::ofstream(key()) << "short";
  EXPECT_THROW(make(), std::runtime_error);
  EXPECT_THROW(AgentSecrets(db_, dir_ / "none" / "agent.key", clock_, 600), std::runtime_error);
  EXPECT_THROW(AgentSecrets(db_, dir_ / "k2", clock_, 0), std::invalid_argument);
}

}  // namespace
}  // namespace slipway::boot
