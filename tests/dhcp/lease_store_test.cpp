// One contract suite, run against every LeaseStore implementation.

#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "common/sqlite.h"
#include "dhcp/memory_lease_store.h"
#include "dhcp/sqlite_lease_store.h"
#include "tests/common/test_dir.h"

namespace slipway::dhcp {
namespace {

Lease lease(const char* ip, const char* mac, int64_t expires = 1000) {
  Lease l;
  l.ip = *Ipv4::parse(ip);
  l.mac = *MacAddress::parse(mac);
  l.client_key = "mac:" + l.mac.to_string();
  l.expires = expires;
  return l;
}

struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<LeaseStore>(const std::filesystem::path& dir)> make;
};

class LeaseStoreContract : public ::testing::TestWithParam<StoreFactory> {
 protected:
  std::unique_ptr<LeaseStore> make() { return GetParam().make(dir_.path()); }
  testutil::TestDir dir_;
};

TEST_P(LeaseStoreContract, CommitThenFindByIpAndClient) {
  auto store = make();
  Lease a = lease("198.18.0.100", "52:54:00:00:00:01");
  a.uuid = Uuid::parse("5a1e0001-0000-4000-8000-000000000001");
  a.hostname = "node1";
  ASSERT_TRUE(store->commit(a));
  EXPECT_EQ(store->find_by_ip(a.ip), a);  // visible before the flush
  ASSERT_TRUE(store->flush());
  EXPECT_EQ(store->find_by_ip(a.ip), a);
  EXPECT_EQ(store->find_by_client(a.client_key), a);
  EXPECT_FALSE(store->find_by_ip(*Ipv4::parse("198.18.0.101")));
  EXPECT_FALSE(store->find_by_client("mac:52:54:00:00:00:02"));
}

TEST_P(LeaseStoreContract, AClientHoldsOneAddress) {
  auto store = make();
  ASSERT_TRUE(store->commit(lease("198.18.0.100", "52:54:00:00:00:01")));
  ASSERT_TRUE(store->commit(lease("198.18.0.101", "52:54:00:00:00:01")));
  EXPECT_FALSE(store->find_by_ip(*Ipv4::parse("198.18.0.100")));
  EXPECT_EQ(store->find_by_client("mac:52:54:00:00:00:01")->ip.to_string(), "198.18.0.101");
  EXPECT_EQ(store->all().size(), 1u);
}

TEST_P(LeaseStoreContract, AnAddressHasOneHolder) {
  auto store = make();
  ASSERT_TRUE(store->commit(lease("198.18.0.100", "52:54:00:00:00:01")));
  ASSERT_TRUE(store->commit(lease("198.18.0.100", "52:54:00:00:00:02")));
  EXPECT_FALSE(store->find_by_client("mac:52:54:00:00:00:01"));
  EXPECT_EQ(store->find_by_ip(*Ipv4::parse("198.18.0.100"))->mac.to_string(), "52:54:00:00:00:02");
}

TEST_P(LeaseStoreContract, Remove) {
  auto store = make();
  ASSERT_TRUE(store->commit(lease("198.18.0.100", "52:54:00:00:00:01")));
  ASSERT_TRUE(store->remove(*Ipv4::parse("198.18.0.100")));
  EXPECT_TRUE(store->all().empty());
  EXPECT_FALSE(store->find_by_client("mac:52:54:00:00:00:01"));
}

TEST_P(LeaseStoreContract, CurrentLeaseIsAnUnexpiredHeldOne) {
  auto store = make();
  Ipv4 held = *Ipv4::parse("198.18.0.100");
  Ipv4 expired = *Ipv4::parse("198.18.0.101");
  Ipv4 declined = *Ipv4::parse("198.18.0.102");
  ASSERT_TRUE(store->commit(lease("198.18.0.100", "52:54:00:00:00:01", 1000)));
  ASSERT_TRUE(store->commit(lease("198.18.0.101", "52:54:00:00:00:02", 500)));
  Lease parked = lease("198.18.0.102", "52:54:00:00:00:03", 1000);
  parked.client_key = std::string(kDeclinedKeyPrefix) + "198.18.0.102";
  ASSERT_TRUE(store->commit(parked));
  EXPECT_EQ(current_lease(*store, held, 999)->mac.to_string(), "52:54:00:00:00:01");
  EXPECT_FALSE(current_lease(*store, held, 1000));  // expired at its expiry second
  EXPECT_FALSE(current_lease(*store, expired, 999));
  EXPECT_FALSE(current_lease(*store, declined, 999));
  EXPECT_FALSE(current_lease(*store, *Ipv4::parse("198.18.0.103"), 999));  // no lease at all
}

INSTANTIATE_TEST_SUITE_P(
    AllStores, LeaseStoreContract,
    ::testing::Values(StoreFactory{"memory",
                                   [](const std::filesystem::path&) -> std::unique_ptr<LeaseStore> {
                                     return std::make_unique<MemoryLeaseStore>();
                                   }},
                      StoreFactory{
                          "sqlite",
                          [](const std::filesystem::path& dir) -> std::unique_ptr<LeaseStore> {
                            // The database outlives the store for the test's duration.
                            static std::vector<std::unique_ptr<sqlite::Database>> keep;
                            keep.push_back(std::make_unique<sqlite::Database>(dir / "leases.db"));
                            return std::make_unique<SqliteLeaseStore>(*keep.back());
                          }}),
    [](const auto& info) { return info.param.name; });

TEST(SqliteLeaseStore, LeasesSurviveReopening) {
  testutil::TestDir dir;
  Lease a = lease("198.18.0.100", "52:54:00:00:00:01", 12345);
  {
    sqlite::Database db(dir / "leases.db");
    SqliteLeaseStore store(db);
    ASSERT_TRUE(store.commit(a));
    ASSERT_TRUE(store.commit(lease("198.18.0.101", "52:54:00:00:00:02")));
    ASSERT_TRUE(store.remove(*Ipv4::parse("198.18.0.101")));
    EXPECT_EQ(store.pending(), 3u);
    ASSERT_TRUE(store.flush());
    EXPECT_EQ(store.pending(), 0u);
    // Staged but never flushed: not durable.
    ASSERT_TRUE(store.commit(lease("198.18.0.102", "52:54:00:00:00:03")));
  }
  sqlite::Database db(dir / "leases.db");
  SqliteLeaseStore store(db);
  EXPECT_EQ(store.find_by_client(a.client_key), a);
  EXPECT_EQ(store.all().size(), 1u);
}

TEST(SqliteLeaseStore, AFailedFlushKeepsNothingOfTheBatch) {
  testutil::TestDir dir;
  sqlite::Database db(dir / "leases.db");
  SqliteLeaseStore store(db);
  Lease kept = lease("198.18.0.100", "52:54:00:00:00:01");
  ASSERT_TRUE(store.commit(kept));
  ASSERT_TRUE(store.flush());
  ASSERT_TRUE(store.commit(lease("198.18.0.101", "52:54:00:00:00:02")));
  db.exec("PRAGMA query_only = 1");  // every write now fails
  auto flushed = store.flush();
  ASSERT_FALSE(flushed);
  EXPECT_NE(flushed.error().message.find("lease commit failed"), std::string::npos);
  // Lookups show the durable state again, not the lease that was never written.
  EXPECT_FALSE(store.find_by_ip(*Ipv4::parse("198.18.0.101")));
  EXPECT_EQ(store.find_by_ip(kept.ip), kept);
  db.exec("PRAGMA query_only = 0");
  ASSERT_TRUE(store.commit(lease("198.18.0.102", "52:54:00:00:00:03")));
  EXPECT_TRUE(store.flush());
}

}  // namespace
}  // namespace slipway::dhcp
