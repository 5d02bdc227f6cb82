#include "common/event_loop.h"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

namespace slipway {
namespace {

using namespace std::chrono_literals;

// Handlers posted now and later (from a timer) all run, in order, and the loop returns when the
// work runs out, with and without busy polling.
TEST(EventLoop, RunsEveryHandlerAndReturnsWhenWorkRunsOut) {
  for (auto busy_poll : {0us, 200us}) {
    boost::asio::io_context io;
    std::vector<int> order;
    boost::asio::steady_timer timer(io);
    boost::asio::post(io, [&] { order.push_back(1); });
    // Taken before the timer is armed: the timer counts from its own arming, so a start taken
    // later could see the wait end a little before 20 ms had passed on this clock.
    auto started = std::chrono::steady_clock::now();
    timer.expires_after(20ms);
    timer.async_wait([&](boost::system::error_code ec) {
      EXPECT_FALSE(ec);
      order.push_back(3);
      boost::asio::post(io, [&] { order.push_back(4); });
    });
    boost::asio::post(io, [&] { order.push_back(2); });
    run_event_loop(io, busy_poll);
    EXPECT_GE(std::chrono::steady_clock::now() - started, 20ms);
    EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4})) << busy_poll.count() << " us";
  }
}

// stop() from a handler ends the loop even though work (a far timer) remains.
TEST(EventLoop, StopFromAHandlerEndsTheLoop) {
  for (auto busy_poll : {0us, 200us}) {
    boost::asio::io_context io;
    boost::asio::steady_timer far(io);
    far.expires_after(1h);
    far.async_wait([](boost::system::error_code) {});
    boost::asio::steady_timer soon(io);
    soon.expires_after(10ms);
    soon.async_wait([&](boost::system::error_code) { io.stop(); });
    auto started = std::chrono::steady_clock::now();
    run_event_loop(io, busy_poll);
    EXPECT_TRUE(io.stopped());
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  }
}

}  // namespace
}  // namespace slipway
