#pragma once
// Leases and the LeaseStore interface the responder works against.
//
// A lease is keyed by its address and by its client key (option 61 when the client sends one,
// else its MAC). The server sends an ACK only after flush() made its lease durable.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ipv4.h"
#include "common/mac_address.h"
#include "common/result.h"
#include "common/uuid.h"

namespace slipway::dhcp {

struct Lease {
  Ipv4 ip;
  std::string client_key;  // "id:<hex of option 61>" or "mac:<mac>"
  MacAddress mac;
  std::optional<Uuid> uuid;
  std::string hostname;
  int64_t expires = 0;  // Unix seconds

  bool operator==(const Lease&) const = default;
};

class LeaseStore {
 public:
  virtual ~LeaseStore() = default;
  virtual std::optional<Lease> find_by_ip(Ipv4 ip) const = 0;
  virtual std::optional<Lease> find_by_client(const std::string& client_key) const = 0;
  // Inserts or replaces the lease for lease.ip; a lease the same client held on another address
  // is removed in the same step. Visible to lookups at once; durable after flush().
  virtual Status commit(const Lease& lease) = 0;
  virtual Status remove(Ipv4 ip) = 0;
  // Makes every commit() and remove() since the last flush() durable, in one transaction (group
  // commit). On failure nothing of them is kept, lookups show the durable state again, and the
  // caller must not send the replies that depended on them.
  virtual Status flush() = 0;
  virtual std::vector<Lease> all() const = 0;
};

// The client key of an address parked after a DHCPDECLINE: something unknown uses it, so no
// client holds it even though the lease keeps the decliner's MAC.
inline constexpr std::string_view kDeclinedKeyPrefix = "declined:";

// The lease a client holds on `ip` at `now` (Unix seconds): unexpired and not a parked address.
// Expired leases stay in the store as history and are not current.
inline std::optional<Lease> current_lease(const LeaseStore& store, Ipv4 ip, int64_t now) {
  auto lease = store.find_by_ip(ip);
  if (!lease || lease->expires <= now || lease->client_key.starts_with(kDeclinedKeyPrefix)) {
    return std::nullopt;
  }
  return lease;
}

}  // namespace slipway::dhcp
