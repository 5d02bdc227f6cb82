#pragma once
// SqliteLeaseStore: leases in the appliance's SQLite database, with every lease also held in
// memory so lookups never touch the disk. commit() returns after the row is committed
// (synchronous=FULL), so an ACKed lease survives kill -9 and power loss.
//
// Thread-safety: one thread (the io_context's).

#include "common/sqlite.h"
#include "dhcp/lease.h"
#include "dhcp/memory_lease_store.h"

namespace slipway::dhcp {

class SqliteLeaseStore : public LeaseStore {
 public:
  // Creates or migrates the leases table and loads every lease. Throws sqlite::Error.
  explicit SqliteLeaseStore(sqlite::Database& db);

  std::optional<Lease> find_by_ip(Ipv4 ip) const override { return cache_.find_by_ip(ip); }
  std::optional<Lease> find_by_client(const std::string& client_key) const override {
    return cache_.find_by_client(client_key);
  }
  Status commit(const Lease& lease) override;
  Status remove(Ipv4 ip) override;
  std::vector<Lease> all() const override { return cache_.all(); }

 private:
  sqlite::Database& db_;
  MemoryLeaseStore cache_;
};

}  // namespace slipway::dhcp
