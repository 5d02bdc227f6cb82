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
  EXPECT_EQ(store_.events(m->id, 2)[1].kind, "agent.booted");
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
  EXPECT_EQ(j["awaiting_approval"], false);
  EXPECT_TRUE(j["labels"].is_object());
}

}  // namespace
}  // namespace slipway::inventory

namespace slipway::inventory {
namespace {

constexpr const char* kMac1 = "52:54:00:00:00:01";
constexpr const char* kMac2 = "52:54:00:00:00:02";

// A machine in `state`, reached through legal moves only.
Machine machine_in(SqliteMachineStore& store, const char* mac, const char* uuid,
                   MachineState state) {
  auto m = store.record_contact(contact(mac, uuid));
  EXPECT_TRUE(m);
  std::string name = m->name;
  auto go = [&](MachineState to) {
    auto r = store.transition(name, to, "", "test");
    EXPECT_TRUE(r) << r.refusal().message;
  };
  if (state == MachineState::kDiscovered) return *store.find(name);
  go(MachineState::kInspecting);
  if (state == MachineState::kInspecting) return *store.find(name);
  if (state == MachineState::kRetired) {
    go(MachineState::kRetired);
    return *store.find(name);
  }
  EXPECT_TRUE(store.finish_inspection(name, EnrollmentPolicy::kAuto, "test"));
  if (state == MachineState::kReady) return *store.find(name);
  if (state == MachineState::kSnapshotting || state == MachineState::kRestoring) {
    go(state);
    return *store.find(name);
  }
  go(MachineState::kInstalling);
  if (state == MachineState::kInstalling) return *store.find(name);
  go(MachineState::kDeployed);
  return *store.find(name);
}

constexpr MachineState kAllStates[] = {MachineState::kDiscovered,   MachineState::kInspecting,
                                       MachineState::kReady,        MachineState::kInstalling,
                                       MachineState::kDeployed,     MachineState::kRetired,
                                       MachineState::kSnapshotting, MachineState::kRestoring};

TEST_F(MachineStoreTest, EveryLegalTransitionIsMadeAndRecorded) {
  int n = 0;
  for (const auto& t : transitions()) {
    if (t.gate != Gate::kAnyone) continue;
    std::string mac = "52:54:00:00:01:" + std::string(n < 10 ? "0" : "") + std::to_string(n);
    ++n;
    Machine m = machine_in(store_, mac.c_str(), nullptr, t.from);
    ASSERT_EQ(m.state, t.from);
    clock_.advance(5);
    auto moved = store_.transition(m.name, t.to, "because", "operator");
    ASSERT_TRUE(moved) << moved.refusal().message;
    EXPECT_EQ(moved->state, t.to);
    auto e = store_.events(m.id, 1).at(0);
    EXPECT_EQ(e.kind, "machine.state");
    EXPECT_EQ(e.time, clock_.now());
    auto detail = nlohmann::json::parse(e.detail);
    EXPECT_EQ(detail["from"], to_string(t.from));
    EXPECT_EQ(detail["to"], to_string(t.to));
    EXPECT_EQ(detail["reason"], "because");
    EXPECT_EQ(detail["actor"], "operator");
  }
}

TEST_F(MachineStoreTest, IllegalTransitionsAreRefusedAndChangeNothing) {
  int n = 0;
  for (MachineState from : kAllStates) {
    std::string mac = "52:54:00:00:02:0" + std::to_string(n++);
    Machine m = machine_in(store_, mac.c_str(), nullptr, from);
    for (MachineState to : kAllStates) {
      if (find_transition(from, to)) continue;
      size_t events_before = store_.events(m.id, 1000).size();
      auto r = store_.transition(m.name, to, "", "operator");
      ASSERT_FALSE(r) << to_string(from) << " -> " << to_string(to);
      EXPECT_EQ(r.refusal().kind, Refusal::Kind::kConflict);
      EXPECT_EQ(r.refusal().message, illegal_transition_message(m.name, from, to));
      EXPECT_EQ(store_.find(m.name)->state, from);
      EXPECT_EQ(store_.events(m.id, 1000).size(), events_before);
    }
  }
}

TEST_F(MachineStoreTest, IllegalMessageNamesMachineStatesAndAllowedMoves) {
  auto m = store_.record_contact(contact(kMac1));
  auto r = store_.transition(m->name, MachineState::kDeployed, "", "operator");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.refusal().message,
            "machine m-525400000001 is discovered; it cannot become deployed (allowed from "
            "discovered: inspecting, retired)");
}

TEST_F(MachineStoreTest, ReadyOnlyThroughEnrollment) {
  Machine m = machine_in(store_, kMac1, nullptr, MachineState::kInspecting);
  auto r = store_.transition(m.name, MachineState::kReady, "", "operator");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.refusal().kind, Refusal::Kind::kConflict);
  EXPECT_NE(r.refusal().message.find("slipway machines approve m-525400000001"), std::string::npos);
}

