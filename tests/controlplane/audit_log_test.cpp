#include "controlplane/audit_log.h"

#include <gtest/gtest.h>

#include "tests/common/test_dir.h"

namespace slipway::controlplane {
namespace {

class AuditLogTest : public ::testing::Test {
 protected:
  testutil::TestDir dir_;
  sqlite::Database db_{dir_ / "slipway.db"};
  ManualClock clock_;

  static AuditEvent event(std::string who, unsigned status, std::string target = "/api/v1/x") {
    AuditEvent e;
    e.who = std::move(who);
    e.role = "operator";
    e.method = "POST";
    e.route = "/api/v1/x";
    e.target = std::move(target);
    e.status = status;
    e.result = audit_result(status);
    e.source = "198.18.0.9";
    e.detail = status >= 400 ? "why" : "";
    return e;
  }
  static std::vector<AuditEvent> query(AuditLog& log, AuditQuery q) {
    auto got = log.query(q);
    EXPECT_TRUE(got.ok());
    return got ? *got : std::vector<AuditEvent>{};
  }
};

TEST_F(AuditLogTest, ResultsFollowTheStatus) {
  EXPECT_EQ(audit_result(200), "ok");
  EXPECT_EQ(audit_result(201), "ok");
  EXPECT_EQ(audit_result(401), "refused");
  EXPECT_EQ(audit_result(403), "refused");
  EXPECT_EQ(audit_result(429), "refused");
  EXPECT_EQ(audit_result(404), "failed");
  EXPECT_EQ(audit_result(409), "failed");
  EXPECT_EQ(audit_result(500), "failed");
}

TEST_F(AuditLogTest, RecordsEveryFieldAndQueriesNewestFirst) {
  AuditLog log(db_, clock_);
  ASSERT_TRUE(log.record(event("token:0123456789ab(ci)", 200, "/api/v1/machines/a/approve")).ok());
  clock_.advance(10);
  ASSERT_TRUE(log.record(event("anonymous", 401)).ok());
  auto all = query(log, {});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].who, "anonymous");
  EXPECT_EQ(all[0].result, "refused");
  EXPECT_EQ(all[0].time, clock_.now());
  EXPECT_EQ(all[1].who, "token:0123456789ab(ci)");
  EXPECT_EQ(all[1].role, "operator");
  EXPECT_EQ(all[1].method, "POST");
  EXPECT_EQ(all[1].route, "/api/v1/x");
  EXPECT_EQ(all[1].target, "/api/v1/machines/a/approve");
  EXPECT_EQ(all[1].status, 200u);
  EXPECT_EQ(all[1].result, "ok");
  EXPECT_EQ(all[1].source, "198.18.0.9");
  EXPECT_EQ(all[1].time, clock_.now() - 10);
  EXPECT_LT(all[1].id, all[0].id);
}

TEST_F(AuditLogTest, FiltersByWhoResultSinceAndLimit) {
  AuditLog log(db_, clock_);
  ASSERT_TRUE(log.record(event("token:0123456789ab(ci)", 200)).ok());
  ASSERT_TRUE(log.record(event("token:ba9876543210(bob)", 403)).ok());
  clock_.advance(100);
  ASSERT_TRUE(log.record(event("agent:52:54:00:00:00:01", 403)).ok());
  ASSERT_TRUE(log.record(event("anonymous", 401)).ok());

  EXPECT_EQ(
      query(log, {.limit = 100, .who = "token:0123456789ab", .result = {}, .since = {}}).size(),
      1u);
  EXPECT_EQ(
      query(log, {.limit = 100, .who = "token:0123456789ab(ci)", .result = {}, .since = {}}).size(),
      1u);
  EXPECT_EQ(query(log, {.limit = 100, .who = "token:", .result = {}, .since = {}}).size(), 2u);
  EXPECT_EQ(query(log, {.limit = 100, .who = "token:0123", .result = {}, .since = {}}).size(), 0u);
  EXPECT_EQ(query(log, {.limit = 100, .who = "agent:", .result = {}, .since = {}}).size(), 1u);
  EXPECT_EQ(query(log, {.limit = 100, .who = {}, .result = "refused", .since = {}}).size(), 3u);
  EXPECT_EQ(query(log, {.limit = 100, .who = "token:", .result = "refused", .since = {}}).size(),
            1u);
  EXPECT_EQ(query(log, {.limit = 100, .who = {}, .result = {}, .since = clock_.now()}).size(), 2u);
  auto two = query(log, {.limit = 2, .who = {}, .result = {}, .since = {}});
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].who, "anonymous");
}

TEST_F(AuditLogTest, KeepsOnlyTheNewestRows) {
  AuditLog log(db_, clock_, /*max_rows=*/5, /*prune_every=*/3);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(log.record(event("anonymous", 401, "/t/" + std::to_string(i))).ok());
  }
  auto all = query(log, {.limit = 1000, .who = {}, .result = {}, .since = {}});
  // Pruned every third record: between max_rows and max_rows + prune_every - 1 remain.
  ASSERT_GE(all.size(), 5u);
  ASSERT_LE(all.size(), 7u);
  EXPECT_EQ(all.front().target, "/t/19");
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].target, "/t/" + std::to_string(19 - i));
}

TEST_F(AuditLogTest, BoundsWhatClientsSend) {
  AuditLog log(db_, clock_);
  ASSERT_TRUE(log.record(event("anonymous", 401, "/" + std::string(100000, 'a'))).ok());
  auto all = query(log, {});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_LE(all[0].target.size(), 512u);
}

}  // namespace
}  // namespace slipway::controlplane
