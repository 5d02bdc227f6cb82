// PowerService and its routes: wakes go through the driver on the worker thread, a DHCP request
// confirms them, silence times them out, bad requests are refused whole.
#include "controlplane/power_service.h"

#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/sqlite.h"
#include "controlplane/power_routes.h"
#include "inventory/sqlite_machine_store.h"
#include "tests/common/test_dir.h"
#include "tests/controlplane/api_call.h"

namespace slipway::controlplane {
namespace {

namespace bhttp = http::bhttp;
using nlohmann::json;

// Records what it was asked to wake; fails for one MAC. Unit-test fake: the real senders are
// exercised by tests/integration/wol_test.sh and the e2e enrollment test.
class RecordingDriver final : public wol::PowerDriver {
 public:
  std::string_view name() const override { return "recording"; }
  wol::PowerCapabilities capabilities() const override { return {true, false, false, false}; }
  Status power_on(const wol::PowerTarget& target) override {
    std::lock_guard lock(mutex_);
    woken_.push_back(target);
    if (target.mac.to_string() == "52:54:00:00:00:66") return Error{"sendto: network is down"};
    return {};
  }
  std::vector<wol::PowerTarget> woken() {
    std::lock_guard lock(mutex_);
    return woken_;
  }

 private:
  std::mutex mutex_;
  std::vector<wol::PowerTarget> woken_;
};

class PowerServiceTest : public ::testing::Test {
 protected:
  PowerServiceTest() : db_(dir_ / "power.db"), machines_(db_, clock_) {
    auto driver = std::make_unique<RecordingDriver>();
    driver_ = driver.get();
    PowerConfig config;
    config.rate_per_second = 0;
    config.secureon_password = {1, 2, 3, 4, 5, 6};
    config.confirm_timeout = std::chrono::seconds(60);
    power_ = std::make_unique<PowerService>(io_, std::move(driver), config, machines_);
    add_power_routes(router_, *power_);
  }

  std::string add_machine(const char* mac, const char* second_mac = nullptr) {
    inventory::Contact c;
    c.mac = *MacAddress::parse(mac);
    c.uuid = Uuid::parse(std::string("5a1e0001-0000-4000-8000-") + "000000" +
                         std::string(mac).substr(9, 2) + std::string(mac).substr(12, 2) +
                         std::string(mac).substr(15, 2));
    c.source = "dhcp";
    std::string name = machines_.record_contact(c)->name;
    if (second_mac) {
      c.mac = *MacAddress::parse(second_mac);
      EXPECT_TRUE(machines_.record_contact(c));
    }
    return name;
  }

  // Runs the io_context until `done` holds (at most 10 s).
  template <typename Pred>
  bool run_until(Pred done) {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      if (std::chrono::steady_clock::now() > end) return false;
      io_.restart();
      io_.run_for(std::chrono::milliseconds(10));
    }
    return true;
  }

  PowerStatus status(uint64_t job, size_t i) { return power_->job(job)->targets[i].status; }

  ApiAnswer call(bhttp::verb method, const std::string& target, const std::string& body = "") {
    return call_api(router_, method, target, body);
  }

  std::vector<std::string> event_kinds(const std::string& key) {
    std::vector<std::string> out;
    for (const auto& e : machines_.events(machines_.find(key)->id, 50)) out.push_back(e.kind);
    return out;
  }

  testutil::TestDir dir_;
  ManualClock clock_;
  sqlite::Database db_;
  inventory::SqliteMachineStore machines_;
  boost::asio::io_context io_;
  RecordingDriver* driver_ = nullptr;
  std::unique_ptr<PowerService> power_;
  http::Router router_;
};

TEST_F(PowerServiceTest, WakeThenDhcpFromAnyOfItsMacsConfirmsTheBoot) {
  std::string a = add_machine("52:54:00:00:00:01", "52:54:00:00:00:11");
  auto job = power_->power_on({a}, std::nullopt, "test");
  ASSERT_TRUE(job) << job.refusal().message;
  EXPECT_EQ(job->targets[0].status, PowerStatus::kQueued);
  ASSERT_TRUE(run_until([&] { return status(job->id, 0) == PowerStatus::kSent; }));
  auto woken = driver_->woken();
  ASSERT_EQ(woken.size(), 1u);
  EXPECT_EQ(woken[0].mac.to_string(), "52:54:00:00:00:01");  // the NIC it was first seen on
  EXPECT_EQ(woken[0].secureon_password, (std::vector<uint8_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_FALSE(power_->job(job->id)->done());

  power_->heard(*MacAddress::parse("52:54:00:00:00:99"));  // someone else
  EXPECT_EQ(status(job->id, 0), PowerStatus::kSent);
  power_->heard(*MacAddress::parse("52:54:00:00:00:11"));  // its second NIC
  EXPECT_EQ(status(job->id, 0), PowerStatus::kBooted);
  EXPECT_TRUE(power_->job(job->id)->done());
  EXPECT_TRUE(power_->job(job->id)->targets[0].booted_after_s);
  auto kinds = event_kinds(a);
  for (const char* k : {"power.requested", "power.on", "power.booted"}) {
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), k), kinds.end()) << k;
  }
}

