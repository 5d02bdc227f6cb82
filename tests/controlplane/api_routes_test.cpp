#include "controlplane/api_routes.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/sqlite.h"
#include "dhcp/memory_lease_store.h"
#include "imaging/agent_report.h"
#include "inventory/sqlite_machine_store.h"
#include "tests/common/test_dir.h"
#include "tests/controlplane/api_call.h"

namespace slipway::controlplane {
namespace {

namespace bhttp = http::bhttp;
using inventory::MachineState;
using nlohmann::json;

imaging::AgentReport report_with_facts() {
  imaging::AgentReport r;
  r.mac = *MacAddress::parse("52:54:00:e5:00:01");
  r.uuid = Uuid::parse("5a1e0001-0000-4000-8000-0000000000e1");
  r.ip = Ipv4::parse("198.18.0.100");
  r.kernel = "6.1.0-28-amd64";
  imaging::HardwareFacts f;
  f.firmware = imaging::FirmwareMode::kBios;
  f.dmi = {"QEMU",
           "Standard PC (i440FX + PIIX, 1996)",
           "",
           "5a1e0001-0000-4000-8000-0000000000e1",
           "1.16.2-debian-1.16.2-1",
           "04/01/2014"};
  f.cpu.model = "QEMU Virtual CPU version 2.5+";
  f.cpu.sockets = 1;
  f.cpu.cores = 2;
  f.cpu.threads = 2;
  f.memory.total_bytes = 470000000;
  f.memory.dimms = {{"DIMM 0", 512ull << 20, 0}};
  f.disks = {{"vda", 2ull << 30, "", "", "", false}};
  f.nics = {{"eth0", r.mac, "e1000", 1000, true},
            {"eth1", *MacAddress::parse("52:54:00:e5:00:02"), "e1000", std::nullopt, false}};
  r.facts = f;
  return r;
}

// The API through Router::dispatch: no sockets.
class ApiRoutesTest : public ::testing::Test {
 protected:
  ApiRoutesTest() : db_(dir_ / "api.db"), machines_(db_, clock_) {
    add_api_routes(router_,
                   ApiServices{machines_, leases_, metrics_, enrollment_, profiles_, nullptr});
  }

  ApiAnswer call(bhttp::verb method, const std::string& target, const std::string& body = "") {
    return call_api(router_, method, target, body);
  }

  // Rules the agent report tests use: name "lab-" and the MAC's last 6 digits, label rack=lab.
  void use_lab_rules(inventory::EnrollmentPolicy policy) {
    enrollment_.policy = policy;
    inventory::EnrollmentRule rule;
    rule.mac_prefix = {0x52, 0x54, 0x00, 0xe5};
    rule.name_template = "lab-{mac6}";
    rule.labels = {{"rack", "lab"}};
    enrollment_.rules = {rule};
  }

  std::string add_machine(const char* mac) {
    inventory::Contact c;
    c.mac = *MacAddress::parse(mac);
    c.source = "dhcp";
    return machines_.record_contact(c)->name;
  }

