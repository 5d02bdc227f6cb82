// THE ROUTE WALK (issue 9): every entry of the appliance's route table, behind a Router with the
// real ApiAccessControl, called without a token, with a malformed, an unknown, a revoked and an
// expired token, with each role's token and with agent secrets. Each answer must be what the
// table declares: 401 without valid credentials, 403 for a valid credential of too low a role or
// of the wrong kind, 2xx (the stub handler) otherwise; public routes answer everyone.

#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "boot/agent_secrets.h"
#include "controlplane/agent_access.h"
#include "controlplane/api_access_control.h"
#include "controlplane/route_access.h"
#include "tests/common/test_dir.h"

namespace slipway::controlplane {
namespace {

namespace bhttp = http::bhttp;
using http::Access;

const MacAddress kAgentMac = *MacAddress::parse("52:54:00:00:00:01");
const MacAddress kOtherMac = *MacAddress::parse("52:54:00:00:00:02");
constexpr int64_t kAgentTtl = 60;

class RouteWalkTest : public ::testing::Test {
 protected:
  RouteWalkTest() {
    // Real agent secrets: one expired, one superseded by a newer boot, one current, one forged.
    expired_agent_ = issue(kOtherMac);
    clock_.advance(kAgentTtl + 1);
    superseded_agent_ = issue(kAgentMac);
    agent_ = issue(kAgentMac);
    forged_agent_ = agent_;
    // A character inside the MAC (the last one also carries padding bits).
    char& c = forged_agent_[forged_agent_.size() - 10];
    c = c == 'A' ? 'B' : 'A';
    for (Access role : {Access::kViewer, Access::kOperator, Access::kAdmin}) {
      role_tokens_.emplace_back(role, make(std::string(http::to_string(role)), role).text);
    }
    revoked_ = make("revoked", Access::kAdmin).text;
    EXPECT_TRUE(tokens_.revoke(*token_id_of(revoked_)).ok());
    expired_ = make("expired", Access::kAdmin, 10).text;
    clock_.advance(11);
    unknown_ = "slw_abcdefabcdef_" + std::string(43, 'Q');

    router_.set_access(route_access_table(), control_);
    std::set<std::tuple<bhttp::verb, std::string_view, bool>> registered;
    // In the table's order: which route a request reaches must not depend on it.
    for (const auto& e : route_access_table()) {
      if (!registered.emplace(e.method, e.path, e.prefix).second) continue;
      auto stub = [](const http::RequestContext& ctx) -> http::Response {
        // Inside a router with access control, a handler always knows who asked.
        if (!ctx.principal) {
          return http::error_response(ctx.request, bhttp::status::internal_server_error,
                                      "no principal");
        }
        return http::json_response(ctx.request, bhttp::status::ok, "{}");
      };
      if (e.prefix) {
        router_.add_prefix(e.method, std::string(e.path), stub);
      } else {
        router_.add(e.method, std::string(e.path), stub);
      }
    }
  }

  std::string issue(const MacAddress& mac) {
    auto issued = secrets_.issue(mac);
    EXPECT_TRUE(issued.ok());
    return issued.ok() ? issued->secret : std::string();
  }

  NewToken make(const std::string& name, Access role, std::optional<int64_t> ttl = std::nullopt) {
    auto made = tokens_.create(name, role, ttl, "walk");
    EXPECT_TRUE(made.ok());
    return *made;
  }

  // The status of `method target` with `credential` (none when empty) as the Authorization.
  unsigned call(bhttp::verb method, const std::string& target, std::string_view credential) {
    http::Request req(method, target, 11);
    if (!credential.empty()) {
      req.set(bhttp::field::authorization, "Bearer " + std::string(credential));
    }
    req.prepare_payload();
    auto res = router_.dispatch(req, boost::asio::ip::make_address("198.18.0.9"));
    return std::get<http::StringResponse>(res).result_int();
  }

  // A request target the entry covers.
  static std::string target_of(const http::RouteAccess& e) {
    if (!e.prefix) return std::string(e.path);
    std::string t = std::string(e.path) + "walk1";
    if (!e.last_segment.empty()) t += "/" + std::string(e.last_segment);
    return t;
  }

