#pragma once
// wake_batch(): power a list of machines on, at most N per second, so a rack does not draw its
// inrush current (or flood DHCP) all at once. Pure pacing logic: time and sleep come from a
// Pacer, so tests run without waiting.

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "wol/power_driver.h"

namespace slipway::wol {

class Pacer {
 public:
  using Duration = std::chrono::nanoseconds;
  virtual ~Pacer() = default;
  // Monotonic time since an arbitrary start.
  virtual Duration now() = 0;
  virtual void sleep_for(Duration d) = 0;
};

class SteadyPacer final : public Pacer {
 public:
  Duration now() override { return std::chrono::steady_clock::now().time_since_epoch(); }
  void sleep_for(Duration d) override;
};

struct WakeOutcome {
  PowerTarget target;
  Status status;
};

// Calls driver.power_on() for each target in order. The k-th call (from 0) starts no earlier than
// k / per_second seconds after the first; per_second 0 means no limit. A failure is recorded and
// the batch goes on. `on_outcome`, when set, hears each result as it happens. Blocks the calling
// thread for about (targets - 1) / per_second seconds.
std::vector<WakeOutcome> wake_batch(PowerDriver& driver, std::span<const PowerTarget> targets,
                                    uint32_t per_second, Pacer& pacer,
                                    const std::function<void(const WakeOutcome&)>& on_outcome = {});

}  // namespace slipway::wol