  testutil::TestDir dir_;
  ManualClock clock_;
  sqlite::Database db_;
  inventory::SqliteMachineStore machines_;
  dhcp::MemoryLeaseStore leases_;
  Metrics metrics_;
  inventory::EnrollmentConfig enrollment_;
  std::vector<boot::Profile> profiles_;
  http::Router router_;
};

TEST_F(ApiRoutesTest, ListFiltersByStateAndLabel) {
  std::string a = add_machine("52:54:00:00:00:01");
  std::string b = add_machine("52:54:00:00:00:02");
  ASSERT_TRUE(machines_.label(a, {{"rack", "r1"}}, {}, "test"));
  ASSERT_TRUE(machines_.transition(b, MachineState::kRetired, "", "test"));

  auto all = call(bhttp::verb::get, "/api/v1/machines");
  ASSERT_EQ(all.status, 200u);
  EXPECT_EQ(all.body["machines"].size(), 2u);
  auto retired = call(bhttp::verb::get, "/api/v1/machines?state=retired");
  ASSERT_EQ(retired.body["machines"].size(), 1u);
  EXPECT_EQ(retired.body["machines"][0]["name"], b);
  auto labelled = call(bhttp::verb::get, "/api/v1/machines?label=rack%3Dr1");
  ASSERT_EQ(labelled.body["machines"].size(), 1u);
  EXPECT_EQ(labelled.body["machines"][0]["labels"]["rack"], "r1");
  EXPECT_EQ(call(bhttp::verb::get, "/api/v1/machines?label=rack,state").body["machines"].size(),
            0u);
  EXPECT_EQ(call(bhttp::verb::get, "/api/v1/machines?state=enrolled").status, 400u);
}

TEST_F(ApiRoutesTest, ShowHasTheMachineAndItsEvents) {
  std::string a = add_machine("52:54:00:00:00:01");
  auto shown = call(bhttp::verb::get, "/api/v1/machines/" + a);
  ASSERT_EQ(shown.status, 200u);
  EXPECT_EQ(shown.body["machine"]["name"], a);
  EXPECT_EQ(shown.body["events"].size(), 2u);
  auto by_mac = call(bhttp::verb::get, "/api/v1/machines/52:54:00:00:00:01/events?limit=1");
  ASSERT_EQ(by_mac.status, 200u);
  EXPECT_EQ(by_mac.body["events"].size(), 1u);
  auto missing = call(bhttp::verb::get, "/api/v1/machines/web9");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_NE(missing.body["error"].get<std::string>().find("web9"), std::string::npos);
  EXPECT_EQ(call(bhttp::verb::get, "/api/v1/events?machine=web9").status, 404u);
  EXPECT_EQ(call(bhttp::verb::get, "/api/v1/events?machine=" + a).body["events"].size(), 2u);
}

TEST_F(ApiRoutesTest, IllegalTransitionIsAConflictWithTheReason) {
  std::string a = add_machine("52:54:00:00:00:01");
  auto r = call(bhttp::verb::post, "/api/v1/machines/" + a + "/state", R"({"state":"deployed"})");
  EXPECT_EQ(r.status, 409u);
  EXPECT_EQ(r.body["error"],
            "machine m-525400000001 is discovered; it cannot become deployed (allowed from "
            "discovered: inspecting, retired)");
  r = call(bhttp::verb::post, "/api/v1/machines/" + a + "/state",
           R"({"state":"retired","reason":"broken PSU"})");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.body["machine"]["state"], "retired");
  auto e = call(bhttp::verb::get, "/api/v1/machines/" + a + "/events?limit=1").body["events"][0];
  EXPECT_EQ(e["kind"], "machine.state");
  EXPECT_EQ(e["detail"]["reason"], "broken PSU");
  EXPECT_EQ(e["detail"]["actor"], "api:198.18.0.9");
  EXPECT_EQ(call(bhttp::verb::post, "/api/v1/machines/" + a + "/state", R"({"state":"x"})").status,
            400u);
}

TEST_F(ApiRoutesTest, ApproveWaitsForTheEndOfInspection) {
  std::string a = add_machine("52:54:00:00:00:01");
  ASSERT_TRUE(machines_.transition(a, MachineState::kInspecting, "", "test"));
  EXPECT_EQ(call(bhttp::verb::post, "/api/v1/machines/" + a + "/approve").status, 409u);
  ASSERT_TRUE(machines_.finish_inspection(a, inventory::EnrollmentPolicy::kApprove, "test"));
  EXPECT_EQ(call(bhttp::verb::get, "/api/v1/machines/" + a).body["machine"]["awaiting_approval"],
            true);
  auto r = call(bhttp::verb::post, "/api/v1/machines/" + a + "/approve");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.body["machine"]["state"], "ready");
  EXPECT_EQ(call(bhttp::verb::post, "/api/v1/machines/nosuch/approve").status, 404u);
}

TEST_F(ApiRoutesTest, RenameAndLabel) {
  std::string a = add_machine("52:54:00:00:00:01");
  std::string b = add_machine("52:54:00:00:00:02");
  auto r = call(bhttp::verb::post, "/api/v1/machines/" + a + "/rename", R"({"name":"web1"})");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.body["machine"]["name"], "web1");
  EXPECT_EQ(
      call(bhttp::verb::post, "/api/v1/machines/" + b + "/rename", R"({"name":"web1"})").status,
      409u);
  EXPECT_EQ(
      call(bhttp::verb::post, "/api/v1/machines/" + b + "/rename", R"({"name":"Web 1"})").status,
      400u);
  EXPECT_EQ(call(bhttp::verb::post, "/api/v1/machines/" + b + "/rename", R"({"nom":1})").status,
            400u);
  EXPECT_EQ(call(bhttp::verb::post, "/api/v1/machines/" + b + "/rename", "[1]").status, 400u);

  r = call(bhttp::verb::post, "/api/v1/machines/web1/labels",
           R"({"set":{"rack":"r1","role":"db"},"remove":["none"]})");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.body["machine"]["labels"], json({{"rack", "r1"}, {"role", "db"}}));
  r = call(bhttp::verb::post, "/api/v1/machines/web1/labels", R"({"remove":["role"]})");
  EXPECT_EQ(r.body["machine"]["labels"], json({{"rack", "r1"}}));
  EXPECT_EQ(
      call(bhttp::verb::post, "/api/v1/machines/web1/labels", R"({"set":{"a b":"c"}})").status,
      400u);
  EXPECT_EQ(call(bhttp::verb::post, "/api/v1/machines/web1/labels", R"({"set":{"a":1}})").status,
            400u);
  EXPECT_EQ(call(bhttp::verb::post, "/api/v1/machines/web1/fly").status, 404u);
}

