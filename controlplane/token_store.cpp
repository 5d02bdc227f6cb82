#include "controlplane/token_store.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>

#include "common/atomic_file.h"
#include "common/base64url.h"
#include "common/hex.h"
#include "common/log.h"

namespace slipway::controlplane {
namespace {

using inventory::Refusal;

constexpr std::array<std::string_view, 1> kMigrations = {
    "CREATE TABLE tokens ("
    " id TEXT PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " role TEXT NOT NULL,"
    " hash BLOB NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " expires_at INTEGER,"
    " revoked_at INTEGER,"
    " created_by TEXT NOT NULL);",
};

constexpr std::string_view kColumns =
    "SELECT id, name, role, hash, created_at, expires_at, revoked_at, created_by FROM tokens ";

constexpr std::string_view kPrefix = "slw_";
constexpr size_t kIdBytes = 6;
constexpr size_t kSecretBytes = 32;
constexpr size_t kIdSize = kIdBytes * 2;
constexpr size_t kSecretSize = 43;  // base64url of 32 bytes, unpadded
constexpr size_t kTokenSize = kPrefix.size() + kIdSize + 1 + kSecretSize;
constexpr size_t kHashSize = 32;

Refusal storage(const sqlite::Error& e) {
  return {Refusal::Kind::kStorage, std::string("tokens: ") + e.what()};
}

std::array<uint8_t, kHashSize> sha256(std::string_view text) {
  std::array<uint8_t, kHashSize> out{};
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), out.data(), &size, EVP_sha256(), nullptr) != 1 ||
      size != kHashSize) {
    throw std::runtime_error("SHA-256 failed");  // only when OpenSSL itself is broken
  }
  return out;
}

TokenRecord read_record(const sqlite::Statement& s) {
  TokenRecord r;
  r.id = s.text(0);
  r.name = s.text(1);
  // A role this version does not know (a newer schema) gets the least power.
  r.role = http::parse_role(s.text(2)).value_or(http::Access::kViewer);
  r.created_at = s.int64(4);
  r.expires_at = s.optional_int64(5);
  r.revoked_at = s.optional_int64(6);
  r.created_by = s.text(7);
  return r;
}

bool is_lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool printable_name(std::string_view name) {
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

}  // namespace

std::string_view to_string(TokenRejection r) {
  switch (r) {
    case TokenRejection::kMalformed:
      return "malformed token";
    case TokenRejection::kUnknown:
      return "unknown token";
    case TokenRejection::kRevoked:
      return "revoked token";
    case TokenRejection::kExpired:
      return "expired token";
    case TokenRejection::kStorage:
      return "token store unavailable";
  }
  return "?";
}

std::optional<std::string_view> token_id_of(std::string_view text) {
  if (text.size() != kTokenSize || !text.starts_with(kPrefix) ||
      text[kPrefix.size() + kIdSize] != '_') {
    return std::nullopt;
  }
  std::string_view id = text.substr(kPrefix.size(), kIdSize);
  std::string_view secret = text.substr(kPrefix.size() + kIdSize + 1);
  if (!is_lower_hex(id) || !base64url::is_encoding(secret)) return std::nullopt;
  return id;
}

TokenStore::TokenStore(sqlite::Database& db, const Clock& clock) : db_(db), clock_(clock) {
  sqlite::migrate(db_, "auth", kMigrations);
}

inventory::Outcome<NewToken> TokenStore::create(std::string_view name, http::Access role,
                                                std::optional<int64_t> ttl_seconds,
                                                std::string_view created_by) {
  if (name.empty() || name.size() > kMaxTokenNameSize || !printable_name(name)) {
    return inventory::invalid("a token's name is 1 to " + std::to_string(kMaxTokenNameSize) +
                              " printable characters");
  }
  if (role != http::Access::kViewer && role != http::Access::kOperator &&
      role != http::Access::kAdmin) {
    return inventory::invalid("a token's role is viewer, operator or admin");
  }
  if (ttl_seconds && (*ttl_seconds < 1 || *ttl_seconds > kMaxTokenTtlSeconds)) {
    return inventory::invalid("a token expires 1 second to 10 years after its creation");
  }
  std::array<uint8_t, kIdBytes + kSecretBytes> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    return Refusal{Refusal::Kind::kStorage, "tokens: no random bytes from OpenSSL"};
  }
  NewToken made;
  TokenRecord& r = made.record;
  r.id = hex::encode(std::span(random).first(kIdBytes));
  r.name = std::string(name);
  r.role = role;
  r.created_at = clock_.now();
  if (ttl_seconds) r.expires_at = r.created_at + *ttl_seconds;
  r.created_by = std::string(created_by);
  made.text =
      std::string(kPrefix) + r.id + "_" + base64url::encode(std::span(random).subspan(kIdBytes));
  OPENSSL_cleanse(random.data(), random.size());
  auto hash = sha256(made.text);
  try {
    db_.prepare(
           "INSERT INTO tokens (id, name, role, hash, created_at, expires_at, revoked_at,"
           " created_by) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)")
        .bind(1, r.id)
        .bind(2, r.name)
        .bind(3, http::to_string(r.role))
        .bind(4, std::span<const uint8_t>(hash))
        .bind(5, r.created_at)
        .bind(6, r.expires_at)
        .bind(7, r.created_by)
        .run();
  } catch (const sqlite::Error& e) {
    return storage(e);
  }
  log::get("auth")->info("token created id={} name=\"{}\" role={} expires_at={} by=\"{}\"", r.id,
                         r.name, http::to_string(r.role),
                         r.expires_at ? std::to_string(*r.expires_at) : "never", r.created_by);
  return made;
}

