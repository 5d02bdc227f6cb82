#include "boot/profile.h"

#include <gtest/gtest.h>

namespace slipway::boot {
namespace {

inventory::Machine web_vm() {
  inventory::Machine m;
  m.name = "vm-e50001";
  m.uuid = Uuid::parse("5a1e0001-0000-4000-8000-0000000000f1");
  m.labels = {{"role", "web"}, {"rack", "r1"}};
  inventory::Interface a, b;
  a.mac = *MacAddress::parse("52:54:00:e5:00:01");
  b.mac = *MacAddress::parse("52:54:00:e5:00:02");
  m.interfaces = {a, b};
  return m;
}

const nlohmann::json kFacts = {
    {"dmi", {{"vendor", "QEMU"}, {"product", "Standard PC (Q35 + ICH9, 2009)"}}},
    {"cpu", {{"threads", 4}}},
    {"memory", {{"total_bytes", 4000000000}}},
    {"disks", {{{"name", "vda"}, {"size_bytes", 21474836480}}}},
};

FactCondition fact(const char* path, const char* text) {
  auto c = parse_fact_condition(path, text);
  EXPECT_TRUE(c) << c.error().message;
  return *c;
}

TEST(FactConditionTest, ParsesGlobsOperatorsAndUnits) {
  EXPECT_EQ(fact("dmi.vendor", "QEMU*").op, FactCondition::Op::kGlob);
  auto ge = fact("memory.total_bytes", ">= 4GiB");
  EXPECT_EQ(ge.op, FactCondition::Op::kGe);
  EXPECT_EQ(ge.number, 4.0 * 1024 * 1024 * 1024);
  EXPECT_EQ(fact("cpu.threads", "=4").number, 4);
  EXPECT_EQ(fact("cpu.threads", "!= 0").op, FactCondition::Op::kNe);
  EXPECT_EQ(fact("disks.0.size_bytes", "< 512 MiB").number, 512.0 * 1024 * 1024);
}

TEST(FactConditionTest, RefusesBadPathsAndNumbers) {
  EXPECT_FALSE(parse_fact_condition("cpu.threads", ">= many"));
  EXPECT_NE(parse_fact_condition("cpu.threads", ">= many").error().message.find("'>= 2'"),
            std::string::npos);
  EXPECT_FALSE(parse_fact_condition("cpu..threads", "4"));
  EXPECT_FALSE(parse_fact_condition("CPU.threads", "4"));
  EXPECT_FALSE(parse_fact_condition("", "4"));
  EXPECT_FALSE(parse_fact_condition("cpu.threads", "  "));
}

TEST(SelectorTest, EveryConditionMustHoldAndReasonsSayWhich) {
  Selector s;
  s.labels = {{"role", "web"}};
  s.facts = {fact("dmi.vendor", "qemu"), fact("cpu.threads", ">= 2"),
             fact("disks.0.size_bytes", ">= 20GiB")};
  s.macs = {*MacAddress::parse("52:54:00:e5:00:02")};
  s.uuids = {*Uuid::parse("5a1e0001-0000-4000-8000-0000000000f1")};
  std::vector<std::string> reasons;
  EXPECT_TRUE(selector_matches(s, web_vm(), kFacts, &reasons));
  EXPECT_EQ(reasons.size(), 6u);

  s.facts.push_back(fact("memory.total_bytes", ">= 8GiB"));
  reasons.clear();
  EXPECT_FALSE(selector_matches(s, web_vm(), kFacts, &reasons));
  // Labels first, then facts in order, then MACs and UUIDs.
  EXPECT_EQ(reasons[4], "fact memory.total_bytes >= 8GiB (machine: 4000000000): no");

  Selector absent;
  absent.facts = {fact("gpu.model", "*")};
  reasons.clear();
  EXPECT_FALSE(selector_matches(absent, web_vm(), kFacts, &reasons));
  EXPECT_EQ(reasons[0], "fact gpu.model * (machine: absent): no");
  // A machine never inspected has no facts: fact conditions fail, others still work.
  Selector by_label;
  by_label.labels = {{"rack", "r1"}};
  EXPECT_TRUE(selector_matches(by_label, web_vm(), nullptr));
  EXPECT_FALSE(selector_matches(absent, web_vm(), nullptr));
  Selector wrong_label;
  wrong_label.labels = {{"role", "db"}};
  reasons.clear();
  EXPECT_FALSE(selector_matches(wrong_label, web_vm(), kFacts, &reasons));
  EXPECT_EQ(reasons[0], "label role=db (machine: web): no");
}

Profile profile(const char* name, std::vector<Selector> selectors) {
  Profile p;
  p.name = name;
  p.image = "debian-12";
  p.selectors = std::move(selectors);
  return p;
}

Selector labelled(const char* key, const char* value, int priority) {
  Selector s;
  s.labels = {{key, value}};
  s.priority = priority;
  return s;
}

TEST(ExplainTest, HighestPriorityWins) {
  std::vector<Profile> profiles = {profile("generic", {labelled("rack", "r1", 0)}),
                                   profile("web", {labelled("role", "web", 10)}),
                                   profile("db", {labelled("role", "db", 50)})};
  auto choice = explain_profile(profiles, web_vm(), kFacts);
  EXPECT_EQ(choice.profile, "web");
  EXPECT_EQ(choice.summary,
            "machine vm-e50001 gets profile web (a selector at priority 10 matches)");
  ASSERT_EQ(choice.verdicts.size(), 3u);
  EXPECT_TRUE(choice.verdicts[0].matched);
  EXPECT_TRUE(choice.verdicts[1].matched);
  EXPECT_FALSE(choice.verdicts[2].matched);
}

TEST(ExplainTest, ATieBetweenProfilesIsAmbiguousAndChoosesNothing) {
  std::vector<Profile> profiles = {profile("a", {labelled("rack", "r1", 5)}),
                                   profile("b", {labelled("role", "web", 5)})};
  auto choice = explain_profile(profiles, web_vm(), kFacts);
  EXPECT_EQ(choice.profile, std::nullopt);
  EXPECT_NE(choice.summary.find("ambiguous: profiles a, b"), std::string::npos) << choice.summary;
  // Two selectors of the same profile at the same priority are not a tie.
  profiles = {profile("a", {labelled("rack", "r1", 5), labelled("role", "web", 5)})};
  EXPECT_EQ(explain_profile(profiles, web_vm(), kFacts).profile, "a");
}

TEST(ExplainTest, NothingMatches) {
  std::vector<Profile> profiles = {profile("db", {labelled("role", "db", 0)})};
  auto choice = explain_profile(profiles, web_vm(), kFacts);
  EXPECT_EQ(choice.profile, std::nullopt);
  EXPECT_EQ(choice.summary, "no selector of any profile matches machine vm-e50001");
  EXPECT_EQ(explain_profile({}, web_vm(), kFacts).profile, std::nullopt);
}

}  // namespace
}  // namespace slipway::boot