TEST_F(MachineStoreTest, AutoPolicyMakesAnInspectedMachineReady) {
  Machine m = machine_in(store_, kMac1, nullptr, MachineState::kInspecting);
  auto r = store_.finish_inspection(m.name, EnrollmentPolicy::kAuto, "agent");
  ASSERT_TRUE(r) << r.refusal().message;
  EXPECT_EQ(r->state, MachineState::kReady);
  auto detail = nlohmann::json::parse(store_.events(m.id, 1)[0].detail);
  EXPECT_EQ(detail["actor"], "agent");
}

TEST_F(MachineStoreTest, ApprovePolicyWaitsForTheOperator) {
  Machine m = machine_in(store_, kMac1, nullptr, MachineState::kInspecting);
  auto early = store_.approve(m.name, "operator");
  ASSERT_FALSE(early);  // inspection not finished yet
  EXPECT_EQ(early.refusal().kind, Refusal::Kind::kConflict);

  auto waiting = store_.finish_inspection(m.name, EnrollmentPolicy::kApprove, "agent");
  ASSERT_TRUE(waiting);
  EXPECT_EQ(waiting->state, MachineState::kInspecting);
  EXPECT_TRUE(waiting->awaiting_approval);
  EXPECT_EQ(store_.events(m.id, 1)[0].kind, "machine.awaiting_approval");

  auto approved = store_.approve(m.name, "operator");
  ASSERT_TRUE(approved) << approved.refusal().message;
  EXPECT_EQ(approved->state, MachineState::kReady);
  EXPECT_FALSE(approved->awaiting_approval);
  auto detail = nlohmann::json::parse(store_.events(m.id, 1)[0].detail);
  EXPECT_EQ(detail["reason"], "approved");
  EXPECT_EQ(detail["actor"], "operator");

  auto again = store_.approve(m.name, "operator");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.refusal().message, "machine m-525400000001 is already ready");
}

TEST_F(MachineStoreTest, ApprovingADiscoveredMachineIsRefused) {
  auto m = store_.record_contact(contact(kMac1));
  auto r = store_.approve(m->name, "operator");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.refusal().message,
            illegal_transition_message(m->name, MachineState::kDiscovered, MachineState::kReady));
  EXPECT_FALSE(store_.finish_inspection(m->name, EnrollmentPolicy::kAuto, "agent"));
}

TEST_F(MachineStoreTest, AgentBootMovesADiscoveredMachineToInspecting) {
  ASSERT_TRUE(store_.record_contact(contact(kMac1, kUuidA)));
  Contact agent = contact(kMac1, kUuidA, Firmware::kUnknown);
  agent.source = "agent";
  auto m = store_.record_agent_event(agent, "booted");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->state, MachineState::kInspecting);
  auto e = store_.events(m->id, 2);
  EXPECT_EQ(e[0].kind, "machine.state");
  EXPECT_EQ(nlohmann::json::parse(e[0].detail)["actor"], "agent");
  EXPECT_EQ(e[1].kind, "agent.booted");
  // Booting again while inspecting changes nothing.
  auto again = store_.record_agent_event(agent, "booted");
  EXPECT_EQ(again->state, MachineState::kInspecting);
  EXPECT_EQ(store_.events(m->id, 1)[0].kind, "agent.booted");
}

TEST_F(MachineStoreTest, UnknownMachineIsNotFoundWithItsName) {
  auto r = store_.transition("nosuch", MachineState::kRetired, "", "operator");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.refusal().kind, Refusal::Kind::kNotFound);
  EXPECT_NE(r.refusal().message.find("'nosuch'"), std::string::npos);
  for (auto refused : {store_.approve("nosuch", "o"), store_.rename("nosuch", "x", "o"),
                       store_.label("nosuch", {{"a", "b"}}, {}, "o"), store_.forget("nosuch", "o"),
                       store_.finish_inspection("nosuch", EnrollmentPolicy::kAuto, "o")}) {
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.refusal().kind, Refusal::Kind::kNotFound);
  }
}