TEST_F(PowerServiceTest, SilenceTimesOut) {
  std::string a = add_machine("52:54:00:00:00:01");
  auto job = power_->power_on({a}, std::chrono::seconds(1), "test");
  ASSERT_TRUE(job);
  ASSERT_TRUE(run_until([&] { return status(job->id, 0) == PowerStatus::kTimedOut; }));
  EXPECT_EQ(power_->job(job->id)->targets[0].detail,
            "no DHCP request from its MACs within 1 s of the wake");
  // A late DHCP request does not turn a timeout into a boot.
  power_->heard(*MacAddress::parse("52:54:00:00:00:01"));
  EXPECT_EQ(status(job->id, 0), PowerStatus::kTimedOut);
  auto kinds = event_kinds(a);
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "power.timed_out"), kinds.end());
}

TEST_F(PowerServiceTest, AnUnknownMacIsWokenAndADriverFailureIsReported) {
  auto job = power_->power_on({"52:54:00:00:00:42", "52:54:00:00:00:66"}, std::nullopt, "test");
  ASSERT_TRUE(job);
  ASSERT_TRUE(run_until([&] { return status(job->id, 1) == PowerStatus::kFailed; }));
  EXPECT_EQ(power_->job(job->id)->targets[1].detail, "sendto: network is down");
  ASSERT_TRUE(run_until([&] { return status(job->id, 0) == PowerStatus::kSent; }));
  EXPECT_TRUE(power_->job(job->id)->targets[0].name.empty());
  power_->heard(*MacAddress::parse("52:54:00:00:00:42"));
  EXPECT_EQ(status(job->id, 0), PowerStatus::kBooted);
  EXPECT_TRUE(power_->job(job->id)->done());
}

TEST_F(PowerServiceTest, BadKeysRefuseTheWholeJobAndWakeNothing) {
  std::string a = add_machine("52:54:00:00:00:01");
  auto unknown = power_->power_on({a, "web9"}, std::nullopt, "test");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.refusal().kind, inventory::Refusal::Kind::kNotFound);
  EXPECT_NE(unknown.refusal().message.find("web9"), std::string::npos);
  auto twice = power_->power_on({a, "52:54:00:00:00:01"}, std::nullopt, "test");
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.refusal().kind, inventory::Refusal::Kind::kInvalid);
  EXPECT_FALSE(power_->power_on({}, std::nullopt, "test"));
  io_.run_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(driver_->woken().empty());
  EXPECT_TRUE(power_->jobs(10).empty());
}

TEST_F(PowerServiceTest, RoutesQueueAJobAndShowIt) {
  std::string a = add_machine("52:54:00:00:00:01");
  auto [status_code, body] = call(bhttp::verb::post, "/api/v1/power/on",
                                  json({{"machines", {a}}, {"timeout_s", 30}}).dump());
  ASSERT_EQ(status_code, 202u) << body.dump();
  uint64_t id = body["job"]["id"];
  EXPECT_EQ(body["job"]["timeout_s"], 30);
  EXPECT_EQ(body["job"]["machines"][0]["name"], a);
  EXPECT_EQ(body["job"]["machines"][0]["status"], "queued");
  ASSERT_TRUE(run_until([&] { return status(id, 0) == PowerStatus::kSent; }));
  power_->heard(*MacAddress::parse("52:54:00:00:00:01"));
  auto [got, job] = call(bhttp::verb::get, "/api/v1/power/jobs/" + std::to_string(id));
  ASSERT_EQ(got, 200u);
  EXPECT_EQ(job["job"]["done"], true);
  EXPECT_EQ(job["job"]["machines"][0]["status"], "booted");
  EXPECT_EQ(call(bhttp::verb::get, "/api/v1/power/jobs").body["jobs"].size(), 1u);

  EXPECT_EQ(call(bhttp::verb::get, "/api/v1/power/jobs/999").status, 404u);
  EXPECT_EQ(call(bhttp::verb::get, "/api/v1/power/jobs/x1").status, 404u);
  EXPECT_EQ(call(bhttp::verb::post, "/api/v1/power/on", R"({"machines":"m1"})").status, 400u);
  EXPECT_EQ(call(bhttp::verb::post, "/api/v1/power/on", R"({"machines":[1]})").status, 400u);
  EXPECT_EQ(call(bhttp::verb::post, "/api/v1/power/on",
                 json({{"machines", {a}}, {"timeout_s", 0}}).dump())
                .status,
            400u);
  EXPECT_EQ(call(bhttp::verb::post, "/api/v1/power/on", R"({"machines":["nosuch"]})").status, 404u);
}

}  // namespace
}  // namespace slipway::controlplane
