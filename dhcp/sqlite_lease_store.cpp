#include "dhcp/sqlite_lease_store.h"

#include <array>
#include <string_view>

namespace slipway::dhcp {
namespace {

constexpr std::array<std::string_view, 1> kMigrations = {
    "CREATE TABLE leases ("
    " ip INTEGER PRIMARY KEY,"
    " client_key TEXT NOT NULL UNIQUE,"
    " mac TEXT NOT NULL,"
    " uuid TEXT,"
    " hostname TEXT NOT NULL DEFAULT '',"
    " expires INTEGER NOT NULL)",
};

sqlite::Database& migrated(sqlite::Database& db) {
  sqlite::migrate(db, "dhcp.leases", kMigrations);
  return db;
}

}  // namespace

SqliteLeaseStore::SqliteLeaseStore(sqlite::Database& db)
    : db_(migrated(db)),
      drop_other_(db_.prepare("DELETE FROM leases WHERE client_key = ? AND ip != ?")),
      upsert_(
          db_.prepare("INSERT OR REPLACE INTO leases(ip, client_key, mac, uuid, hostname, expires)"
                      " VALUES(?, ?, ?, ?, ?, ?)")),
      delete_(db_.prepare("DELETE FROM leases WHERE ip = ?")) {
  load();
}

void SqliteLeaseStore::load() {
  cache_.clear();
  auto q = db_.prepare("SELECT ip, client_key, mac, uuid, hostname, expires FROM leases");
  while (q.step()) {
    Lease l;
    l.ip = Ipv4(static_cast<uint32_t>(q.int64(0)));
    l.client_key = q.text(1);
    l.mac = MacAddress::parse(q.text(2)).value_or(MacAddress{});
    if (auto u = q.optional_text(3)) l.uuid = Uuid::parse(*u);
    l.hostname = q.text(4);
    l.expires = q.int64(5);
    (void)cache_.commit(l);
  }
}

Status SqliteLeaseStore::commit(const Lease& lease) {
  pending_.emplace_back(lease);
  return cache_.commit(lease);
}

Status SqliteLeaseStore::remove(Ipv4 ip) {
  pending_.emplace_back(ip);
  return cache_.remove(ip);
}

Status SqliteLeaseStore::flush() {
  if (pending_.empty()) return {};
  try {
    sqlite::Transaction tx(db_);
    for (const auto& change : pending_) {
      if (const auto* ip = std::get_if<Ipv4>(&change)) {
        delete_.bind(1, static_cast<int64_t>(ip->value()));
        delete_.run();
        continue;
      }
      const Lease& lease = std::get<Lease>(change);
      drop_other_.bind(1, lease.client_key).bind(2, static_cast<int64_t>(lease.ip.value()));
      drop_other_.run();
      upsert_.bind(1, static_cast<int64_t>(lease.ip.value()))
          .bind(2, lease.client_key)
          .bind(3, lease.mac.to_string())
          .bind(5, lease.hostname)
          .bind(6, lease.expires);
      if (lease.uuid) {
        upsert_.bind(4, lease.uuid->to_string());
      } else {
        upsert_.bind_null(4);
      }
      upsert_.run();
    }
    tx.commit();
    pending_.clear();
    return {};
  } catch (const sqlite::Error& e) {
    drop_other_.reset();
    upsert_.reset();
    delete_.reset();
    pending_.clear();
    // Lookups must not show leases that were never made durable.
    try {
      load();
    } catch (const sqlite::Error&) {
      cache_.clear();
    }
    return Error{std::string("lease commit failed: ") + e.what()};
  }
}

}  // namespace slipway::dhcp
