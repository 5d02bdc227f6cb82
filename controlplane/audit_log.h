#pragma once
// The audit trail: every mutating API request and every refused request, with who, what, the
// target, the result and the source address (issue 9). Queryable through GET /api/v1/audit and
// `slipway events`.
//
// Bounded: after every `prune_every` records the oldest rows beyond `max_rows` are deleted.
// A failed write is logged and counted by the caller's metrics, never fails the request.
//
// Thread-safety: like the Database, one thread at a time (the io_context's).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/sqlite.h"
#include "inventory/machine_store.h"

namespace slipway::controlplane {

struct AuditEvent {
  int64_t id = 0;
  int64_t time = 0;
  std::string who;     // "token:<id>(<name>)", "agent:<mac>", "anonymous"
  std::string role;    // the principal's role ("anonymous" callers: "public")
  std::string method;  // "POST"
  std::string route;   // the route's path or prefix, "/api/v1/machines/"
  std::string target;  // the request path, "/api/v1/machines/web1/approve"
  unsigned status = 0;
  std::string result;  // "ok", "refused" or "failed"
  std::string source;  // the client's address
  std::string detail;  // why it was refused or failed; never a credential
};

// "ok" for 1xx-3xx, "refused" for 401, 403 and 429, "failed" otherwise.
std::string audit_result(unsigned status);

struct AuditQuery {
  size_t limit = 100;  // at most kMaxAuditQuery
  // Exact ("token:ID(NAME)"), a token id without its name ("token:ID"), or a kind ("token:",
  // "agent:", "anonymous").
  std::optional<std::string> who;
  std::optional<std::string> result;  // "ok", "refused", "failed"
  std::optional<int64_t> since;       // events at or after this time
};

inline constexpr size_t kMaxAuditQuery = 10000;

class AuditLog {
 public:
  // Creates the table on first use (migration component "audit").
  AuditLog(sqlite::Database& db, const Clock& clock, size_t max_rows = 100'000,
           size_t prune_every = 1000);

  // Stamps `event.time` with the clock and stores it; `event.id` is ignored.
  Status record(AuditEvent event);
  // Newest first.
  inventory::Outcome<std::vector<AuditEvent>> query(const AuditQuery& q) const;

 private:
  void prune();

  sqlite::Database& db_;
  const Clock& clock_;
  size_t max_rows_;
  size_t prune_every_;
  size_t since_prune_ = 0;
};

}  // namespace slipway::controlplane
