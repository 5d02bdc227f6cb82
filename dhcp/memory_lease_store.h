#pragma once
// MemoryLeaseStore: a LeaseStore kept in maps, for unit tests and as the cache behind the SQLite
// store. Not durable on its own.

#include <map>
#include <unordered_map>

#include "dhcp/lease.h"

namespace slipway::dhcp {

class MemoryLeaseStore : public LeaseStore {
 public:
  std::optional<Lease> find_by_ip(Ipv4 ip) const override;
  std::optional<Lease> find_by_client(const std::string& client_key) const override;
  Status commit(const Lease& lease) override;
  Status remove(Ipv4 ip) override;
  std::vector<Lease> all() const override;
  Status flush() override { return {}; }
  void clear();

 private:
  std::map<Ipv4, Lease> by_ip_;
  std::unordered_map<std::string, Ipv4> by_client_;
};

}  // namespace slipway::dhcp
