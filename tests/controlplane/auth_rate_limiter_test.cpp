#include "controlplane/auth_rate_limiter.h"

#include <gtest/gtest.h>

namespace slipway::controlplane {
namespace {

using boost::asio::ip::make_address;

TEST(AuthRateLimiter, BlocksASourceAfterItsFailuresUntilTheMinutePasses) {
  ManualClock clock;
  AuthRateLimiter limiter(clock, 3);
  auto a = make_address("198.18.0.9");
  auto b = make_address("198.18.0.10");
  for (int i = 0; i < 2; ++i) limiter.failed(a);
  EXPECT_EQ(limiter.blocked_for(a), 0);
  clock.advance(20);
  limiter.failed(a);
  EXPECT_EQ(limiter.blocked_for(a), 40);  // the window started at the first failure
  EXPECT_EQ(limiter.blocked_for(b), 0);   // per source
  EXPECT_TRUE(limiter.first_refusal(a));
  EXPECT_FALSE(limiter.first_refusal(a));
  clock.advance(39);
  EXPECT_EQ(limiter.blocked_for(a), 1);
  clock.advance(1);
  EXPECT_EQ(limiter.blocked_for(a), 0);
  // A new window: counting starts again, and its first refusal is reported again.
  limiter.failed(a);
  EXPECT_EQ(limiter.blocked_for(a), 0);
  limiter.failed(a);
  limiter.failed(a);
  EXPECT_EQ(limiter.blocked_for(a), 60);
  EXPECT_TRUE(limiter.first_refusal(a));
}

TEST(AuthRateLimiter, FailuresSpreadOverMinutesAreNotBlocked) {
  ManualClock clock;
  AuthRateLimiter limiter(clock, 3);
  auto a = make_address("2001:db8::1");
  for (int i = 0; i < 30; ++i) {
    limiter.failed(a);
    clock.advance(30);
    EXPECT_EQ(limiter.blocked_for(a), 0) << i;
  }
}

TEST(AuthRateLimiter, TracksABoundedNumberOfSources) {
  ManualClock clock;
  AuthRateLimiter limiter(clock, 2, 100);
  auto blocked = make_address("198.18.1.1");
  limiter.failed(blocked);
  limiter.failed(blocked);
  for (int i = 0; i < 1000; ++i) {
    clock.advance(i % 10 == 0 ? 1 : 0);
    limiter.failed(boost::asio::ip::address_v4(0xC6120000u + 0x100u + static_cast<unsigned>(i)));
    EXPECT_LE(limiter.tracked(), 100u);
  }
}

}  // namespace
}  // namespace slipway::controlplane