TEST_F(MachineStoreTest, FindsByNameMacOrUuid) {
  auto m = store_.record_contact(contact(kMac1, kUuidA));
  EXPECT_EQ(store_.find("m-525400000001")->id, m->id);
  EXPECT_EQ(store_.find(kMac1)->id, m->id);
  EXPECT_EQ(store_.find("52-54-00-00-00-01")->id, m->id);
  EXPECT_EQ(store_.find(kUuidA)->id, m->id);
  EXPECT_FALSE(store_.find(kMac2));
  EXPECT_FALSE(store_.find("web1"));
}

TEST_F(MachineStoreTest, PlaceholderUuidsAreNotIdentities) {
  // Two machines whose firmware reports the same placeholder stay two machines, keyed by MAC.
  for (const char* placeholder :
       {"00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "03000200-0400-0500-0006-000700080009"}) {
    SCOPED_TRACE(placeholder);
    sqlite::Database db(dir_ / (std::string(placeholder) + ".db"));
    SqliteMachineStore store(db, clock_);
    auto a = store.record_contact(contact(kMac1, placeholder));
    auto b = store.record_contact(contact(kMac2, placeholder));
    ASSERT_TRUE(a && b);
    EXPECT_NE(a->id, b->id);
    EXPECT_FALSE(a->uuid);
    EXPECT_FALSE(b->uuid);
    EXPECT_FALSE(store.find_by_uuid(*Uuid::parse(placeholder)));
  }
}

TEST_F(MachineStoreTest, NicSwapWithTheSameUuidIsTheSameMachine) {
  auto before = store_.record_contact(contact(kMac1, kUuidA));
  // The old NIC is gone; a new one boots with the same board UUID.
  auto after = store_.record_contact(contact(kMac2, kUuidA));
  ASSERT_TRUE(before && after);
  EXPECT_EQ(before->id, after->id);
  EXPECT_EQ(after->name, before->name);
  EXPECT_EQ(store_.list().size(), 1u);
  EXPECT_EQ(store_.find(kMac2)->id, before->id);
}

TEST_F(MachineStoreTest, MotherboardSwapIsMergedIntoTheOldRecord) {
  Machine old = machine_in(store_, kMac1, kUuidA, MachineState::kDeployed);
  ASSERT_TRUE(store_.rename(old.name, "db1", "operator"));
  ASSERT_TRUE(store_.label("db1", {{"rack", "r1"}}, {}, "operator"));
  // New board: new UUID, and a new NIC too.
  clock_.advance(100);
  auto fresh = store_.record_contact(contact(kMac2, kUuidB));
  ASSERT_TRUE(fresh);
  ASSERT_TRUE(store_.label(fresh->name, {{"rack", "r9"}, {"new", "yes"}}, {}, "operator"));
  ASSERT_NE(fresh->id, old.id);

  auto merged = store_.merge(fresh->name, "db1", "operator");
  ASSERT_TRUE(merged) << merged.refusal().message;
  EXPECT_EQ(merged->id, old.id);
  EXPECT_EQ(merged->name, "db1");
  EXPECT_EQ(merged->state, MachineState::kDeployed);
  EXPECT_EQ(merged->uuid->to_string(), kUuidB);
  EXPECT_EQ(merged->labels.at("rack"), "r1");  // the old labels win
  EXPECT_EQ(merged->labels.at("new"), "yes");
  EXPECT_EQ(merged->interfaces.size(), 2u);
  EXPECT_EQ(merged->last_seen, clock_.now());
  EXPECT_EQ(store_.list().size(), 1u);
  EXPECT_FALSE(store_.find(fresh->name));
  // The new record's history moved with it; the next contact finds the old record.
  bool moved_discovery = false;
  for (const auto& e : store_.events(old.id, 100)) {
    if (e.kind == "machine.discovered" && e.detail.find(kMac2) != std::string::npos) {
      moved_discovery = true;
    }
  }
  EXPECT_TRUE(moved_discovery);
  EXPECT_EQ(store_.events(old.id, 1)[0].kind, "machine.merged");
  EXPECT_EQ(store_.record_contact(contact(kMac2, kUuidB))->id, old.id);
  EXPECT_EQ(store_.name_for(*MacAddress::parse(kMac2), std::nullopt), "db1");
}

TEST_F(MachineStoreTest, MergeRefusals) {
  auto a = store_.record_contact(contact(kMac1, kUuidA));
  auto r = store_.merge("nosuch", a->name, "operator");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.refusal().kind, Refusal::Kind::kNotFound);
  EXPECT_NE(r.refusal().message.find("nosuch"), std::string::npos);
  r = store_.merge(a->name, "other", "operator");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.refusal().kind, Refusal::Kind::kNotFound);
  EXPECT_NE(r.refusal().message.find("other"), std::string::npos);
  r = store_.merge(a->name, kMac1, "operator");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.refusal().kind, Refusal::Kind::kInvalid);
  EXPECT_NE(r.refusal().message.find("same machine"), std::string::npos);

  Machine installing = machine_in(store_, kMac2, kUuidB, MachineState::kInstalling);
  r = store_.merge(installing.name, a->name, "operator");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.refusal().kind, Refusal::Kind::kConflict);
  EXPECT_EQ(store_.list().size(), 2u);
}

