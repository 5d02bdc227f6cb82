#pragma once
// API tokens and the audit trail over REST (admin role; see route_access.cpp):
//   GET    /api/v1/tokens        {"tokens": [record...]}: every token, never its text
//   POST   /api/v1/tokens        {"name", "role": viewer|operator|admin, "expires_in"?: seconds}
//                                -> 201 {"token": TEXT, "record": {...}}: the only time the
//                                text is shown
//   DELETE /api/v1/tokens/ID     revokes at once -> {"record": {...}}; 404 for an unknown id
//   GET    /api/v1/audit?limit=N&who=W&result=R&since=T   {"events": [...]}, newest first;
//                                who: "token:ID", "token:", "agent:", "anonymous", ...;
//                                result: ok, refused, failed; since: Unix seconds
// A record: {"id", "name", "role", "created_at", "expires_at", "revoked_at", "created_by",
// "active"}.

#include <nlohmann/json.hpp>

#include "common/http_server.h"
#include "controlplane/audit_log.h"
#include "controlplane/token_store.h"

namespace slipway::controlplane {

// `now` decides "active".
nlohmann::json to_json(const TokenRecord& record, int64_t now);
nlohmann::json to_json(const AuditEvent& event);

// `tokens` and `audit` must outlive the router.
void add_token_routes(http::Router& router, TokenStore& tokens, AuditLog& audit);

}  // namespace slipway::controlplane
