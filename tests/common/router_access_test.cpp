// Router::set_access: the route table is enforced at registration, and dispatch asks the
// AccessControl before a handler of a route that is not public runs. The AccessControl here is a
// recording stand-in (the real one, with tokens and agent secrets, has its own tests).
#include <gtest/gtest.h>

#include <array>
#include <boost/asio/ip/address.hpp>
#include <stdexcept>

#include "common/http_server.h"

namespace slipway::http {
namespace {

using V = bhttp::verb;

constexpr std::array kTable = {
    RouteAccess{V::get, "/open", false, Access::kPublic},
    RouteAccess{V::get, "/things", false, Access::kViewer},
    RouteAccess{V::post, "/things/", true, Access::kOperator},
    RouteAccess{V::post, "/things/", true, Access::kAdmin, "export"},
    RouteAccess{V::post, "/agent/report", false, Access::kAgent},
    RouteAccess{V::post, "/things/import", false, Access::kAdmin},
    RouteAccess{V::post, "/things/deep/", true, Access::kViewer},
};

// Lets in whoever's "X-Role" header names a role at least the required one.
class RoleHeaderControl : public AccessControl {
 public:
  std::variant<Principal, StringResponse> authorize(const Request& req,
                                                    const boost::asio::ip::address&,
                                                    Access required,
                                                    std::string_view route) override {
    ++authorized;
    last_required = required;
    last_route = std::string(route);
    auto role = parse_role(std::string(req[bhttp::field::authorization]));
    if (!role) return error_response(req, bhttp::status::unauthorized, "who are you");
    if (*role < required) return error_response(req, bhttp::status::forbidden, "not you");
    return Principal{"token:test", *role, std::nullopt};
  }
  void completed(const RequestContext& ctx, Access, std::string_view, unsigned status) override {
    completions.push_back(std::string(ctx.path) + " " + std::to_string(status));
  }
  int authorized = 0;
  Access last_required = Access::kPublic;
  std::string last_route;
  std::vector<std::string> completions;
};

Request request(V method, const std::string& target, const std::string& role = "") {
  Request req{method, target, 11};
  if (!role.empty()) req.set(bhttp::field::authorization, role);
  return req;
}

unsigned status_of(const Response& r) {
  return std::visit([](const auto& x) { return x.result_int(); }, r);
}

class RouterAccessTest : public ::testing::Test {
 protected:
  RouterAccessTest() {
    router_.set_access(kTable, control_);
    auto who = [](const RequestContext& ctx) {
      return json_response(ctx.request, bhttp::status::ok,
                           ctx.principal ? ctx.principal->who : std::string("null"));
    };
    router_.add(V::get, "/open", who);
    router_.add(V::get, "/things", who);
    // Added before the exact and the longer routes they cover: the order must not matter.
    router_.add_prefix(V::post, "/things/", who);
    router_.add(V::post, "/things/import", who);
    router_.add_prefix(V::post, "/things/deep/", who);
  }
  Response call(V method, const std::string& target, const std::string& role = "") {
    return router_.dispatch(request(method, target, role), remote_);
  }
  RoleHeaderControl control_;
  Router router_;
  boost::asio::ip::address remote_ = boost::asio::ip::make_address("198.18.0.9");
};

TEST_F(RouterAccessTest, ARouteMissingFromTheTableCannotBeAdded) {
  auto handler = [](const RequestContext& ctx) {
    return json_response(ctx.request, bhttp::status::ok, "{}");
  };
  try {
    router_.add(V::delete_, "/things", handler);
    FAIL() << "an undeclared route was added";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("DELETE /things"), std::string::npos) << e.what();
  }
  // Same path, but declared as exact, not as a prefix.
  EXPECT_THROW(router_.add_prefix(V::get, "/open", handler), std::logic_error);
}

TEST_F(RouterAccessTest, TableEntriesWithoutARouteAreReported) {
  EXPECT_EQ(router_.unregistered_access_entries(), std::vector<std::string>{"POST /agent/report"});
}

TEST_F(RouterAccessTest, AnExactRouteThenTheLongestPrefixDecidesNotTheOrderOfAdding) {
  EXPECT_EQ(status_of(call(V::post, "/things/import", "operator")), 403u);
  EXPECT_EQ(control_.last_required, Access::kAdmin);
  EXPECT_EQ(status_of(call(V::post, "/things/import", "admin")), 200u);
  EXPECT_EQ(status_of(call(V::post, "/things/deep/x", "viewer")), 200u);
  EXPECT_EQ(control_.last_route, "/things/deep/");
  EXPECT_EQ(status_of(call(V::post, "/things/x", "viewer")), 403u);
  EXPECT_EQ(control_.last_route, "/things/");
}

TEST_F(RouterAccessTest, SetAccessAfterRoutesIsRefused) {
  EXPECT_THROW(router_.set_access(kTable, control_), std::logic_error);
}

TEST_F(RouterAccessTest, PublicRoutesAreNotAskedAbout) {
  auto res = call(V::get, "/open");
  EXPECT_EQ(status_of(res), 200u);
  EXPECT_EQ(std::get<StringResponse>(res).body(), "anonymous");
  EXPECT_EQ(control_.authorized, 0);
  EXPECT_TRUE(control_.completions.empty());
}

TEST_F(RouterAccessTest, TheControlDecidesAndTheHandlerSeesThePrincipal) {
  EXPECT_EQ(status_of(call(V::get, "/things")), 401u);
  EXPECT_EQ(status_of(call(V::get, "/things", "nonsense")), 401u);
  auto res = call(V::get, "/things", "viewer");
  EXPECT_EQ(status_of(res), 200u);
  EXPECT_EQ(std::get<StringResponse>(res).body(), "token:test");
  EXPECT_EQ(control_.last_required, Access::kViewer);
  EXPECT_EQ(control_.last_route, "/things");
  EXPECT_EQ(status_of(call(V::post, "/things/a/verify", "viewer")), 403u);
  EXPECT_EQ(status_of(call(V::post, "/things/a/verify", "operator")), 200u);
  // Refused requests never reach the handler nor completed(); the others are reported.
  EXPECT_EQ(control_.completions,
            (std::vector<std::string>{"/things 200", "/things/a/verify 200"}));
}

TEST_F(RouterAccessTest, ALastSegmentEntryRefinesAPrefixRoute) {
  EXPECT_EQ(status_of(call(V::post, "/things/a/export", "operator")), 403u);
  EXPECT_EQ(control_.last_required, Access::kAdmin);
  // Trailing or doubled slashes and percent-encoding do not get around it.
  for (const char* target : {"/things/a/export/", "/things/a//export", "/things/a/exp%6frt"}) {
    EXPECT_EQ(status_of(call(V::post, target, "operator")), 403u) << target;
  }
  EXPECT_EQ(status_of(call(V::post, "/things/a/export", "admin")), 200u);
  // A name that merely contains the word is not refined.
  EXPECT_EQ(status_of(call(V::post, "/things/export-a/verify", "operator")), 200u);
}

TEST_F(RouterAccessTest, HeadOfAGuardedRouteIsGuardedToo) {
  EXPECT_EQ(status_of(call(V::head, "/things")), 401u);
  EXPECT_EQ(status_of(call(V::head, "/things", "viewer")), 200u);
}

TEST(RouterWithoutAccess, AddsAnythingAndLeavesThePrincipalNull) {
  Router router;
  router.add(V::get, "/x", [](const RequestContext& ctx) {
    return json_response(ctx.request, bhttp::status::ok, ctx.principal ? "set" : "null");
  });
  auto res = router.dispatch(request(V::get, "/x"), boost::asio::ip::make_address("127.0.0.1"));
  EXPECT_EQ(std::get<StringResponse>(res).body(), "null");
}

}  // namespace
}  // namespace slipway::http