TEST_F(MachineStoreTest, RenameKeepsNamesUniqueAndValid) {
  auto a = store_.record_contact(contact(kMac1));
  auto b = store_.record_contact(contact(kMac2));
  auto r = store_.rename(a->name, "web1", "operator");
  ASSERT_TRUE(r) << r.refusal().message;
  EXPECT_EQ(r->name, "web1");
  EXPECT_EQ(store_.name_for(*MacAddress::parse(kMac1), std::nullopt), "web1");
  auto e = nlohmann::json::parse(store_.events(a->id, 1)[0].detail);
  EXPECT_EQ(e["from"], "m-525400000001");
  EXPECT_EQ(e["to"], "web1");

  auto taken = store_.rename(b->name, "web1", "operator");
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.refusal().kind, Refusal::Kind::kConflict);
  EXPECT_NE(taken.refusal().message.find("web1"), std::string::npos);
  auto bad = store_.rename(b->name, "Web_1", "operator");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.refusal().kind, Refusal::Kind::kInvalid);
  EXPECT_TRUE(store_.rename("web1", "web1", "operator"));  // no change, no refusal
  EXPECT_EQ(store_.find(kMac2)->name, "m-525400000002");
}

TEST_F(MachineStoreTest, LabelsAreSetRemovedAndFiltered) {
  auto a = store_.record_contact(contact(kMac1));
  auto b = store_.record_contact(contact(kMac2));
  auto r = store_.label(a->name, {{"rack", "r1"}, {"role", "db"}}, {}, "operator");
  ASSERT_TRUE(r) << r.refusal().message;
  EXPECT_EQ(r->labels.size(), 2u);
  ASSERT_TRUE(store_.label(b->name, {{"rack", "r2"}}, {}, "operator"));
  r = store_.label(a->name, {{"rack", "r3"}}, {"role", "absent"}, "operator");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->labels, (std::map<std::string, std::string>{{"rack", "r3"}}));
  EXPECT_EQ(store_.events(a->id, 1)[0].kind, "machine.labelled");

  auto bad = store_.label(a->name, {{"ra ck", "x"}}, {}, "operator");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.refusal().kind, Refusal::Kind::kInvalid);
  EXPECT_FALSE(store_.label(a->name, {{"rack", "x"}}, {"rack"}, "operator"));

  MachineFilter by_label;
  by_label.labels["rack"] = "r2";
  auto found = store_.list(by_label);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].id, b->id);
  by_label.labels["rack"] = std::nullopt;
  EXPECT_EQ(store_.list(by_label).size(), 2u);
  ASSERT_TRUE(store_.transition(b->name, MachineState::kRetired, "", "operator"));
  MachineFilter by_state;
  by_state.state = MachineState::kRetired;
  ASSERT_EQ(store_.list(by_state).size(), 1u);
  by_state.labels["rack"] = "r3";
  EXPECT_TRUE(store_.list(by_state).empty());
}

