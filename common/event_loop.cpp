#include "common/event_loop.h"

namespace slipway {

namespace {

// A poll that found nothing for a whole window makes the next windows probes only: one idle
// moment in kProbeEvery polls, until a poll catches an event again. Traffic that answers fast
// (lock-step TFTP) keeps every window; traffic that arrives at random intervals (DHCP at a few
// thousand packets per second) wastes few.
constexpr unsigned kProbeEvery = 16;

}  // namespace

void run_event_loop(boost::asio::io_context& io, std::chrono::microseconds busy_poll) {
  if (busy_poll.count() <= 0) {
    io.run();
    return;
  }
  using clock = std::chrono::steady_clock;
  bool polling_pays = true;
  unsigned idle_moments = 0;
  while (!io.stopped()) {
    // Run what is ready; then, while polling pays (or to probe), poll for up to busy_poll.
    if (io.poll() > 0) continue;
    if (io.stopped()) return;  // out of work, or stop() from a handler
    bool poll_now = polling_pays || ++idle_moments % kProbeEvery == 0;
    bool caught = false;
    if (poll_now) {
      auto until = clock::now() + busy_poll;
      while (clock::now() < until) {
        if (io.poll() > 0) {
          caught = true;
          break;
        }
        if (io.stopped()) return;
      }
      polling_pays = caught;
    }
    if (caught) continue;
    if (io.run_one() == 0) return;  // sleeps until the next event
  }
}

}  // namespace slipway
