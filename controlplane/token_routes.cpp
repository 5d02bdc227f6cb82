#include "controlplane/token_routes.h"

#include <charconv>

#include "controlplane/api_helpers.h"

namespace slipway::controlplane {

namespace bhttp = http::bhttp;
using nlohmann::json;

namespace {

json optional_time(const std::optional<int64_t>& t) { return t ? json(*t) : json(); }

// A whole number from `low` to `high` in the query, or nullopt when absent; an Error otherwise.
Result<std::optional<int64_t>> query_number(const http::RequestContext& ctx, const char* name,
                                            int64_t low, int64_t high) {
  auto it = ctx.query.find(name);
  if (it == ctx.query.end() || it->second.empty()) return std::optional<int64_t>();
  int64_t n = 0;
  const std::string& text = it->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < low || n > high) {
    return Error{std::string("'") + name + "' must be a whole number from " + std::to_string(low) +
                 " to " + std::to_string(high)};
  }
  return std::optional<int64_t>(n);
}

}  // namespace

json to_json(const TokenRecord& r, int64_t now) {
  return {{"id", r.id},
          {"name", r.name},
          {"role", http::to_string(r.role)},
          {"created_at", r.created_at},
          {"expires_at", optional_time(r.expires_at)},
          {"revoked_at", optional_time(r.revoked_at)},
          {"created_by", r.created_by},
          {"active", r.active(now)}};
}

json to_json(const AuditEvent& e) {
  return {{"id", e.id},         {"time", e.time},     {"who", e.who},       {"role", e.role},
          {"method", e.method}, {"route", e.route},   {"target", e.target}, {"status", e.status},
          {"result", e.result}, {"source", e.source}, {"detail", e.detail}};
}

void add_token_routes(http::Router& router, TokenStore& tokens, AuditLog& audit) {
  router.add(bhttp::verb::get, "/api/v1/tokens", [&tokens](const http::RequestContext& ctx) {
    auto all = tokens.list();
    if (!all) return refused(ctx, all.refusal());
    json list = json::array();
    for (const auto& r : *all) list.push_back(to_json(r, tokens.now()));
    return ok(ctx, {{"tokens", list}});
  });

  router.add(bhttp::verb::post, "/api/v1/tokens", [&tokens](const http::RequestContext& ctx) {
    auto body = object_body(ctx);
    if (!body) return bad_request(ctx, body.error().message);
    const json& doc = *body;
    if (!doc.contains("name") || !doc["name"].is_string()) {
      return bad_request(ctx, "'name' must be a string");
    }
    std::optional<http::Access> role;
    if (doc.contains("role") && doc["role"].is_string()) {
      role = http::parse_role(doc["role"].get<std::string>());
    }
    if (!role) return bad_request(ctx, "'role' must be viewer, operator or admin");
    std::optional<int64_t> ttl;
    if (auto e = doc.find("expires_in"); e != doc.end() && !e->is_null()) {
      if (!e->is_number_integer() || e->get<int64_t>() < 1 ||
          e->get<int64_t>() > kMaxTokenTtlSeconds) {
        return bad_request(ctx, "'expires_in' must be a whole number of seconds from 1 to " +
                                    std::to_string(kMaxTokenTtlSeconds));
      }
      ttl = e->get<int64_t>();
    }
    auto made = tokens.create(doc["name"].get<std::string>(), *role, ttl, actor(ctx));
    if (!made) return refused(ctx, made.refusal());
    json answer = {{"token", made->text}, {"record", to_json(made->record, tokens.now())}};
    return http::Response(
        http::json_response(ctx.request, bhttp::status::created, answer.dump() + "\n"));
  });

  router.add_prefix(bhttp::verb::delete_, "/api/v1/tokens/",
                    [&tokens](const http::RequestContext& ctx) {
                      if (ctx.rest.empty() || ctx.rest.find('/') != std::string_view::npos) {
                        return no_such_path(ctx);
                      }
                      auto r = tokens.revoke(ctx.rest);
                      if (!r) return refused(ctx, r.refusal());
                      return ok(ctx, {{"record", to_json(*r, tokens.now())}});
                    });

  router.add(bhttp::verb::get, "/api/v1/audit", [&audit](const http::RequestContext& ctx) {
    AuditQuery q;
    auto limit = query_number(ctx, "limit", 1, static_cast<int64_t>(kMaxAuditQuery));
    if (!limit) return bad_request(ctx, limit.error().message);
    if (*limit) q.limit = static_cast<size_t>(**limit);
    auto since = query_number(ctx, "since", 0, int64_t{1} << 40);
    if (!since) return bad_request(ctx, since.error().message);
    q.since = *since;
    if (auto w = ctx.query.find("who"); w != ctx.query.end() && !w->second.empty()) {
      q.who = w->second;
    }
    if (auto r = ctx.query.find("result"); r != ctx.query.end() && !r->second.empty()) {
      if (r->second != "ok" && r->second != "refused" && r->second != "failed") {
        return bad_request(ctx, "'result' must be ok, refused or failed");
      }
      q.result = r->second;
    }
    auto events = audit.query(q);
    if (!events) return refused(ctx, events.refusal());
    json list = json::array();
    for (const auto& e : *events) list.push_back(to_json(e));
    return ok(ctx, {{"events", list}});
  });
}

}  // namespace slipway::controlplane
