#pragma once
// ApiAccessControl: who may reach a non-public route (http::AccessControl of issue 9).
//
//   - API routes (viewer, operator, admin) take only API tokens whose role is at least the
//     route's; agent routes take only agent secrets (the verifier is AgentSecrets::verify,
//     adapted). A valid credential of the other kind, or a role too low, is 403; no credential,
//     a malformed, unknown, revoked or expired one is 401 with
//     `WWW-Authenticate: Bearer realm="slipway"`.
//   - Every 401 counts as a failure of the source address (AuthRateLimiter): after
//     `failures_per_minute` within a minute the source gets 429 (with Retry-After) until the
//     minute has passed, counted on /metrics (slipway_auth_rate_limited_total).
//   - Audit: every refusal, and every mutating (not GET/HEAD) request by a token with the
//     handler's status. Agent successes are not audited (the machine's events have them); a
//     refusal by an agent handler (403) is. Of a rate-limited source only the first 429 of its
//     window is audited and logged, so a flood cannot fill the audit table or the log.
//   - Refusals are logged (subsystem "auth") with the source, route, target and reason: never
//     the credential (a token's id at most).
//
// Thread-safety: none; the io_context's thread, like the Router.

#include <cstddef>
#include <functional>
#include <string_view>

#include "common/clock.h"
#include "common/http_server.h"
#include "common/metrics.h"
#include "common/result.h"
#include "controlplane/audit_log.h"
#include "controlplane/auth_rate_limiter.h"
#include "controlplane/token_store.h"

namespace slipway::controlplane {

struct AuthLimits {
  size_t failures_per_minute = 20;
  size_t max_sources = 10000;  // addresses the rate limiter tracks
};

// An agent secret -> the machine's principal (role kAgent, machine set), or why not (a reason
// safe to log: never the secret).
using AgentVerifier = std::function<Result<http::Principal>(std::string_view secret)>;

class ApiAccessControl final : public http::AccessControl {
 public:
  // Everything given must outlive this object.
  ApiAccessControl(TokenStore& tokens, AuditLog& audit, AgentVerifier agents, const Clock& clock,
                   Metrics& metrics, AuthLimits limits = {});

  std::variant<http::Principal, http::StringResponse> authorize(
      const http::Request& req, const boost::asio::ip::address& remote, http::Access required,
      std::string_view route) override;
  void completed(const http::RequestContext& ctx, http::Access required, std::string_view route,
                 unsigned status) override;

 private:
  struct Refusal {
    unsigned status;     // 401, 403, 503 (the token store failed)
    std::string who;     // what the credential was, as far as it is known
    std::string role;    // its role, "public" when none
    std::string reason;  // for the log, the audit and the client
  };
  std::variant<http::Principal, Refusal> check(std::string_view credential, http::Access required);
  http::StringResponse refuse(const http::Request& req, const boost::asio::ip::address& remote,
                              std::string_view route, const Refusal& r);

  TokenStore& tokens_;
  AuditLog& audit_;
  AgentVerifier agents_;
  AuthRateLimiter limiter_;
  Counter& refused_401_;
  Counter& refused_403_;
  Counter& rate_limited_;
};

}  // namespace slipway::controlplane
