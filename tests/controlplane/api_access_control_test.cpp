#include "controlplane/api_access_control.h"

#include <gtest/gtest.h>

#include "tests/common/test_dir.h"
#include "tests/controlplane/agent_verifier_stub.h"

namespace slipway::controlplane {
namespace {

namespace bhttp = http::bhttp;
using http::Access;

const MacAddress kMac = *MacAddress::parse("52:54:00:00:00:07");
constexpr std::string_view kSecret = "sa1_00_agentsecretagentsecretagentsecret";

class ApiAccessControlTest : public ::testing::Test {
 protected:
  ApiAccessControlTest() {
    operator_ = tokens_.create("op", Access::kOperator, std::nullopt, "test")->text;
  }

  http::Request request(bhttp::verb method, std::string target, std::string credential = "") {
    http::Request req(method, target, 11);
    if (!credential.empty()) req.set(bhttp::field::authorization, "Bearer " + credential);
    return req;
  }
  std::variant<http::Principal, http::StringResponse> authorize(const http::Request& req,
                                                                Access required,
                                                                const char* from = "198.18.0.9") {
    return control_.authorize(req, boost::asio::ip::make_address(from), required, "/api/v1/x");
  }
  static unsigned status(const std::variant<http::Principal, http::StringResponse>& v) {
    if (std::holds_alternative<http::Principal>(v)) return 0;
    return std::get<http::StringResponse>(v).result_int();
  }
  std::vector<AuditEvent> audited() {
    auto all = audit_.query({.limit = 1000, .who = {}, .result = {}, .since = {}});
    EXPECT_TRUE(all.ok());
    return *all;
  }

  testutil::TestDir dir_;
  sqlite::Database db_{dir_ / "slipway.db"};
  ManualClock clock_;
  Metrics metrics_;
  TokenStore tokens_{db_, clock_};
  AuditLog audit_{db_, clock_};
  AuthLimits limits_{.failures_per_minute = 5, .max_sources = 100};
  ApiAccessControl control_{tokens_, audit_,   one_agent(std::string(kSecret), kMac),
                            clock_,  metrics_, limits_};
  std::string operator_;
};

TEST_F(ApiAccessControlTest, ATokenOfTheRoleOrHigherIsItsPrincipal) {
  auto v = authorize(request(bhttp::verb::post, "/api/v1/x", operator_), Access::kOperator);
  ASSERT_TRUE(std::holds_alternative<http::Principal>(v));
  const auto& p = std::get<http::Principal>(v);
  EXPECT_EQ(p.who, "token:" + std::string(*token_id_of(operator_)) + "(op)");
  EXPECT_EQ(p.role, Access::kOperator);
  EXPECT_FALSE(p.machine.has_value());
  EXPECT_EQ(status(authorize(request(bhttp::verb::get, "/api/v1/x", operator_), Access::kViewer)),
            0u);
}

TEST_F(ApiAccessControlTest, NoOrABadCredentialIs401WithTheChallenge) {
  auto v = authorize(request(bhttp::verb::get, "/api/v1/x"), Access::kViewer);
  ASSERT_EQ(status(v), 401u);
  const auto& res = std::get<http::StringResponse>(v);
  EXPECT_EQ(res[bhttp::field::www_authenticate], "Bearer realm=\"slipway\"");
  EXPECT_NE(res.body().find("viewer"), std::string::npos);
  auto bad = authorize(request(bhttp::verb::get, "/api/v1/x", operator_ + "x"), Access::kViewer);
  ASSERT_EQ(status(bad), 401u);
  EXPECT_EQ(std::get<http::StringResponse>(bad)[bhttp::field::www_authenticate],
            "Bearer realm=\"slipway\", error=\"invalid_token\"");
  http::Request basic(bhttp::verb::get, "/api/v1/x", 11);
  basic.set(bhttp::field::authorization, "Basic YTpi");
  EXPECT_EQ(status(authorize(basic, Access::kViewer)), 401u);
  http::Request two = request(bhttp::verb::get, "/api/v1/x", operator_);
  two.insert(bhttp::field::authorization, "Bearer " + operator_);
  EXPECT_EQ(status(authorize(two, Access::kViewer)), 401u);
}

TEST_F(ApiAccessControlTest, ARoleTooLowOrTheWrongKindIs403) {
  auto low = authorize(request(bhttp::verb::delete_, "/api/v1/x", operator_), Access::kAdmin);
  ASSERT_EQ(status(low), 403u);
  EXPECT_NE(std::get<http::StringResponse>(low).body().find("admin"), std::string::npos);
  EXPECT_EQ(status(authorize(request(bhttp::verb::post, "/api/v1/agent/report", operator_),
                             Access::kAgent)),
            403u);
  EXPECT_EQ(status(authorize(request(bhttp::verb::get, "/api/v1/x", std::string(kSecret)),
                             Access::kViewer)),
            403u);
  auto agent = authorize(request(bhttp::verb::post, "/api/v1/agent/report", std::string(kSecret)),
                         Access::kAgent);
  ASSERT_TRUE(std::holds_alternative<http::Principal>(agent));
  EXPECT_EQ(std::get<http::Principal>(agent).machine, kMac);
  EXPECT_EQ(status(authorize(request(bhttp::verb::post, "/api/v1/agent/report", "sa1_forged"),
                             Access::kAgent)),
            401u);
}

TEST_F(ApiAccessControlTest, TooManyFailuresFromASourceGive429ForTheRestOfTheMinute) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(status(authorize(request(bhttp::verb::get, "/api/v1/x", "slw_bad"), Access::kViewer)),
              401u);
  }
  auto limited = authorize(request(bhttp::verb::get, "/api/v1/x", operator_), Access::kViewer);
  ASSERT_EQ(status(limited), 429u);
  EXPECT_EQ(std::get<http::StringResponse>(limited)[bhttp::field::retry_after], "60");
  // Another source is not affected.
  EXPECT_EQ(status(authorize(request(bhttp::verb::get, "/api/v1/x", operator_), Access::kViewer,
                             "198.18.0.10")),
            0u);
  for (int i = 0; i < 50; ++i) {
    (void)authorize(request(bhttp::verb::get, "/api/v1/x"), Access::kViewer);
  }
  EXPECT_NE(metrics_.render().find("slipway_auth_rate_limited_total 51"), std::string::npos)
      << metrics_.render();
  // The flood is audited once: five 401s and one 429.
  auto events = audited();
  EXPECT_EQ(events.size(), 6u);
  EXPECT_EQ(events.front().status, 429u);
  clock_.advance(60);
  EXPECT_EQ(status(authorize(request(bhttp::verb::get, "/api/v1/x", operator_), Access::kViewer)),
            0u);
}

