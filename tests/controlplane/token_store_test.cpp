#include "controlplane/token_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/common/test_dir.h"

namespace slipway::controlplane {
namespace {

using http::Access;

class TokenStoreTest : public ::testing::Test {
 protected:
  testutil::TestDir dir_;
  sqlite::Database db_{dir_ / "slipway.db"};
  ManualClock clock_;
  TokenStore store_{db_, clock_};

  NewToken make(const std::string& name, Access role, std::optional<int64_t> ttl = std::nullopt) {
    auto made = store_.create(name, role, ttl, "test");
    EXPECT_TRUE(made.ok()) << (made ? "" : made.refusal().message);
    return *made;
  }
  std::optional<TokenRejection> rejection(const std::string& text) {
    auto v = store_.verify(text);
    if (auto* r = std::get_if<TokenRejection>(&v)) return *r;
    return std::nullopt;
  }
};

TEST_F(TokenStoreTest, ATokenHasTheDocumentedShapeAndVerifiesToItsRecord) {
  NewToken t = make("ci", Access::kOperator);
  ASSERT_EQ(t.text.size(), 4u + 12 + 1 + 43);
  EXPECT_TRUE(t.text.starts_with("slw_" + t.record.id + "_"));
  EXPECT_EQ(token_id_of(t.text), t.record.id);
  auto v = store_.verify(t.text);
  ASSERT_TRUE(std::holds_alternative<TokenRecord>(v));
  const auto& r = std::get<TokenRecord>(v);
  EXPECT_EQ(r.id, t.record.id);
  EXPECT_EQ(r.name, "ci");
  EXPECT_EQ(r.role, Access::kOperator);
  EXPECT_EQ(r.created_by, "test");
  EXPECT_EQ(r.who(), "token:" + r.id + "(ci)");
  EXPECT_NE(make("ci2", Access::kViewer).text, t.text);
}

TEST_F(TokenStoreTest, OnlyTheHashIsStored) {
  NewToken t = make("ci", Access::kAdmin);
  auto s = db_.prepare("SELECT hash FROM tokens WHERE id = ?");
  s.bind(1, t.record.id);
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.blob(0).size(), 32u);
  std::ifstream in(dir_ / "slipway.db", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::ifstream wal(dir_ / "slipway.db-wal", std::ios::binary);
  bytes.append((std::istreambuf_iterator<char>(wal)), {});
  EXPECT_EQ(bytes.find(t.text.substr(17)), std::string::npos);
}

TEST_F(TokenStoreTest, RefusesMalformedUnknownAndForgedTokens) {
  NewToken t = make("ci", Access::kAdmin);
  EXPECT_EQ(rejection(""), TokenRejection::kMalformed);
  EXPECT_EQ(rejection("slw_short"), TokenRejection::kMalformed);
  EXPECT_EQ(rejection(t.text + "x"), TokenRejection::kMalformed);
  std::string upper = t.text;
  upper[4] = 'A';  // ids are lower-case hex
  EXPECT_EQ(rejection(upper), TokenRejection::kMalformed);
  std::string bad_char = t.text;
  bad_char.back() = '=';
  EXPECT_EQ(rejection(bad_char), TokenRejection::kMalformed);
  // Known id, another secret: as unknown as a guess.
  std::string forged = t.text;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(rejection(forged), TokenRejection::kUnknown);
  std::string other_id = t.text;
  other_id[4] = other_id[4] == '0' ? '1' : '0';
  EXPECT_EQ(rejection(other_id), TokenRejection::kUnknown);
}

TEST_F(TokenStoreTest, RevocationTakesEffectAtOnceAndIsKept) {
  NewToken t = make("ci", Access::kViewer);
  clock_.advance(5);
  auto r = store_.revoke(t.record.id);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->revoked_at, clock_.now());
  EXPECT_EQ(rejection(t.text), TokenRejection::kRevoked);
  clock_.advance(5);
  auto again = store_.revoke(t.record.id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->revoked_at, clock_.now() - 5);  // the first revocation's time stays
  auto unknown = store_.revoke("000000000000");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.refusal().kind, inventory::Refusal::Kind::kNotFound);
}