TEST_F(MachineStoreTest, ForgetDeletesInventoryDataOnly) {
  auto a = store_.record_contact(contact(kMac1, kUuidA));
  ASSERT_TRUE(store_.label(a->name, {{"rack", "r1"}}, {}, "operator"));
  auto r = store_.forget(a->name, "operator");
  ASSERT_TRUE(r) << r.refusal().message;
  EXPECT_EQ(r->name, a->name);
  EXPECT_TRUE(store_.list().empty());
  EXPECT_FALSE(store_.find(kMac1));
  EXPECT_FALSE(store_.name_for(*MacAddress::parse(kMac1), *Uuid::parse(kUuidA)));
  auto last = store_.events(std::nullopt, 1)[0];
  EXPECT_EQ(last.kind, "machine.forgotten");
  EXPECT_FALSE(last.machine_id);
  // Seen again, it is a new machine.
  auto again = store_.record_contact(contact(kMac1, kUuidA));
  EXPECT_TRUE(again->labels.empty());
  EXPECT_EQ(again->state, MachineState::kDiscovered);
  EXPECT_EQ(store_.events(again->id, 100).size(), 2u);  // the old history stays detached
}

TEST_F(MachineStoreTest, ForgetIsRefusedWhileInstalling) {
  Machine m = machine_in(store_, kMac1, nullptr, MachineState::kInstalling);
  auto r = store_.forget(m.name, "operator");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.refusal().kind, Refusal::Kind::kConflict);
  EXPECT_EQ(r.refusal().message,
            "machine m-525400000001 is installing; it cannot be forgotten until the install ends");
  EXPECT_TRUE(store_.find(m.name));
}

TEST_F(MachineStoreTest, StatesLabelsAndApprovalSurviveReopening) {
  Machine m = machine_in(store_, kMac1, kUuidA, MachineState::kInspecting);
  ASSERT_TRUE(store_.finish_inspection(m.name, EnrollmentPolicy::kApprove, "agent"));
  ASSERT_TRUE(store_.rename(m.name, "web1", "operator"));
  ASSERT_TRUE(store_.label("web1", {{"rack", "r1"}}, {}, "operator"));
  Machine d = machine_in(store_, kMac2, kUuidB, MachineState::kDeployed);

  sqlite::Database reopened(dir_ / "inv.db");
  SqliteMachineStore store(reopened, clock_);
  auto web = store.find("web1");
  ASSERT_TRUE(web);
  EXPECT_EQ(web->state, MachineState::kInspecting);
  EXPECT_TRUE(web->awaiting_approval);
  EXPECT_EQ(web->labels.at("rack"), "r1");
  EXPECT_EQ(store.find(d.name)->state, MachineState::kDeployed);
  EXPECT_EQ(store.name_for(*MacAddress::parse(kMac1), std::nullopt), "web1");
  EXPECT_EQ(store.events(web->id, 1000).size(), store_.events(web->id, 1000).size());
  auto approved = store.approve("web1", "operator");
  ASSERT_TRUE(approved) << approved.refusal().message;
  EXPECT_EQ(approved->state, MachineState::kReady);
}

}  // namespace
}  // namespace slipway::inventory

namespace slipway::inventory {
namespace {

// Lists of more than a few machines read labels and interfaces in one pass per table: each must
// still land on its own machine.
TEST_F(MachineStoreTest, ALongListKeepsEveryMachinesOwnInterfacesAndLabels) {
  for (int n = 1; n <= 7; ++n) {
    std::string uuid = "5a1e0001-0000-4000-8000-00000000010" + std::to_string(n);
    std::string mac = "52:54:00:00:01:0" + std::to_string(n);
    std::string mac2 = "52:54:00:00:02:0" + std::to_string(n);
    auto m = store_.record_contact(contact(mac.c_str(), uuid.c_str()));
    ASSERT_TRUE(m);
    ASSERT_TRUE(store_.record_contact(contact(mac2.c_str(), uuid.c_str())));
    ASSERT_TRUE(store_.label(m->name, {{"n", std::to_string(n)}}, {}, "test"));
  }
  auto all = store_.list();
  ASSERT_EQ(all.size(), 7u);
  for (const auto& m : all) {
    ASSERT_EQ(m.interfaces.size(), 2u) << m.name;
    std::string n = m.labels.at("n");
    EXPECT_EQ(m.interfaces[0].mac.to_string(), "52:54:00:00:01:0" + n);
    EXPECT_EQ(m.interfaces[1].mac.to_string(), "52:54:00:00:02:0" + n);
    EXPECT_EQ(m.labels.size(), 1u);
  }
}

}  // namespace
}  // namespace slipway::inventory
