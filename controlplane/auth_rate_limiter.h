#pragma once
// Failed authentications per source address: after `failures_per_minute` failures within a
// minute (counted from the first), the source is refused (429) until that minute has passed,
// whatever it sends. Successful requests are not counted and do not reset the count.
//
// Bounded memory: at most `max_sources` addresses are tracked; when full, expired windows are
// dropped first, then the oldest window.
//
// Thread-safety: none (the io_context's thread).

#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <cstdint>
#include <map>

#include "common/clock.h"

namespace slipway::controlplane {

class AuthRateLimiter {
 public:
  static constexpr int64_t kWindowSeconds = 60;

  AuthRateLimiter(const Clock& clock, size_t failures_per_minute = 20, size_t max_sources = 10000);

  // Seconds until `source` may try again, 0 when it may now.
  int64_t blocked_for(const boost::asio::ip::address& source) const;
  // Counts one failure from `source`.
  void failed(const boost::asio::ip::address& source);
  // REQUIRES: blocked_for(source) > 0. True for the first call in the source's window, so a
  // flood is logged and audited once.
  bool first_refusal(const boost::asio::ip::address& source);
  size_t tracked() const { return windows_.size(); }

 private:
  struct Window {
    int64_t start = 0;
    size_t failures = 0;
    bool refusal_reported = false;
  };
  void make_room(int64_t now);

  const Clock& clock_;
  size_t limit_;
  size_t max_sources_;
  std::map<boost::asio::ip::address, Window> windows_;
};

}  // namespace slipway::controlplane
