// SqliteMachineStore::record_agent_report: facts kept, NICs attached, rules and policy applied.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/sqlite.h"
#include "inventory/sqlite_machine_store.h"
#include "tests/common/test_dir.h"

namespace slipway::inventory {
namespace {

constexpr const char* kUuid = "5a1e0001-0000-4000-8000-0000000000c1";
constexpr const char* kBootMac = "52:54:00:e5:00:01";
constexpr const char* kSecondMac = "52:54:00:e5:00:02";

MacAddress mac(const char* text) { return *MacAddress::parse(text); }

Inspection qemu_inspection() {
  Inspection in;
  in.boot_mac = mac(kBootMac);
  in.summary = FactsSummary{
      "QEMU", "Standard PC (i440FX + PIIX, 1996)", "", 2, 500u << 20, 3ull << 30, 1, 0};
  in.facts_json = R"({"cpu":{"threads":2},"memory":{"total_bytes":524288000}})";
  in.nic_macs = {mac(kBootMac), mac(kSecondMac)};
  return in;
}

EnrollmentConfig lab_rules(EnrollmentPolicy policy) {
  EnrollmentConfig c;
  c.policy = policy;
  EnrollmentRule named;
  named.mac_prefix = {0x52, 0x54, 0x00, 0xe5};
  named.name_template = "lab-{mac6}";
  named.labels = {{"rack", "lab"}};
  EnrollmentRule vm;
  vm.vendor_glob = "qemu";
  vm.labels = {{"kind", "vm"}, {"rack", "other"}};
  c.rules = {named, vm};
  return c;
}

class InspectionTest : public ::testing::Test {
 protected:
  InspectionTest() : db_(dir_ / "inv.db"), store_(db_, clock_) {}

  // The agent booted: discovered -> inspecting, as the API does before recording facts.
  Machine booted(const char* boot_mac = kBootMac, const char* uuid = kUuid) {
    Contact c;
    c.mac = mac(boot_mac);
    c.uuid = Uuid::parse(uuid);
    c.source = "agent";
    auto m = store_.record_agent_event(c, "booted");
    EXPECT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->state, MachineState::kInspecting);
    return *m;
  }

  // A report with facts from the machine booted from `in.boot_mac`.
  Result<Machine> report(const Inspection& in, const EnrollmentConfig& enrollment,
                         const char* uuid = kUuid) {
    Contact c;
    c.mac = in.boot_mac;
    c.uuid = Uuid::parse(uuid);
    c.source = "agent";
    return store_.record_agent_report(c, "booted", in, enrollment);
  }

  std::vector<std::string> kinds(int64_t id) {
    std::vector<std::string> out;
    for (const auto& e : store_.events(id, 100)) out.push_back(e.kind);
    return out;
  }

  testutil::TestDir dir_;
  ManualClock clock_;
  sqlite::Database db_;
  SqliteMachineStore store_;
};

TEST_F(InspectionTest, AutoPolicyNamesLabelsStoresFactsAndMakesReady) {
  Machine m = booted();
  clock_.advance(5);
  auto r = report(qemu_inspection(), lab_rules(EnrollmentPolicy::kAuto));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->name, "lab-e50001");
  EXPECT_EQ(r->state, MachineState::kReady);
  EXPECT_FALSE(r->awaiting_approval);
  // The first rule's rack wins over the later rule's; the later rule adds kind.
  EXPECT_EQ(r->labels, (std::map<std::string, std::string>{{"kind", "vm"}, {"rack", "other"}}));
  ASSERT_TRUE(r->facts);
  EXPECT_EQ(r->facts->vendor, "QEMU");
  EXPECT_EQ(r->facts->cpu_threads, 2u);
  EXPECT_EQ(r->facts->memory_bytes, 500u << 20);
  EXPECT_EQ(r->facts->disk_bytes, 3ull << 30);
  EXPECT_EQ(r->facts->inspected_at, clock_.now());
  // The second NIC is the same machine.
  ASSERT_EQ(r->interfaces.size(), 2u);
  EXPECT_EQ(r->interfaces[1].mac.to_string(), kSecondMac);
  EXPECT_EQ(store_.list().size(), 1u);
  EXPECT_EQ(store_.find(kSecondMac)->id, m.id);
  EXPECT_EQ(store_.name_for(mac(kSecondMac), std::nullopt), "lab-e50001");
  EXPECT_EQ(store_.facts_json(m.id), qemu_inspection().facts_json);
  auto k = kinds(m.id);
  for (const char* kind : {"machine.inspected", "machine.enrolled", "machine.state"}) {
    EXPECT_NE(std::find(k.begin(), k.end(), kind), k.end()) << kind;
  }
  auto enrolled = store_.events(m.id, 2)[1];
  ASSERT_EQ(enrolled.kind, "machine.enrolled");
  auto detail = nlohmann::json::parse(enrolled.detail);
  EXPECT_EQ(detail["name"]["to"], "lab-e50001");
  EXPECT_EQ(detail["rules"], nlohmann::json({0, 1}));
}

TEST_F(InspectionTest, ApprovePolicyWaitsThenApproveMakesReady) {
  booted();
  auto r = report(qemu_inspection(), lab_rules(EnrollmentPolicy::kApprove));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->state, MachineState::kInspecting);
  EXPECT_TRUE(r->awaiting_approval);
  EXPECT_EQ(r->name, "lab-e50001");
  // A second report while waiting updates facts, changes nothing else.
  Inspection again = qemu_inspection();
  again.summary.cpu_threads = 4;
  auto second = report(again, lab_rules(EnrollmentPolicy::kAuto));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->state, MachineState::kInspecting);
  EXPECT_TRUE(second->awaiting_approval);
  EXPECT_EQ(second->facts->cpu_threads, 4u);
  auto ready = store_.approve("lab-e50001", "operator");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->state, MachineState::kReady);
}

