#include "controlplane/api_access_control.h"

#include "common/bearer_auth.h"
#include "common/log.h"

namespace slipway::controlplane {
namespace {

namespace bhttp = http::bhttp;

std::string request_path(const http::Request& req) {
  std::string_view target = req.target();
  return std::string(target.substr(0, target.find('?')));
}

bool mutating(bhttp::verb method) {
  return method != bhttp::verb::get && method != bhttp::verb::head;
}

}  // namespace

ApiAccessControl::ApiAccessControl(TokenStore& tokens, AuditLog& audit, AgentVerifier agents,
                                   const Clock& clock, Metrics& metrics, AuthLimits limits)
    : tokens_(tokens),
      audit_(audit),
      agents_(std::move(agents)),
      limiter_(clock, limits.failures_per_minute, limits.max_sources),
      refused_401_(metrics.counter("slipway_auth_refused_total",
                                   "Requests refused by access control, by status",
                                   "status=\"401\"")),
      refused_403_(metrics.counter("slipway_auth_refused_total",
                                   "Requests refused by access control, by status",
                                   "status=\"403\"")),
      rate_limited_(metrics.counter(
          "slipway_auth_rate_limited_total",
          "Requests refused with 429 because their source failed to authenticate too often")) {}

std::variant<http::Principal, ApiAccessControl::Refusal> ApiAccessControl::check(
    std::string_view credential, http::Access required) {
  bool agent_route = required == http::Access::kAgent;
  if (auto id = token_id_of(credential)) {
    auto verified = tokens_.verify(credential);
    if (auto* why = std::get_if<TokenRejection>(&verified)) {
      // The appliance's fault, not the client's: not a failed authentication.
      unsigned status = *why == TokenRejection::kStorage ? 503 : 401;
      return Refusal{status, "token:" + std::string(*id), "public",
                     std::string(to_string(*why)) + " id=" + std::string(*id)};
    }
    const TokenRecord& token = std::get<TokenRecord>(verified);
    std::string role(http::to_string(token.role));
    if (agent_route) {
      return Refusal{403, token.who(), role,
                     "agent routes take a machine's agent secret, not an API token"};
    }
    if (token.role < required) {
      return Refusal{403, token.who(), role,
                     "this route needs the " + std::string(http::to_string(required)) +
                         " role; the token has " + role};
    }
    return http::Principal{token.who(), token.role, std::nullopt};
  }
  auto agent = agents_ ? agents_(credential) : Result<http::Principal>(Error{"no agent secrets"});
  if (!agent) {
    return Refusal{
        401, "anonymous", "public",
        agent_route ? agent.error().message : std::string(to_string(TokenRejection::kMalformed))};
  }
  if (!agent_route) {
    return Refusal{403, agent->who, "agent",
                   "an agent secret reaches only /api/v1/agent/; this route needs the " +
                       std::string(http::to_string(required)) + " role"};
  }
  return *agent;
}

std::variant<http::Principal, http::StringResponse> ApiAccessControl::authorize(
    const http::Request& req, const boost::asio::ip::address& remote, http::Access required,
    std::string_view route) {
  if (int64_t wait = limiter_.blocked_for(remote); wait > 0) {
    rate_limited_.inc();
    if (limiter_.first_refusal(remote)) {
      refuse(req, remote, route,
             Refusal{429, "anonymous", "public",
                     "too many failed authentications from this address; refused for " +
                         std::to_string(wait) + " s"});
    }
    auto res = http::error_response(req, bhttp::status::too_many_requests,
                                    "too many failed authentications from " + remote.to_string() +
                                        "; try again in " + std::to_string(wait) + " s");
    res.set(bhttp::field::retry_after, std::to_string(wait));
    return res;
  }

  std::variant<http::Principal, Refusal> outcome;
  if (req.count(bhttp::field::authorization) > 1) {
    outcome = Refusal{401, "anonymous", "public", "more than one Authorization header"};
  } else {
    auto parsed = http::parse_bearer(req[bhttp::field::authorization]);
    if (auto* problem = std::get_if<http::BearerProblem>(&parsed)) {
      std::string reason(to_string(*problem));
      if (*problem == http::BearerProblem::kMissing) {
        reason = required == http::Access::kAgent
                     ? "no credential: agent routes need the machine's agent secret"
                     : "no credential: this route needs a token with the " +
                           std::string(http::to_string(required)) + " role";
      }
      outcome = Refusal{401, "anonymous", "public", reason};
    } else {
      outcome = check(std::get<std::string_view>(parsed), required);
    }
  }
  if (auto* principal = std::get_if<http::Principal>(&outcome)) return std::move(*principal);
  const Refusal& r = std::get<Refusal>(outcome);
  if (r.status == 401) limiter_.failed(remote);
  return refuse(req, remote, route, r);
}

http::StringResponse ApiAccessControl::refuse(const http::Request& req,
                                              const boost::asio::ip::address& remote,
                                              std::string_view route, const Refusal& r) {
  std::string target = request_path(req);
  log::get("auth")->warn(
      "refused status={} source={} method={} route={} target=\"{}\" who=\"{}\" reason=\"{}\"",
      r.status, remote.to_string(), std::string(req.method_string()), route, target, r.who,
      r.reason);
  if (r.status == 401) refused_401_.inc();
  if (r.status == 403) refused_403_.inc();
  (void)audit_.record({.id = 0,
                       .time = 0,
                       .who = r.who,
                       .role = r.role,
                       .method = std::string(req.method_string()),
                       .route = std::string(route),
                       .target = target,
                       .status = r.status,
                       .result = audit_result(r.status),
                       .source = remote.to_string(),
                       .detail = r.reason});
  auto status = static_cast<bhttp::status>(r.status);
  auto res = http::error_response(req, status, r.reason);
  if (r.status == 401) {
    res.set(bhttp::field::www_authenticate,
            r.who == "anonymous" && r.reason.starts_with("no credential")
                ? "Bearer realm=\"slipway\""
                : "Bearer realm=\"slipway\", error=\"invalid_token\"");
  }
  return res;
}

void ApiAccessControl::completed(const http::RequestContext& ctx, http::Access required,
                                 std::string_view route, unsigned status) {
  if (!ctx.principal) return;
  const http::Principal& p = *ctx.principal;
  bool refused = status == 401 || status == 403;
  bool agent = required == http::Access::kAgent || p.role == http::Access::kAgent;
  if (!refused && (agent || !mutating(ctx.request.method()))) return;
  if (refused) {
    log::get("auth")->warn(
        "refused by the handler status={} source={} method={} route={} target=\"{}\" who=\"{}\"",
        status, ctx.remote.to_string(), std::string(ctx.request.method_string()), route, ctx.path,
        p.who);
  }
  (void)audit_.record({.id = 0,
                       .time = 0,
                       .who = p.who,
                       .role = std::string(http::to_string(p.role)),
                       .method = std::string(ctx.request.method_string()),
                       .route = std::string(route),
                       .target = ctx.path,
                       .status = status,
                       .result = audit_result(status),
                       .source = ctx.remote.to_string(),
                       .detail = refused ? "refused by the handler" : ""});
}

}  // namespace slipway::controlplane
