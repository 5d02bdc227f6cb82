#include <gtest/gtest.h>

#include "common/sqlite.h"
#include "inventory/machine_json.h"
#include "inventory/sqlite_machine_store.h"
#include "tests/common/test_dir.h"

namespace slipway::inventory {
namespace {

Contact contact(const char* mac, const char* uuid = nullptr, Firmware fw = Firmware::kBios) {
  Contact c;
  c.mac = *MacAddress::parse(mac);
  if (uuid) c.uuid = Uuid::parse(uuid);
  c.firmware = fw;
  c.arch = Arch::kX86_64;
  c.source = "dhcp";
  return c;
}

constexpr const char* kUuidA = "5a1e0001-0000-4000-8000-00000000000a";
constexpr const char* kUuidB = "5a1e0001-0000-4000-8000-00000000000b";

class MachineStoreTest : public ::testing::Test {
 protected:
  MachineStoreTest() : db_(dir_ / "inv.db"), store_(db_, clock_) {}
  testutil::TestDir dir_;
  ManualClock clock_;
  sqlite::Database db_;
  SqliteMachineStore store_;
};

TEST_F(MachineStoreTest, FirstContactCreatesADiscoveredMachine) {
  auto m = store_.record_contact(contact("52:54:00:00:00:01", kUuidA, Firmware::kUefi));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->name, "m-525400000001");
  EXPECT_EQ(m->state, MachineState::kDiscovered);
  EXPECT_EQ(m->uuid->to_string(), kUuidA);
  EXPECT_EQ(m->firmware, Firmware::kUefi);
  EXPECT_EQ(m->first_seen, clock_.now());
  ASSERT_EQ(m->interfaces.size(), 1u);
  EXPECT_EQ(m->interfaces[0].mac.to_string(), "52:54:00:00:00:01");
  auto events = store_.events(m->id, 10);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, "machine.discovered");
  EXPECT_EQ(events[0].kind, "interface.added");
}

TEST_F(MachineStoreTest, SameMachineSeenAgainIsTheSameRecord) {
  auto first = store_.record_contact(contact("52:54:00:00:00:01", kUuidA));
  clock_.advance(30);
  auto again = store_.record_contact(contact("52:54:00:00:00:01", kUuidA));
  ASSERT_TRUE(first && again);
  EXPECT_EQ(first->id, again->id);
  EXPECT_EQ(again->last_seen, first->first_seen + 30);
  EXPECT_EQ(again->first_seen, first->first_seen);
  EXPECT_EQ(store_.list().size(), 1u);
}

TEST_F(MachineStoreTest, SecondNicWithTheSameUuidJoinsTheMachine) {
  auto a = store_.record_contact(contact("52:54:00:00:00:01", kUuidA));
  auto b = store_.record_contact(contact("52:54:00:00:00:02", kUuidA));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->id, b->id);
  EXPECT_EQ(b->interfaces.size(), 2u);
  EXPECT_EQ(store_.find_by_mac(*MacAddress::parse("52:54:00:00:00:02"))->id, a->id);
}

TEST_F(MachineStoreTest, MacOnlyMachineTakesTheUuidWhenItShowsOne) {
  auto a = store_.record_contact(contact("52:54:00:00:00:01"));
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->uuid);
  auto b = store_.record_contact(contact("52:54:00:00:00:01", kUuidA));
  ASSERT_TRUE(b);
  EXPECT_EQ(a->id, b->id);
  EXPECT_EQ(b->uuid->to_string(), kUuidA);
  EXPECT_EQ(store_.find_by_uuid(*Uuid::parse(kUuidA))->id, a->id);
}

TEST_F(MachineStoreTest, SameMacWithAnotherUuidIsAnotherMachine) {
  auto a = store_.record_contact(contact("52:54:00:00:00:01", kUuidA));
  auto b = store_.record_contact(contact("52:54:00:00:00:01", kUuidB));
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->id, b->id);
  EXPECT_EQ(b->name, "m-525400000001-2");  // names stay unique
  // The NIC moved: the old machine no longer lists it.
  auto old = store_.find_by_uuid(*Uuid::parse(kUuidA));
  EXPECT_TRUE(old->interfaces.empty());
  EXPECT_EQ(store_.find_by_mac(*MacAddress::parse("52:54:00:00:00:01"))->id, b->id);
}

TEST_F(MachineStoreTest, UnknownFirmwareDoesNotOverwriteKnown) {
  ASSERT_TRUE(store_.record_contact(contact("52:54:00:00:00:01", kUuidA, Firmware::kUefi)));
  Contact script = contact("52:54:00:00:00:01", kUuidA, Firmware::kUnknown);
  script.arch = Arch::kUnknown;
  auto m = store_.record_contact(script);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->firmware, Firmware::kUefi);
  EXPECT_EQ(m->arch, Arch::kX86_64);
}

TEST_F(MachineStoreTest, AgentEventIsRecordedWithTimeAndAddress) {
  ASSERT_TRUE(store_.record_contact(contact("52:54:00:00:00:01", kUuidA)));
  clock_.advance(42);
  Contact agent = contact("52:54:00:00:00:01", kUuidA, Firmware::kUnknown);
  agent.ip = Ipv4::parse("198.18.0.100");
  agent.source = "agent";
  auto m = store_.record_agent_event(agent, "booted");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->agent_event, "booted");
  EXPECT_EQ(m->agent_reported_at, clock_.now());
  EXPECT_EQ(m->interfaces[0].last_ip->to_string(), "198.18.0.100");
  EXPECT_EQ(store_.events(m->id, 1)[0].kind, "agent.booted");
}

TEST_F(MachineStoreTest, RecordsSurviveReopening) {
  ASSERT_TRUE(store_.record_contact(contact("52:54:00:00:00:01", kUuidA)));
  sqlite::Database reopened(dir_ / "inv.db");
  SqliteMachineStore store(reopened, clock_);
  auto all = store.list();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].uuid->to_string(), kUuidA);
}

TEST_F(MachineStoreTest, JsonHasTheFieldsTheCliReads) {
  auto m = store_.record_contact(contact("52:54:00:00:00:01", kUuidA));
  ASSERT_TRUE(m);
  auto j = to_json(*m);
  EXPECT_EQ(j["name"], "m-525400000001");
  EXPECT_EQ(j["uuid"], kUuidA);
  EXPECT_EQ(j["state"], "discovered");
  EXPECT_EQ(j["firmware"], "bios");
  EXPECT_TRUE(j["agent_reported_at"].is_null());
  EXPECT_EQ(j["interfaces"][0]["mac"], "52:54:00:00:00:01");
}

}  // namespace
}  // namespace slipway::inventory