TEST_F(InspectionTest, ATakenNameGetsASuffixAndOperatorNamesAreKept) {
  booted();
  ASSERT_TRUE(report(qemu_inspection(), lab_rules(EnrollmentPolicy::kAuto)));
  // Another machine whose rule name is the same.
  Machine other = booted("52:54:00:ff:00:01", "5a1e0001-0000-4000-8000-0000000000c2");
  Inspection in = qemu_inspection();
  in.boot_mac = mac("52:54:00:ff:00:01");
  in.nic_macs = {in.boot_mac};
  EnrollmentConfig fixed = lab_rules(EnrollmentPolicy::kAuto);
  fixed.rules[0].mac_prefix.clear();
  fixed.rules[0].name_template = "lab-e50001";
  auto r = report(in, fixed, "5a1e0001-0000-4000-8000-0000000000c2");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->name, "lab-e50001-2");

  // An operator's name survives re-inspection.
  Machine third = booted("52:54:00:e5:00:03", "5a1e0001-0000-4000-8000-0000000000c3");
  ASSERT_TRUE(store_.rename(third.name, "db1", "operator"));
  Inspection in3 = qemu_inspection();
  in3.boot_mac = mac("52:54:00:e5:00:03");
  in3.nic_macs = {in3.boot_mac};
  auto kept =
      report(in3, lab_rules(EnrollmentPolicy::kAuto), "5a1e0001-0000-4000-8000-0000000000c3");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->name, "db1");
  EXPECT_EQ(kept->state, MachineState::kReady);
}

TEST_F(InspectionTest, OperatorLabelsWinOverRuleLabels) {
  Machine m = booted();
  ASSERT_TRUE(store_.label(m.name, {{"rack", "r7"}}, {}, "operator"));
  auto r = report(qemu_inspection(), lab_rules(EnrollmentPolicy::kAuto));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->labels.at("rack"), "r7");
  EXPECT_EQ(r->labels.at("kind"), "vm");
}

TEST_F(InspectionTest, AReadyMachineOnlyGetsNewFacts) {
  booted();
  ASSERT_TRUE(report(qemu_inspection(), lab_rules(EnrollmentPolicy::kAuto)));
  ASSERT_TRUE(store_.rename("lab-e50001", "web1", "operator"));
  Inspection bigger = qemu_inspection();
  bigger.summary.memory_bytes = 1ull << 30;
  auto r = report(bigger, lab_rules(EnrollmentPolicy::kApprove));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->state, MachineState::kReady);
  EXPECT_FALSE(r->awaiting_approval);
  EXPECT_EQ(r->name, "web1");
  EXPECT_EQ(r->facts->memory_bytes, 1ull << 30);
}

TEST_F(InspectionTest, ANicOfAnotherMachineStaysThere) {
  Contact c;
  c.mac = mac(kSecondMac);
  c.source = "dhcp";
  auto owner = store_.record_contact(c);
  ASSERT_TRUE(owner);
  booted();
  auto r = report(qemu_inspection(), lab_rules(EnrollmentPolicy::kAuto));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->interfaces.size(), 1u);
  EXPECT_EQ(store_.find(kSecondMac)->id, owner->id);
}

TEST_F(InspectionTest, AReportFromAnUnknownMachineCreatesAndEnrollsItInOneStep) {
  auto r = report(qemu_inspection(), lab_rules(EnrollmentPolicy::kAuto));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->name, "lab-e50001");
  EXPECT_EQ(r->state, MachineState::kReady);
  EXPECT_EQ(r->uuid->to_string(), kUuid);
  EXPECT_EQ(store_.list().size(), 1u);
  auto k = kinds(r->id);
  EXPECT_EQ(std::count(k.begin(), k.end(), "machine.state"), 2);  // -> inspecting -> ready
  EXPECT_EQ(std::count(k.begin(), k.end(), "machine.discovered"), 1);
  EXPECT_EQ(store_.name_for(mac(kBootMac), std::nullopt), "lab-e50001");
}

TEST_F(InspectionTest, FactsSurviveReopenAndFollowAMerge) {
  Machine old_board = booted();
  ASSERT_TRUE(report(qemu_inspection(), lab_rules(EnrollmentPolicy::kAuto)));
  // A motherboard swap: new UUID, new record, new facts.
  Machine new_board = booted("52:54:00:aa:00:01", "5a1e0001-0000-4000-8000-0000000000d1");
  Inspection in = qemu_inspection();
  in.boot_mac = mac("52:54:00:aa:00:01");
  in.nic_macs = {in.boot_mac};
  in.summary.cpu_threads = 8;
  in.facts_json = R"({"cpu":{"threads":8}})";
  ASSERT_TRUE(report(in, EnrollmentConfig{}, "5a1e0001-0000-4000-8000-0000000000d1"));
  auto merged = store_.merge(new_board.name, "lab-e50001", "operator");
  ASSERT_TRUE(merged) << merged.refusal().message;
  EXPECT_EQ(merged->facts->cpu_threads, 8u);
  EXPECT_EQ(store_.facts_json(old_board.id), in.facts_json);

  SqliteMachineStore reopened(db_, clock_);
  auto m = reopened.find("lab-e50001");
  ASSERT_TRUE(m && m->facts);
  EXPECT_EQ(m->facts->cpu_threads, 8u);
  ASSERT_TRUE(reopened.forget("lab-e50001", "operator"));
  EXPECT_EQ(reopened.facts_json(old_board.id), std::nullopt);
}

}  // namespace
}  // namespace slipway::inventory
