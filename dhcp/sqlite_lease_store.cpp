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

}  // namespace

SqliteLeaseStore::SqliteLeaseStore(sqlite::Database& db) : db_(db) {
  sqlite::migrate(db_, "dhcp.leases", kMigrations);
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
  try {
    sqlite::Transaction tx(db_);
    auto drop = db_.prepare("DELETE FROM leases WHERE client_key = ? AND ip != ?");
    drop.bind(1, lease.client_key).bind(2, static_cast<int64_t>(lease.ip.value()));
    drop.run();
    auto up = db_.prepare(
        "INSERT OR REPLACE INTO leases(ip, client_key, mac, uuid, hostname, expires)"
        " VALUES(?, ?, ?, ?, ?, ?)");
    up.bind(1, static_cast<int64_t>(lease.ip.value()))
        .bind(2, lease.client_key)
        .bind(3, lease.mac.to_string())
        .bind(5, lease.hostname)
        .bind(6, lease.expires);
    if (lease.uuid) {
      up.bind(4, lease.uuid->to_string());
    } else {
      up.bind_null(4);
    }
    up.run();
    tx.commit();
  } catch (const sqlite::Error& e) {
    return Error{std::string("lease commit failed: ") + e.what()};
  }
  return cache_.commit(lease);
}

Status SqliteLeaseStore::remove(Ipv4 ip) {
  try {
    auto del = db_.prepare("DELETE FROM leases WHERE ip = ?");
    del.bind(1, static_cast<int64_t>(ip.value()));
    del.run();
  } catch (const sqlite::Error& e) {
    return Error{std::string("lease removal failed: ") + e.what()};
  }
  return cache_.remove(ip);
}

}  // namespace slipway::dhcp