TEST_F(ApiRoutesTest, ForgetAndMerge) {
  std::string a = add_machine("52:54:00:00:00:01");
  std::string b = add_machine("52:54:00:00:00:02");
  std::string c = add_machine("52:54:00:00:00:03");
  auto r = call(bhttp::verb::post, "/api/v1/machines/" + a + "/merge", json({{"from", b}}).dump());
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.body["machine"]["name"], a);
  EXPECT_EQ(r.body["machine"]["interfaces"].size(), 2u);
  EXPECT_EQ(call(bhttp::verb::get, "/api/v1/machines/" + b).status, 404u);
  EXPECT_EQ(call(bhttp::verb::post, "/api/v1/machines/" + a + "/merge", json({{"from", a}}).dump())
                .status,
            400u);
  r = call(bhttp::verb::post, "/api/v1/machines/" + a + "/merge", json({{"from", "gone"}}).dump());
  EXPECT_EQ(r.status, 404u);
  EXPECT_NE(r.body["error"].get<std::string>().find("gone"), std::string::npos);

  r = call(bhttp::verb::delete_, "/api/v1/machines/" + c);
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.body["machine"]["name"], c);
  EXPECT_EQ(call(bhttp::verb::delete_, "/api/v1/machines/" + c).status, 404u);
  EXPECT_EQ(call(bhttp::verb::get, "/api/v1/machines").body["machines"].size(), 1u);
}

// --- agent reports with facts: inspection and enrollment ---------------------------------

TEST_F(ApiRoutesTest, AutoPolicyReportMakesANamedLabelledReadyMachineWithFacts) {
  use_lab_rules(inventory::EnrollmentPolicy::kAuto);
  auto [status, body] =
      call(bhttp::verb::post, "/api/v1/agent/report", imaging::to_json(report_with_facts()));
  ASSERT_EQ(status, 200u) << body.dump();
  EXPECT_EQ(body["machine"]["name"], "lab-e50001");
  EXPECT_EQ(body["machine"]["state"], "ready");
  EXPECT_EQ(body["machine"]["labels"]["rack"], "lab");
  EXPECT_EQ(body["machine"]["hardware"]["cpu_threads"], 2);
  EXPECT_EQ(body["machine"]["hardware"]["disk_bytes"], 2ull << 30);
  EXPECT_EQ(body["machine"]["interfaces"].size(), 2u);

  auto [show_status, shown] = call(bhttp::verb::get, "/api/v1/machines/52:54:00:e5:00:02");
  ASSERT_EQ(show_status, 200u);
  const json& facts = shown["machine"]["facts"];
  EXPECT_EQ(facts["memory"]["total_bytes"], 470000000);
  EXPECT_EQ(facts["memory"]["dimms"][0]["size_bytes"], 512ull << 20);
  EXPECT_EQ(facts["disks"][0]["name"], "vda");
  EXPECT_EQ(facts["nics"][1]["mac"], "52:54:00:e5:00:02");
  EXPECT_EQ(facts["dmi"]["vendor"], "QEMU");
  EXPECT_EQ(shown["machine"]["uuid"], "5a1e0001-0000-4000-8000-0000000000e1");
}

TEST_F(ApiRoutesTest, ApprovePolicyWaitsForTheOperator) {
  use_lab_rules(inventory::EnrollmentPolicy::kApprove);
  auto [status, body] =
      call(bhttp::verb::post, "/api/v1/agent/report", imaging::to_json(report_with_facts()));
  ASSERT_EQ(status, 200u);
  EXPECT_EQ(body["machine"]["state"], "inspecting");
  EXPECT_EQ(body["machine"]["awaiting_approval"], true);
  auto [approved, answer] = call(bhttp::verb::post, "/api/v1/machines/lab-e50001/approve");
  ASSERT_EQ(approved, 200u);
  EXPECT_EQ(answer["machine"]["state"], "ready");
  EXPECT_EQ(call(bhttp::verb::post, "/api/v1/machines/lab-e50001/approve").status, 409u);
}

