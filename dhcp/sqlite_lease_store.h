#pragma once
// SqliteLeaseStore: leases in the appliance's SQLite database, with every lease also held in
// memory so lookups never touch the disk. commit() and remove() are staged; flush() writes all
// staged changes in one transaction (group commit, WAL, synchronous=FULL), so an ACKed lease
// survives kill -9 and power loss while one fsync serves a whole batch of clients.
//
// Thread-safety: one thread (the io_context's).

#include <variant>
#include <vector>

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
  Status flush() override;

  size_t pending() const { return pending_.size(); }

 private:
  void load();

  sqlite::Database& db_;
  MemoryLeaseStore cache_;
  std::vector<std::variant<Lease, Ipv4>> pending_;  // a Lease to write, or an address to delete
  sqlite::Statement drop_other_;
  sqlite::Statement upsert_;
  sqlite::Statement delete_;
};

}  // namespace slipway::dhcp
