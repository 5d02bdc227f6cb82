#pragma once
// The daemon's event loop: io_context::run() with optional adaptive busy polling.
//
// After each batch of handlers the loop keeps polling (epoll_wait with a zero timeout) for up to
// `busy_poll` before it goes to sleep in the kernel. A reply that arrives within that time is
// handled at once, without the wake-up of a sleeping thread (an inter-processor interrupt, and
// on a virtual machine an exit to the hypervisor), which costs tens of microseconds here and
// dominates lock-step protocols such as TFTP without windows. The price is CPU time spent
// polling while traffic flows; an idle appliance sleeps as before. Adaptive: after a window
// that caught nothing, only every 16th idle moment polls (a probe) until one catches an event
// again, so traffic that arrives at random (DHCP) costs little. Zero means plain run().

#include <boost/asio/io_context.hpp>
#include <chrono>

namespace slipway {

// Returns when the io_context is stopped or runs out of work, as io_context::run() does.
void run_event_loop(boost::asio::io_context& io, std::chrono::microseconds busy_poll);

}  // namespace slipway
