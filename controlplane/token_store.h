#pragma once
// API tokens: who may call the REST API, and with which role (viewer < operator < admin).
//
// A token is "slw_<id>_<secret>": id 12 hex digits (names the token in lists, logs and the
// audit trail), secret 43 characters of base64url over 32 random bytes. It is shown once, at
// creation; the store keeps only the SHA-256 of the whole text and compares it in constant time
// (CRYPTO_memcmp). Revocation takes effect at the next request: verify() reads the table every
// time, there is no cache.
//
// Never log a token's text; log its id.
//
// Thread-safety: like the Database, one thread at a time (the io_context's).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "common/http_server.h"
#include "common/result.h"
#include "common/sqlite.h"
#include "inventory/machine_store.h"

namespace slipway::controlplane {

struct TokenRecord {
  std::string id;  // 12 hex digits
  std::string name;
  http::Access role = http::Access::kViewer;  // kViewer, kOperator or kAdmin
  int64_t created_at = 0;
  std::optional<int64_t> expires_at;
  std::optional<int64_t> revoked_at;
  std::string created_by;  // the principal that created it ("first start" for the first admin)

  bool active(int64_t now) const { return !revoked_at && (!expires_at || *expires_at > now); }
  // "token:<id>(<name>)", the principal's `who`.
  std::string who() const { return "token:" + id + "(" + name + ")"; }
};

struct NewToken {
  std::string text;  // the only time the token's text exists outside the client
  TokenRecord record;
};

enum class TokenRejection { kMalformed, kUnknown, kRevoked, kExpired, kStorage };
std::string_view to_string(TokenRejection r);

inline constexpr size_t kMaxTokenNameSize = 64;
inline constexpr int64_t kMaxTokenTtlSeconds = int64_t{10} * 366 * 86400;

class TokenStore {
 public:
  // Creates the table on first use (migration component "auth").
  TokenStore(sqlite::Database& db, const Clock& clock);

  // `name`: 1 to 64 printable characters. `role`: viewer, operator or admin. `ttl_seconds`: from
  // now, 1 s to 10 years; none for a token that does not expire. Invalid input is kInvalid.
  inventory::Outcome<NewToken> create(std::string_view name, http::Access role,
                                      std::optional<int64_t> ttl_seconds,
                                      std::string_view created_by);
  // Every token, revoked and expired ones included, oldest first.
  inventory::Outcome<std::vector<TokenRecord>> list() const;
  // Revokes at once (kNotFound for an unknown id); revoking a revoked token changes nothing.
  inventory::Outcome<TokenRecord> revoke(std::string_view id);
  // The token `text` names, when it is well-formed, known, not revoked and not expired.
  std::variant<TokenRecord, TokenRejection> verify(std::string_view text) const;
  int64_t now() const { return clock_.now(); }
  // Whether an admin token that is neither revoked nor expired exists.
  Result<bool> has_active_admin() const;

 private:
  sqlite::Database& db_;
  const Clock& clock_;
};

// The id of a well-formed token text ("slw_<id>_<secret>"), for messages; nullopt otherwise.
std::optional<std::string_view> token_id_of(std::string_view text);

// First start: when no active admin token exists, creates one ("admin (first start)") and
// writes its text and a newline to `path` (mode 0600, temporary file + fsync + rename), and
// logs the path (never the token). Returns whether it created one.
Result<bool> ensure_admin_token(TokenStore& store, const std::filesystem::path& path);

}  // namespace slipway::controlplane
