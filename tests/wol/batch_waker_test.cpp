#include "wol/batch_waker.h"

#include <gtest/gtest.h>

namespace slipway::wol {
namespace {

using std::chrono::milliseconds;

// Time moves only when slept, or when power_on() is told to take a while.
class FakePacer final : public Pacer {
 public:
  Duration now() override { return now_; }
  void sleep_for(Duration d) override {
    sleeps.push_back(d);
    now_ += d;
  }
  void advance(Duration d) { now_ += d; }
  std::vector<Duration> sleeps;

 private:
  Duration now_{std::chrono::seconds(100)};
};

class RecordingDriver final : public PowerDriver {
 public:
  explicit RecordingDriver(FakePacer& pacer) : pacer_(pacer) {}
  std::string_view name() const override { return "fake"; }
  PowerCapabilities capabilities() const override { return {}; }
  Status power_on(const PowerTarget& target) override {
    calls.push_back({target.mac, pacer_.now()});
    pacer_.advance(call_takes);
    if (target.name == "broken") return Error{"no answer"};
    return {};
  }
  std::vector<std::pair<MacAddress, Pacer::Duration>> calls;
  Pacer::Duration call_takes{};

 private:
  FakePacer& pacer_;
};

std::vector<PowerTarget> rack(int n) {
  std::vector<PowerTarget> targets;
  for (int i = 0; i < n; ++i) {
    targets.push_back({"node" + std::to_string(i),
                       MacAddress({0x52, 0x54, 0, 0, 0, static_cast<uint8_t>(i)}),
                       {}});
  }
  return targets;
}

TEST(WakeBatch, SpacesWakesByTheRate) {
  FakePacer pacer;
  RecordingDriver driver(pacer);
  auto targets = rack(5);
  auto outcomes = wake_batch(driver, targets, 4, pacer);
  ASSERT_EQ(outcomes.size(), 5u);
  ASSERT_EQ(driver.calls.size(), 5u);
  for (size_t k = 0; k < 5; ++k) {
    EXPECT_EQ(driver.calls[k].first, targets[k].mac);
    EXPECT_EQ(driver.calls[k].second - driver.calls[0].second, milliseconds(250) * k) << k;
    EXPECT_TRUE(outcomes[k].status);
  }
}

TEST(WakeBatch, ASlowCallDoesNotPushLaterWakesBack) {
  FakePacer pacer;
  RecordingDriver driver(pacer);
  driver.call_takes = milliseconds(400);
  wake_batch(driver, rack(3), 2, pacer);  // due at 0, 500, 1000 ms
  ASSERT_EQ(pacer.sleeps.size(), 2u);
  EXPECT_EQ(pacer.sleeps[0], milliseconds(100));
  EXPECT_EQ(pacer.sleeps[1], milliseconds(100));
  EXPECT_EQ(driver.calls[2].second - driver.calls[0].second, milliseconds(1000));
}

TEST(WakeBatch, NoLimitNeverSleeps) {
  FakePacer pacer;
  RecordingDriver driver(pacer);
  wake_batch(driver, rack(10), 0, pacer);
  EXPECT_EQ(driver.calls.size(), 10u);
  EXPECT_TRUE(pacer.sleeps.empty());
}

TEST(WakeBatch, AFailureIsRecordedAndTheBatchGoesOn) {
  FakePacer pacer;
  RecordingDriver driver(pacer);
  auto targets = rack(3);
  targets[1].name = "broken";
  int heard = 0;
  auto outcomes = wake_batch(driver, targets, 10, pacer, [&](const WakeOutcome&) { ++heard; });
  EXPECT_EQ(heard, 3);
  EXPECT_TRUE(outcomes[0].status);
  ASSERT_FALSE(outcomes[1].status);
  EXPECT_EQ(outcomes[1].status.error().message, "no answer");
  EXPECT_TRUE(outcomes[2].status);
}

}  // namespace
}  // namespace slipway::wol
