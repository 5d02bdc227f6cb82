#pragma once
// AgentSecrets: the per-boot secrets the runtime of one machine authenticates with.
//
// Every netboot that starts the runtime or an installer is a new "boot" of that machine: a random
// boot id, bound to the machine's MAC and an expiry time. Its secret is
//
//   sa1_<boot id, 32 hex>_<HMAC-SHA256 over "slipway-agent|<mac>|<boot id>|<expires_at>",
//                          keyed with the appliance's agent key, base64url without padding>
//
// Only the boot (MAC, id, times) is stored, in the table agent_boots; the secret is recomputed
// from it and the key file, so secrets survive a restart and the database holds nothing that
// lets anyone forge one. A machine has one boot at a time: issuing a new one supersedes the
// previous one, whose secret is refused from then on.
//
// The key (32 random bytes) is read from `key_file`, or created there (mode 0600, written to a
// temporary file, fsynced and renamed) when the file does not exist.
//
// Never log a secret: log the MAC and the boot id.
//
// Thread-safety: one thread (the io_context's), as the Database it uses.

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/mac_address.h"
#include "common/result.h"
#include "common/sqlite.h"

namespace slipway::boot {

// One boot of one machine, as a verified secret names it.
struct AgentBoot {
  MacAddress mac;
  std::string boot_id;  // 32 lowercase hex digits; not secret
  int64_t issued_at = 0;
  int64_t expires_at = 0;  // Unix seconds; the secret is refused from then on
};

struct IssuedAgentBoot {
  AgentBoot boot;
  std::string secret;
};

class AgentSecrets {
 public:
  static constexpr int64_t kDefaultTtlSeconds = 6 * 3600;  // boot.agent_secret_ttl
  static constexpr std::string_view kPrefix = "sa1_";
  static constexpr size_t kSecretSize = 4 + 32 + 1 + 43;

  // Migrates the table (sqlite::migrate component "agent_secrets") and loads or creates the key.
  // Throws std::runtime_error (key file unreadable, of the wrong size, not writable) or
  // sqlite::Error: start-up time. `db` and `clock` must outlive this object. REQUIRES:
  // ttl_seconds > 0.
  AgentSecrets(sqlite::Database& db, std::filesystem::path key_file, const Clock& clock,
               int64_t ttl_seconds = kDefaultTtlSeconds);

  // A new boot of the machine with this MAC, valid for ttl_seconds from now; supersedes its
  // previous one. An Error only when the database fails.
  Result<IssuedAgentBoot> issue(const MacAddress& mac);

  // The machine's current boot and its secret, when it has one that has not expired (what the
  // templates and the install's firstboot.env give out). An Error only when the database fails.
  Result<std::optional<IssuedAgentBoot>> current(const MacAddress& mac) const;

  // The boot `secret` belongs to. Refused (Error, a message fit for logs: it never contains the
  // secret) when it is malformed, names no current boot (unknown, or superseded by a newer boot
  // of that machine), does not verify (forged, or made with another key) or has expired.
  Result<AgentBoot> verify(std::string_view secret) const;

  // Grows with every issue(): a cached script made before another issue() carries a stale secret.
  uint64_t issued_count() const { return issued_count_; }
  int64_t ttl_seconds() const { return ttl_seconds_; }

 private:
  std::string secret_of(const AgentBoot& boot) const;

  sqlite::Database& db_;
  const Clock& clock_;
  int64_t ttl_seconds_;
  std::array<uint8_t, 32> key_{};
  uint64_t issued_count_ = 0;
};

}  // namespace slipway::boot
