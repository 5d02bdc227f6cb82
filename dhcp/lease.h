#pragma once
// Leases and the LeaseStore interface the responder works against.
//
// A lease is keyed by its address and by its client key (option 61 when the client sends one,
// else its MAC). commit() must be durable when it returns: the responder sends an ACK only after
// its lease is committed.

#include <cstdint>
#include <optional>
#include <string>
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
  // is removed in the same step. Durable on success.
  virtual Status commit(const Lease& lease) = 0;
  virtual Status remove(Ipv4 ip) = 0;
  virtual std::vector<Lease> all() const = 0;
};

}  // namespace slipway::dhcp