TEST_F(TokenStoreTest, ExpiresAtItsTime) {
  NewToken t = make("short", Access::kOperator, 60);
  EXPECT_EQ(t.record.expires_at, clock_.now() + 60);
  clock_.advance(59);
  EXPECT_EQ(rejection(t.text), std::nullopt);
  clock_.advance(1);
  EXPECT_EQ(rejection(t.text), TokenRejection::kExpired);
}

TEST_F(TokenStoreTest, RefusesBadNamesRolesAndLifetimes) {
  EXPECT_FALSE(store_.create("", Access::kViewer, std::nullopt, "t").ok());
  EXPECT_FALSE(store_.create(std::string(65, 'a'), Access::kViewer, std::nullopt, "t").ok());
  EXPECT_FALSE(store_.create("bad\nname", Access::kViewer, std::nullopt, "t").ok());
  EXPECT_FALSE(store_.create("agent", Access::kAgent, std::nullopt, "t").ok());
  EXPECT_FALSE(store_.create("public", Access::kPublic, std::nullopt, "t").ok());
  EXPECT_FALSE(store_.create("zero", Access::kViewer, 0, "t").ok());
  EXPECT_FALSE(store_.create("long", Access::kViewer, kMaxTokenTtlSeconds + 1, "t").ok());
  auto refused = store_.create("", Access::kViewer, std::nullopt, "t");
  EXPECT_EQ(refused.refusal().kind, inventory::Refusal::Kind::kInvalid);
  auto all = store_.list();
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST_F(TokenStoreTest, ListsEveryTokenWithItsState) {
  NewToken a = make("a", Access::kAdmin);
  clock_.advance(1);
  NewToken b = make("b", Access::kViewer, 10);
  ASSERT_TRUE(store_.revoke(a.record.id).ok());
  clock_.advance(20);
  auto all = store_.list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, a.record.id);
  EXPECT_FALSE((*all)[0].active(clock_.now()));
  EXPECT_TRUE((*all)[0].revoked_at.has_value());
  EXPECT_EQ((*all)[1].id, b.record.id);
  EXPECT_FALSE((*all)[1].active(clock_.now()));
  EXPECT_FALSE((*all)[1].revoked_at.has_value());
}

TEST_F(TokenStoreTest, SurvivesAReopen) {
  NewToken t = make("ci", Access::kOperator);
  sqlite::Database again(dir_ / "slipway.db");
  TokenStore reopened(again, clock_);
  EXPECT_TRUE(std::holds_alternative<TokenRecord>(reopened.verify(t.text)));
}

TEST_F(TokenStoreTest, FirstStartWritesOneAdminTokenReadableByItsOwnerOnly) {
  auto path = dir_ / "admin.token";
  auto created = ensure_admin_token(store_, path);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_TRUE(*created);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream in(path);
  std::string text;
  std::getline(in, text);
  auto v = store_.verify(text);
  ASSERT_TRUE(std::holds_alternative<TokenRecord>(v));
  EXPECT_EQ(std::get<TokenRecord>(v).role, Access::kAdmin);
  EXPECT_EQ(std::get<TokenRecord>(v).name, "admin (first start)");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "admin.token.tmp"));

  // Later starts keep it.
  auto again = ensure_admin_token(store_, path);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  EXPECT_EQ(store_.list()->size(), 1u);

  // With every admin token revoked, the next start makes a new one.
  ASSERT_TRUE(store_.revoke(std::get<TokenRecord>(v).id).ok());
  auto replaced = ensure_admin_token(store_, path);
  ASSERT_TRUE(replaced.ok());
  EXPECT_TRUE(*replaced);
  std::ifstream in2(path);
  std::string text2;
  std::getline(in2, text2);
  EXPECT_NE(text2, text);
  EXPECT_TRUE(std::holds_alternative<TokenRecord>(store_.verify(text2)));
}

TEST_F(TokenStoreTest, AnUnwritableAdminTokenFileLeavesNoValidToken) {
  auto created = ensure_admin_token(store_, dir_ / "no-such-folder" / "admin.token");
  ASSERT_FALSE(created.ok());
  auto has = store_.has_active_admin();
  ASSERT_TRUE(has.ok());
  EXPECT_FALSE(*has);
}

}  // namespace
}  // namespace slipway::controlplane
