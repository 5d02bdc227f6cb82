#include "boot/agent_secrets.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "common/atomic_file.h"
#include "common/base64url.h"
#include "common/hex.h"
#include "common/log.h"
#include "common/unique_fd.h"

namespace slipway::boot {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMigrations[] = {
    R"sql(
    CREATE TABLE agent_boots (
      mac TEXT PRIMARY KEY,
      boot_id TEXT NOT NULL UNIQUE,
      issued_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    );
    )sql",
};

constexpr size_t kBootIdBytes = 16;
constexpr size_t kMacTextSize = 43;  // base64url of 32 bytes, no padding

[[noreturn]] void fail_key(const fs::path& path, const std::string& what) {
  throw std::runtime_error("agent key " + path.string() + ": " + what +
                           (errno != 0 ? std::string(": ") + std::strerror(errno) : ""));
}

bool read_key(const fs::path& path, std::array<uint8_t, 32>& key) {
  errno = 0;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return false;
    fail_key(path, "cannot open");
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail_key(path, "cannot stat");
  if ((st.st_mode & 077) != 0) {
    log::get("boot")->warn("agent key is readable by others path={} mode={:o}", path.string(),
                           st.st_mode & 0777);
  }
  uint8_t buf[33];
  ssize_t n = ::read(fd.get(), buf, sizeof buf);
  errno = 0;
  if (n != static_cast<ssize_t>(key.size())) fail_key(path, "not 32 bytes");
  std::memcpy(key.data(), buf, key.size());
  return true;
}

void create_key(const fs::path& path, std::array<uint8_t, 32>& key) {
  errno = 0;
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) fail_key(path, "no randomness");
  // Whole or absent, even across a crash.
  auto written = write_file_atomically(
      path, std::string_view(reinterpret_cast<const char*>(key.data()), key.size()), 0600);
  if (!written) throw std::runtime_error("agent key: " + written.error().message);
  log::get("boot")->info("created agent key path={}", path.string());
}

bool is_lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The boot of a row of agent_boots: mac, boot_id, issued_at, expires_at.
std::optional<AgentBoot> boot_of(const sqlite::Statement& row) {
  auto mac = MacAddress::parse(row.text(0));
  if (!mac) return std::nullopt;
  return AgentBoot{*mac, row.text(1), row.int64(2), row.int64(3)};
}

}  // namespace

AgentSecrets::AgentSecrets(sqlite::Database& db, std::filesystem::path key_file, const Clock& clock,
                           int64_t ttl_seconds)
    : db_(db), clock_(clock), ttl_seconds_(ttl_seconds) {
  if (ttl_seconds_ <= 0) throw std::invalid_argument("agent secret ttl must be positive");
  sqlite::migrate(db_, "agent_secrets", kMigrations);
  if (!read_key(key_file, key_)) create_key(key_file, key_);
}

std::string AgentSecrets::secret_of(const AgentBoot& boot) const {
  const std::string message = "slipway-agent|" + boot.mac.to_string() + "|" + boot.boot_id + "|" +
                              std::to_string(boot.expires_at);
  uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const uint8_t*>(message.data()), message.size(), mac, &size);
  return std::string(kPrefix) + boot.boot_id + "_" + base64url::encode({mac, size});
}

Result<IssuedAgentBoot> AgentSecrets::issue(const MacAddress& mac) {
  std::array<uint8_t, kBootIdBytes> id{};
  if (RAND_bytes(id.data(), static_cast<int>(id.size())) != 1) {
    return Error{"no randomness for an agent boot id"};
  }
  const int64_t now = clock_.now();
  AgentBoot boot{mac, hex::encode(id), now, now + ttl_seconds_};
  try {
    db_.prepare(
           "INSERT INTO agent_boots (mac, boot_id, issued_at, expires_at) VALUES (?, ?, ?, ?) "
           "ON CONFLICT (mac) DO UPDATE SET boot_id = excluded.boot_id, "
           "issued_at = excluded.issued_at, expires_at = excluded.expires_at")
        .bind(1, mac.to_string())
        .bind(2, boot.boot_id)
        .bind(3, boot.issued_at)
        .bind(4, boot.expires_at)
        .run();
  } catch (const sqlite::Error& e) {
    return Error{"cannot record the agent boot of " + mac.to_string() + ": " + e.what()};
  }
  ++issued_count_;
  std::string secret = secret_of(boot);
  return IssuedAgentBoot{std::move(boot), std::move(secret)};
}

Result<std::optional<IssuedAgentBoot>> AgentSecrets::current(const MacAddress& mac) const {
  try {
    auto row =
        db_.prepare("SELECT mac, boot_id, issued_at, expires_at FROM agent_boots WHERE mac = ?");
    row.bind(1, mac.to_string());
    if (!row.step()) return std::optional<IssuedAgentBoot>();
    auto boot = boot_of(row);
    if (!boot || boot->expires_at <= clock_.now()) return std::optional<IssuedAgentBoot>();
    std::string secret = secret_of(*boot);
    return std::optional<IssuedAgentBoot>(IssuedAgentBoot{std::move(*boot), std::move(secret)});
  } catch (const sqlite::Error& e) {
    return Error{"cannot read the agent boot of " + mac.to_string() + ": " + e.what()};
  }
}

Result<AgentBoot> AgentSecrets::verify(std::string_view secret) const {
  if (secret.size() != kSecretSize || !secret.starts_with(kPrefix) ||
      secret[kPrefix.size() + 2 * kBootIdBytes] != '_') {
    return Error{"malformed agent secret"};
  }
  const std::string_view id = secret.substr(kPrefix.size(), 2 * kBootIdBytes);
  if (!is_lower_hex(id)) return Error{"malformed agent secret"};
  static_assert(kSecretSize == 4 + 2 * kBootIdBytes + 1 + kMacTextSize);

  std::optional<AgentBoot> boot;
  try {
    auto row = db_.prepare(
        "SELECT mac, boot_id, issued_at, expires_at FROM agent_boots WHERE boot_id = ?");
    row.bind(1, id);
    if (row.step()) boot = boot_of(row);
  } catch (const sqlite::Error& e) {
    return Error{std::string("cannot read agent boots: ") + e.what()};
  }
  if (!boot) {
    return Error{"agent secret of an unknown or superseded boot boot_id=" + std::string(id)};
  }
  const std::string expected = secret_of(*boot);
  if (CRYPTO_memcmp(expected.data(), secret.data(), kSecretSize) != 0) {
    return Error{"agent secret does not verify mac=" + boot->mac.to_string() +
                 " boot_id=" + boot->boot_id};
  }
  if (clock_.now() >= boot->expires_at) {
    return Error{"agent secret expired mac=" + boot->mac.to_string() + " boot_id=" + boot->boot_id +
                 " expired_at=" + std::to_string(boot->expires_at)};
  }
  return std::move(*boot);
}

}  // namespace slipway::boot