inventory::Outcome<std::vector<TokenRecord>> TokenStore::list() const {
  try {
    std::vector<TokenRecord> out;
    auto s = db_.prepare(std::string(kColumns) + "ORDER BY created_at, id");
    while (s.step()) out.push_back(read_record(s));
    return out;
  } catch (const sqlite::Error& e) {
    return storage(e);
  }
}

inventory::Outcome<TokenRecord> TokenStore::revoke(std::string_view id) {
  try {
    db_.prepare("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
        .bind(1, clock_.now())
        .bind(2, id)
        .run();
    auto s = db_.prepare(std::string(kColumns) + "WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) {
      return Refusal{Refusal::Kind::kNotFound, "no token " + std::string(id)};
    }
    TokenRecord r = read_record(s);
    log::get("auth")->info("token revoked id={} name=\"{}\"", r.id, r.name);
    return r;
  } catch (const sqlite::Error& e) {
    return storage(e);
  }
}

std::variant<TokenRecord, TokenRejection> TokenStore::verify(std::string_view text) const {
  auto id = token_id_of(text);
  if (!id) return TokenRejection::kMalformed;
  auto hash = sha256(text);
  try {
    auto s = db_.prepare(std::string(kColumns) + "WHERE id = ?");
    s.bind(1, *id);
    if (!s.step()) return TokenRejection::kUnknown;
    std::vector<uint8_t> stored = s.blob(3);
    // A token with a known id and another secret is as unknown as any other guess.
    if (stored.size() != hash.size() || CRYPTO_memcmp(stored.data(), hash.data(), hash.size())) {
      return TokenRejection::kUnknown;
    }
    TokenRecord r = read_record(s);
    if (r.revoked_at) return TokenRejection::kRevoked;
    if (r.expires_at && *r.expires_at <= clock_.now()) return TokenRejection::kExpired;
    return r;
  } catch (const sqlite::Error& e) {
    log::get("auth")->error("cannot read tokens error=\"{}\"", e.what());
    return TokenRejection::kStorage;
  }
}

Result<bool> TokenStore::has_active_admin() const {
  try {
    auto s = db_.prepare(
        "SELECT COUNT(*) FROM tokens WHERE role = 'admin' AND revoked_at IS NULL"
        " AND (expires_at IS NULL OR expires_at > ?)");
    s.bind(1, clock_.now());
    s.step();
    return s.int64(0) > 0;
  } catch (const sqlite::Error& e) {
    return Error{std::string("tokens: ") + e.what()};
  }
}

Result<bool> ensure_admin_token(TokenStore& store, const std::filesystem::path& path) {
  auto has = store.has_active_admin();
  if (!has) return has.error();
  if (*has) return false;
  auto made =
      store.create("admin (first start)", http::Access::kAdmin, std::nullopt, "first start");
  if (!made) return Error{made.refusal().message};
  Status written = write_file_atomically(path, made->text + "\n", 0600);
  if (!written) {
    // A token nobody can read is useless and must not stay valid.
    (void)store.revoke(made->record.id);
    return Error{"cannot write the admin token: " + written.error().message};
  }
  log::get("auth")->warn(
      "no admin token existed: created one id={} in {} (readable by root only); the CLI finds "
      "it there at the default data_dir, elsewhere point SLIPWAY_TOKEN_FILE at it",
      made->record.id, path.string());
  return true;
}

}  // namespace slipway::controlplane