TEST_F(ApiRoutesTest, ABootedReportWithoutFactsOnlyStartsInspection) {
  use_lab_rules(inventory::EnrollmentPolicy::kAuto);
  imaging::AgentReport r = report_with_facts();
  r.facts.reset();
  auto [status, body] = call(bhttp::verb::post, "/api/v1/agent/report", imaging::to_json(r));
  ASSERT_EQ(status, 200u);
  EXPECT_EQ(body["machine"]["state"], "inspecting");
  EXPECT_EQ(body["machine"]["name"], "m-525400e50001");
  EXPECT_TRUE(body["machine"]["hardware"].is_null());
  EXPECT_TRUE(
      call(bhttp::verb::get, "/api/v1/machines/m-525400e50001").body["machine"]["facts"].is_null());
}

TEST_F(ApiRoutesTest, MalformedFactsAreRefusedAndChangeNothing) {
  use_lab_rules(inventory::EnrollmentPolicy::kAuto);
  json doc = json::parse(imaging::to_json(report_with_facts()));
  doc["facts"]["disks"][0]["size_bytes"] = "big";
  auto [status, body] = call(bhttp::verb::post, "/api/v1/agent/report", doc.dump());
  EXPECT_EQ(status, 400u);
  EXPECT_NE(body["error"].get<std::string>().find("facts.disks[0].size_bytes"), std::string::npos)
      << body.dump();
  std::string huge = imaging::to_json(report_with_facts());
  huge.insert(huge.size() - 1, ",\"pad\":\"" + std::string(imaging::kMaxReportBytes, 'x') + "\"");
  EXPECT_EQ(call(bhttp::verb::post, "/api/v1/agent/report", huge).status, 400u);
  EXPECT_TRUE(machines_.list().empty());
}

}  // namespace
}  // namespace slipway::controlplane

namespace slipway::controlplane {
namespace {

TEST_F(ApiRoutesTest, ProfileExplainSaysWhichAndWhy) {
  use_lab_rules(inventory::EnrollmentPolicy::kAuto);
  ASSERT_EQ(
      call(bhttp::verb::post, "/api/v1/agent/report", imaging::to_json(report_with_facts())).status,
      200u);
  boot::Profile big;
  big.name = "big";
  big.image = "debian-12";
  boot::Selector needs_memory;
  needs_memory.priority = 20;
  needs_memory.facts = {*boot::parse_fact_condition("memory.total_bytes", ">= 8GiB")};
  big.selectors = {needs_memory};
  ASSERT_TRUE(big.templates.add("user-data", "/etc/slipway/big.tmpl", "#cloud-config\n"));
  boot::Profile lab;
  lab.name = "lab";
  lab.installer = boot::InstallerBoot{"runtime/vmlinuz", "runtime/initrd.gz", "", {}};
  boot::Selector rack;
  rack.labels = {{"rack", "lab"}};
  boot::Selector two_cpus;
  two_cpus.facts = {*boot::parse_fact_condition("cpu.threads", ">= 2")};
  two_cpus.priority = 5;
  lab.selectors = {rack, two_cpus};
  profiles_ = {big, lab};

  auto r = call(bhttp::verb::get, "/api/v1/machines/lab-e50001/profile");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.body["profile"], "lab");
  EXPECT_EQ(r.body["summary"],
            "machine lab-e50001 gets profile lab (a selector at priority 5 matches)");
  ASSERT_EQ(r.body["selectors"].size(), 3u);
  EXPECT_EQ(r.body["selectors"][0]["matched"], false);
  EXPECT_EQ(r.body["selectors"][0]["reasons"][0],
            "fact memory.total_bytes >= 8GiB (machine: 470000000): no");
  EXPECT_EQ(r.body["selectors"][2]["reasons"][0], "fact cpu.threads >= 2 (machine: 2): yes");

  auto list = call(bhttp::verb::get, "/api/v1/profiles");
  ASSERT_EQ(list.status, 200u);
  EXPECT_EQ(list.body["profiles"][0]["installs"]["image"], "debian-12");
  EXPECT_EQ(list.body["profiles"][1]["select"][1]["facts"]["cpu.threads"], ">= 2");
  EXPECT_EQ(list.body["profiles"][0]["templates"]["user-data"], "/etc/slipway/big.tmpl");
  EXPECT_EQ(list.body["profiles"][1]["templates"], nlohmann::json::object());
  EXPECT_EQ(call(bhttp::verb::get, "/api/v1/machines/nosuch/profile").status, 404u);
}

}  // namespace
}  // namespace slipway::controlplane
