#include "controlplane/auth_rate_limiter.h"

#include <algorithm>

namespace slipway::controlplane {

AuthRateLimiter::AuthRateLimiter(const Clock& clock, size_t failures_per_minute, size_t max_sources)
    : clock_(clock),
      limit_(std::max<size_t>(failures_per_minute, 1)),
      max_sources_(std::max<size_t>(max_sources, 1)) {}

int64_t AuthRateLimiter::blocked_for(const boost::asio::ip::address& source) const {
  auto it = windows_.find(source);
  if (it == windows_.end() || it->second.failures < limit_) return 0;
  int64_t left = it->second.start + kWindowSeconds - clock_.now();
  return std::max<int64_t>(left, 0);
}

void AuthRateLimiter::failed(const boost::asio::ip::address& source) {
  int64_t now = clock_.now();
  auto it = windows_.find(source);
  if (it == windows_.end()) {
    if (windows_.size() >= max_sources_) make_room(now);
    windows_.emplace(source, Window{now, 1, false});
    return;
  }
  Window& w = it->second;
  if (now >= w.start + kWindowSeconds) {
    w = Window{now, 1, false};
  } else {
    ++w.failures;
  }
}

bool AuthRateLimiter::first_refusal(const boost::asio::ip::address& source) {
  auto it = windows_.find(source);
  if (it == windows_.end() || it->second.refusal_reported) return false;
  it->second.refusal_reported = true;
  return true;
}

void AuthRateLimiter::make_room(int64_t now) {
  std::erase_if(windows_,
                [&](const auto& entry) { return now >= entry.second.start + kWindowSeconds; });
  if (windows_.size() < max_sources_) return;
  auto oldest = std::min_element(
      windows_.begin(), windows_.end(),
      [](const auto& a, const auto& b) { return a.second.start < b.second.start; });
  windows_.erase(oldest);
}

}  // namespace slipway::controlplane
