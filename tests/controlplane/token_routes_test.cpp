#include "controlplane/token_routes.h"

#include <gtest/gtest.h>

#include "tests/common/test_dir.h"
#include "tests/controlplane/api_call.h"

namespace slipway::controlplane {
namespace {

namespace bhttp = http::bhttp;

class TokenRoutesTest : public ::testing::Test {
 protected:
  TokenRoutesTest() { add_token_routes(router_, tokens_, audit_); }

  testutil::TestDir dir_;
  sqlite::Database db_{dir_ / "slipway.db"};
  ManualClock clock_;
  TokenStore tokens_{db_, clock_};
  AuditLog audit_{db_, clock_};
  http::Router router_;
};

TEST_F(TokenRoutesTest, CreateShowsTheTokenOnceAndListNever) {
  auto made = call_api(router_, bhttp::verb::post, "/api/v1/tokens",
                       R"({"name": "ci", "role": "operator", "expires_in": 3600})");
  ASSERT_EQ(made.status, 201u) << made.body.dump();
  std::string text = made.body["token"];
  const auto& record = made.body["record"];
  EXPECT_EQ(record["name"], "ci");
  EXPECT_EQ(record["role"], "operator");
  EXPECT_EQ(record["expires_at"], clock_.now() + 3600);
  EXPECT_TRUE(record["revoked_at"].is_null());
  EXPECT_EQ(record["active"], true);
  EXPECT_EQ(record["created_by"], "api:198.18.0.9");  // no access control in this router
  EXPECT_TRUE(std::holds_alternative<TokenRecord>(tokens_.verify(text)));

  auto list = call_api(router_, bhttp::verb::get, "/api/v1/tokens");
  ASSERT_EQ(list.status, 200u);
  ASSERT_EQ(list.body["tokens"].size(), 1u);
  EXPECT_EQ(list.body["tokens"][0]["id"], record["id"]);
  EXPECT_EQ(list.body.dump().find(text.substr(17)), std::string::npos);
}

TEST_F(TokenRoutesTest, CreateRefusesBadRequests) {
  for (const char* body :
       {R"({"role": "viewer"})", R"({"name": "x"})", R"({"name": "x", "role": "agent"})",
        R"({"name": "x", "role": "root"})", R"({"name": "", "role": "viewer"})",
        R"({"name": "x", "role": "viewer", "expires_in": 0})",
        R"({"name": "x", "role": "viewer", "expires_in": "30d"})", R"([1])"}) {
    EXPECT_EQ(call_api(router_, bhttp::verb::post, "/api/v1/tokens", body).status, 400u) << body;
  }
  EXPECT_TRUE(tokens_.list()->empty());
}

TEST_F(TokenRoutesTest, RevokeTakesEffectAtOnce) {
  auto made = *tokens_.create("ci", http::Access::kAdmin, std::nullopt, "t");
  auto revoked = call_api(router_, bhttp::verb::delete_, "/api/v1/tokens/" + made.record.id);
  ASSERT_EQ(revoked.status, 200u);
  EXPECT_EQ(revoked.body["record"]["active"], false);
  EXPECT_EQ(std::get<TokenRejection>(tokens_.verify(made.text)), TokenRejection::kRevoked);
  EXPECT_EQ(call_api(router_, bhttp::verb::delete_, "/api/v1/tokens/000000000000").status, 404u);
  EXPECT_EQ(call_api(router_, bhttp::verb::delete_, "/api/v1/tokens/").status, 404u);
}

TEST_F(TokenRoutesTest, AuditQueriesFilter) {
  AuditEvent e;
  e.who = "anonymous";
  e.role = "public";
  e.method = "GET";
  e.route = e.target = "/api/v1/machines";
  e.status = 401;
  e.result = "refused";
  e.source = "198.18.0.9";
  ASSERT_TRUE(audit_.record(e).ok());
  e.who = "token:0123456789ab(ci)";
  e.status = 200;
  e.result = "ok";
  ASSERT_TRUE(audit_.record(e).ok());
  auto all = call_api(router_, bhttp::verb::get, "/api/v1/audit");
  ASSERT_EQ(all.status, 200u);
  ASSERT_EQ(all.body["events"].size(), 2u);
  EXPECT_EQ(all.body["events"][0]["who"], "token:0123456789ab(ci)");
  auto refused = call_api(router_, bhttp::verb::get, "/api/v1/audit?result=refused&limit=5");
  ASSERT_EQ(refused.body["events"].size(), 1u);
  EXPECT_EQ(refused.body["events"][0]["status"], 401);
  auto who = call_api(router_, bhttp::verb::get, "/api/v1/audit?who=token:0123456789ab");
  ASSERT_EQ(who.body["events"].size(), 1u);
  EXPECT_EQ(call_api(router_, bhttp::verb::get, "/api/v1/audit?limit=0").status, 400u);
  EXPECT_EQ(call_api(router_, bhttp::verb::get, "/api/v1/audit?limit=x").status, 400u);
  EXPECT_EQ(call_api(router_, bhttp::verb::get, "/api/v1/audit?result=maybe").status, 400u);
}

}  // namespace
}  // namespace slipway::controlplane