  testutil::TestDir dir_;
  sqlite::Database db_{dir_ / "slipway.db"};
  ManualClock clock_;
  Metrics metrics_;
  TokenStore tokens_{db_, clock_};
  AuditLog audit_{db_, clock_};
  boot::AgentSecrets secrets_{db_, dir_ / "agent.key", clock_, kAgentTtl};
  ApiAccessControl control_{tokens_, audit_, agent_verifier(secrets_), clock_, metrics_,
                            // The walk fails thousands of times from one address on purpose.
                            AuthLimits{.failures_per_minute = 1'000'000, .max_sources = 10}};
  http::Router router_;
  std::vector<std::pair<Access, std::string>> role_tokens_;
  std::string revoked_, expired_, unknown_;
  std::string agent_, superseded_agent_, expired_agent_, forged_agent_;
};

TEST_F(RouteWalkTest, EveryTableEntryIsRegistered) {
  EXPECT_TRUE(router_.unregistered_access_entries().empty());
  EXPECT_GT(route_access_table().size(), 40u);
}

TEST_F(RouteWalkTest, EveryRouteAnswersAsItsTableEntryDeclares) {
  size_t walked = 0;
  for (const auto& e : route_access_table()) {
    std::string target = target_of(e);
    std::string what = std::string(bhttp::to_string(e.method)) + " " + target + " (" +
                       std::string(http::to_string(e.access)) + ")";
    SCOPED_TRACE(what);
    ++walked;
    if (e.access == Access::kPublic) {
      EXPECT_EQ(call(e.method, target, ""), 200u);
      EXPECT_EQ(call(e.method, target, unknown_), 200u);  // a public route ignores credentials
      continue;
    }
    EXPECT_EQ(call(e.method, target, ""), 401u) << "no token";
    EXPECT_EQ(call(e.method, target, "slw_nonsense"), 401u) << "malformed token";
    EXPECT_EQ(call(e.method, target, unknown_), 401u) << "unknown token";
    EXPECT_EQ(call(e.method, target, revoked_), 401u) << "revoked token";
    EXPECT_EQ(call(e.method, target, expired_), 401u) << "expired token";
    EXPECT_EQ(call(e.method, target, forged_agent_), 401u) << "forged agent secret";
    EXPECT_EQ(call(e.method, target, superseded_agent_), 401u) << "superseded agent secret";
    EXPECT_EQ(call(e.method, target, expired_agent_), 401u) << "expired agent secret";
    for (const auto& [role, token] : role_tokens_) {
      unsigned expected = e.access == Access::kAgent ? 403u : role >= e.access ? 200u : 403u;
      EXPECT_EQ(call(e.method, target, token), expected) << http::to_string(role) << " token";
    }
    EXPECT_EQ(call(e.method, target, agent_), e.access == Access::kAgent ? 200u : 403u)
        << "agent secret";
  }
  EXPECT_EQ(walked, route_access_table().size());
}

TEST_F(RouteWalkTest, MutatingRoutesAreAuditedAndRefusalsAlways) {
  size_t mutating_ok = 0;
  for (const auto& e : route_access_table()) {
    if (e.access < Access::kViewer) continue;
    bool mutating = e.method != bhttp::verb::get && e.method != bhttp::verb::head;
    ASSERT_EQ(call(e.method, target_of(e), role_tokens_.back().second), 200u);
    mutating_ok += mutating ? 1 : 0;
  }
  auto ok = audit_.query({.limit = 10000, .who = "token:", .result = "ok", .since = {}});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->size(), mutating_ok);
  for (const auto& ev : *ok) {
    EXPECT_NE(ev.method, "GET");
    EXPECT_EQ(ev.role, "admin");
    EXPECT_EQ(ev.source, "198.18.0.9");
  }
  EXPECT_EQ(call(bhttp::verb::get, "/api/v1/machines", ""), 401u);
  auto refused = audit_.query({.limit = 10, .who = {}, .result = "refused", .since = {}});
  ASSERT_TRUE(refused.ok());
  ASSERT_FALSE(refused->empty());
  EXPECT_EQ(refused->front().who, "anonymous");
  EXPECT_EQ(refused->front().target, "/api/v1/machines");
  EXPECT_EQ(refused->front().status, 401u);
}

}  // namespace
}  // namespace slipway::controlplane
