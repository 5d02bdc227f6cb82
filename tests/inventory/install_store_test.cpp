// The install part of SqliteMachineStore: start, written, failed, first boot.
#include <gtest/gtest.h>

#include "common/sqlite.h"
#include "inventory/sqlite_machine_store.h"
#include "tests/common/test_dir.h"

namespace slipway::inventory {
namespace {

class InstallStoreTest : public ::testing::Test {
 protected:
  InstallStoreTest() : db_(dir_ / "inv.db"), store_(db_, clock_) {}

  std::string ready_machine() {
    Contact c;
    c.mac = *MacAddress::parse("52:54:00:00:00:01");
    c.source = "dhcp";
    auto m = store_.record_contact(c);
    EXPECT_TRUE(m);
    EXPECT_TRUE(store_.transition(m->name, MachineState::kInspecting, "", "test"));
    EXPECT_TRUE(store_.finish_inspection(m->name, EnrollmentPolicy::kAuto, "test"));
    return m->name;
  }

  std::vector<std::string> kinds(const std::string& name) {
    std::vector<std::string> out;
    for (const auto& e : store_.events(store_.find(name)->id, 100)) out.push_back(e.kind);
    return out;
  }

  testutil::TestDir dir_;
  ManualClock clock_;
  sqlite::Database db_;
  SqliteMachineStore store_;
};

TEST_F(InstallStoreTest, InstallGoesPendingWrittenDeployed) {
  std::string name = ready_machine();
  auto started = store_.start_install(name, "debian", "operator");
  ASSERT_TRUE(started) << started.refusal().message;
  EXPECT_EQ(started->state, MachineState::kInstalling);
  EXPECT_EQ(started->install_stage, InstallStage::kPending);
  EXPECT_EQ(started->profile, "debian");

  auto written = store_.install_written(name, R"({"bytes": 10})", "agent");
  ASSERT_TRUE(written) << written.refusal().message;
  EXPECT_EQ(written->install_stage, InstallStage::kWritten);
  EXPECT_EQ(written->state, MachineState::kInstalling);

  auto deployed = store_.finish_install(name, R"({"hostname": "x"})", "installed-os");
  ASSERT_TRUE(deployed) << deployed.refusal().message;
  EXPECT_EQ(deployed->state, MachineState::kDeployed);
  EXPECT_EQ(deployed->install_stage, InstallStage::kNone);
  EXPECT_EQ(deployed->profile, "debian");
  auto k = kinds(name);
  EXPECT_EQ(k[0], "machine.state");  // installing -> deployed
  EXPECT_EQ(k[1], "install.first_boot");
  EXPECT_EQ(k[2], "install.written");
  EXPECT_EQ(k[3], "install.started");
}

TEST_F(InstallStoreTest, ReinstallOfADeployedMachineStartsOver) {
  std::string name = ready_machine();
  ASSERT_TRUE(store_.start_install(name, "a", "operator"));
  ASSERT_TRUE(store_.install_written(name, "{}", "agent"));
  ASSERT_TRUE(store_.finish_install(name, "{}", "installed-os"));
  auto again = store_.start_install(name, "b", "operator");
  ASSERT_TRUE(again) << again.refusal().message;
  EXPECT_EQ(again->install_stage, InstallStage::kPending);
  EXPECT_EQ(again->profile, "b");
}

TEST_F(InstallStoreTest, RefusalsSayWhy) {
  Contact c;
  c.mac = *MacAddress::parse("52:54:00:00:00:02");
  c.source = "dhcp";
  auto discovered = store_.record_contact(c);
  auto r = store_.start_install(discovered->name, "a", "operator");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.refusal().kind, Refusal::Kind::kConflict);
  EXPECT_NE(r.refusal().message.find("discovered"), std::string::npos) << r.refusal().message;

  std::string name = ready_machine();
  // A first-boot callback before the image is written is an old OS talking: refused.
  auto early = store_.finish_install(name, "{}", "installed-os");
  ASSERT_FALSE(early);
  ASSERT_TRUE(store_.start_install(name, "a", "operator"));
  early = store_.finish_install(name, "{}", "installed-os");
  ASSERT_FALSE(early);
  EXPECT_NE(early.refusal().message.find("pending"), std::string::npos);
  auto twice = store_.start_install(name, "a", "operator");
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.refusal().message.find("already installing"), std::string::npos);
  EXPECT_FALSE(store_.start_install("nope", "a", "operator"));
}

TEST_F(InstallStoreTest, FailureMakesTheMachineReadyAgainWithTheReason) {
  std::string name = ready_machine();
  ASSERT_TRUE(store_.start_install(name, "a", "operator"));
  auto failed = store_.install_failed(name, "sha256 mismatch", "agent");
  ASSERT_TRUE(failed) << failed.refusal().message;
  EXPECT_EQ(failed->state, MachineState::kReady);
  EXPECT_EQ(failed->install_stage, InstallStage::kNone);
  auto events = store_.events(failed->id, 2);
  EXPECT_EQ(events[0].kind, "machine.state");
  EXPECT_NE(events[0].detail.find("sha256 mismatch"), std::string::npos);
  EXPECT_EQ(events[1].kind, "install.failed");
  EXPECT_FALSE(store_.install_failed(name, "again", "agent"));
}

TEST_F(InstallStoreTest, StageSurvivesReopening) {
  std::string name = ready_machine();
  ASSERT_TRUE(store_.start_install(name, "a", "operator"));
  ASSERT_TRUE(store_.install_written(name, "{}", "agent"));
  SqliteMachineStore reopened(db_, clock_);
  auto m = reopened.find(name);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->install_stage, InstallStage::kWritten);
  EXPECT_EQ(m->profile, "a");
}

}  // namespace
}  // namespace slipway::inventory
