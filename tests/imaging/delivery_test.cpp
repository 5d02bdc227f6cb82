#include "imaging/agent/delivery.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

namespace slipway::imaging::agent {
namespace {

using namespace std::chrono_literals;

// A fake clock that advances only when the code under test sleeps or an attempt takes time.
struct FakeWorld {
  std::chrono::steady_clock::time_point t{};
  std::deque<Result<unsigned>> outcomes;
  Millis attempt_cost{0};
  std::vector<Millis> timeouts;
  std::vector<Millis> sleeps;
  std::vector<std::string> log;

  PostAttempt attempt() {
    return [this](Millis timeout) -> Result<unsigned> {
      timeouts.push_back(timeout);
      t += std::min(attempt_cost, timeout);
      if (outcomes.empty()) return Error{"connect: Connection refused"};
      auto r = outcomes.front();
      outcomes.pop_front();
      return r;
    };
  }
  DeliveryEnv env() {
    return DeliveryEnv{[this] { return t; },
                       [this](Millis d) {
                         sleeps.push_back(d);
                         t += d;
                       },
                       [this](std::string_view line) { log.emplace_back(line); }};
  }
};

TEST(DeliveryTest, FirstSuccessEndsIt) {
  FakeWorld w;
  w.outcomes = {Result<unsigned>(204u)};
  auto r = deliver(w.attempt(), DeliveryPolicy{}, w.env());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 204u);
  EXPECT_TRUE(w.sleeps.empty());
  EXPECT_EQ(w.timeouts, (std::vector<Millis>{10s}));
}

TEST(DeliveryTest, RetriesTransportErrorsAnd5xxWithBackoff) {
  FakeWorld w;
  w.outcomes = {Error{"connect: Connection refused"}, Result<unsigned>(503u),
                Error{"reply: timed out"}, Result<unsigned>(200u)};
  auto r = deliver(w.attempt(), DeliveryPolicy{}, w.env());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(w.sleeps, (std::vector<Millis>{1s, 2s, 4s}));
  ASSERT_EQ(w.log.size(), 4u);
  EXPECT_EQ(w.log[1], "attempt 2: HTTP 503; retrying in 2000 ms");
}

TEST(DeliveryTest, ClientErrorsAreFinal) {
  FakeWorld w;
  w.outcomes = {Result<unsigned>(400u)};
  auto r = deliver(w.attempt(), DeliveryPolicy{}, w.env());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "attempt 1: the appliance answered HTTP 400");
  EXPECT_TRUE(w.sleeps.empty());
}

TEST(DeliveryTest, GivesUpWithinTheBudget) {
  FakeWorld w;  // every attempt is refused at once
  auto r = deliver(w.attempt(), DeliveryPolicy{}, w.env());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(w.sleeps, (std::vector<Millis>{1s, 2s, 4s, 8s, 8s}));  // 23 s, the next wait ends at 31
  EXPECT_LE(w.t - std::chrono::steady_clock::time_point{}, 30s);
  EXPECT_NE(r.error().message.find("gave up after 23000 ms: connect: Connection refused"),
            std::string::npos);
}

TEST(DeliveryTest, SlowAttemptsGetOnlyWhatIsLeftOfTheBudget) {
  FakeWorld w;
  w.attempt_cost = 10s;  // each attempt times out
  auto r = deliver(w.attempt(), DeliveryPolicy{}, w.env());
  ASSERT_FALSE(r.ok());
  // 0-10 attempt, 10-11 wait, 11-21 attempt, 21-23 wait, 23-30 attempt cut to 7 s.
  EXPECT_EQ(w.timeouts, (std::vector<Millis>{10s, 10s, 7s}));
  EXPECT_EQ(w.t - std::chrono::steady_clock::time_point{}, 30s);
}

TEST(DeliveryTest, EmptyScheduleMeansOneAttempt) {
  FakeWorld w;
  DeliveryPolicy policy;
  policy.backoff.clear();
  EXPECT_FALSE(deliver(w.attempt(), policy, w.env()).ok());
  EXPECT_EQ(w.timeouts.size(), 1u);
}

}  // namespace
}  // namespace slipway::imaging::agent