TEST_F(ApiAccessControlTest, RefusalsAreAuditedWithoutTheCredential) {
  std::string forged = operator_;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  (void)authorize(request(bhttp::verb::post, "/api/v1/machines/a/approve?x=1", forged),
                  Access::kOperator);
  auto events = audited();
  ASSERT_EQ(events.size(), 1u);
  const auto& e = events[0];
  EXPECT_EQ(e.result, "refused");
  EXPECT_EQ(e.status, 401u);
  EXPECT_EQ(e.method, "POST");
  EXPECT_EQ(e.route, "/api/v1/x");
  EXPECT_EQ(e.target, "/api/v1/machines/a/approve");
  EXPECT_EQ(e.source, "198.18.0.9");
  EXPECT_NE(e.detail.find("unknown token"), std::string::npos);
  for (const auto& field : {e.who, e.detail, e.target}) {
    EXPECT_EQ(field.find(forged.substr(17)), std::string::npos) << field;
  }
}

TEST_F(ApiAccessControlTest, CompletedAuditsMutationsByTokensAndRefusalsByHandlers) {
  http::Principal token{"token:0123456789ab(op)", Access::kOperator, std::nullopt};
  http::Principal agent{"agent:" + kMac.to_string(), Access::kAgent, kMac};
  auto done = [&](bhttp::verb method, const http::Principal& p, Access required, unsigned st) {
    http::Request req(method, "/api/v1/y", 11);
    http::RequestContext ctx{req, "/api/v1/y", {}, {}, boost::asio::ip::make_address("198.18.0.9"),
                             &p};
    control_.completed(ctx, required, "/api/v1/y", st);
  };
  done(bhttp::verb::get, token, Access::kViewer, 200);     // a read: not audited
  done(bhttp::verb::post, token, Access::kOperator, 202);  // a change: audited
  done(bhttp::verb::post, token, Access::kOperator, 409);  // a failed change: audited
  done(bhttp::verb::post, agent, Access::kAgent, 200);     // an agent's report: not audited
  done(bhttp::verb::post, agent, Access::kAgent, 403);     // another machine's MAC: audited
  auto events = audited();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].result, "ok");
  EXPECT_EQ(events[2].status, 202u);
  EXPECT_EQ(events[2].who, token.who);
  EXPECT_EQ(events[2].role, "operator");
  EXPECT_EQ(events[1].result, "failed");
  EXPECT_EQ(events[0].result, "refused");
  EXPECT_EQ(events[0].who, agent.who);
  EXPECT_EQ(events[0].role, "agent");
}

}  // namespace
}  // namespace slipway::controlplane
