#include "common/event_loop.h"

namespace slipway {

void run_event_loop(boost::asio::io_context& io, std::chrono::microseconds busy_poll) {
  if (busy_poll.count() <= 0) {
    io.run();
    return;
  }
  using clock = std::chrono::steady_clock;
  auto last_event = clock::now();
  while (!io.stopped()) {
    if (io.poll() > 0) {
      last_event = clock::now();
      continue;
    }
    if (io.stopped()) return;  // out of work, or stop() from a handler
    if (clock::now() - last_event < busy_poll) continue;
    if (io.run_one() == 0) return;
    last_event = clock::now();
  }
}

}  // namespace slipway
