#include "wol/batch_waker.h"

#include <thread>

namespace slipway::wol {

void SteadyPacer::sleep_for(Duration d) { std::this_thread::sleep_for(d); }

std::vector<WakeOutcome> wake_batch(PowerDriver& driver, std::span<const PowerTarget> targets,
                                    uint32_t per_second, Pacer& pacer,
                                    const std::function<void(const WakeOutcome&)>& on_outcome) {
  std::vector<WakeOutcome> outcomes;
  outcomes.reserve(targets.size());
  const Pacer::Duration interval = per_second == 0
                                       ? Pacer::Duration::zero()
                                       : Pacer::Duration(std::chrono::seconds(1)) / per_second;
  Pacer::Duration start{};
  for (size_t k = 0; k < targets.size(); ++k) {
    if (k == 0) {
      start = pacer.now();
    } else {
      // Scheduled from the start, not from the previous call: a slow power_on() does not push
      // every later wake back.
      Pacer::Duration due = start + interval * static_cast<int64_t>(k);
      Pacer::Duration now = pacer.now();
      if (due > now) pacer.sleep_for(due - now);
    }
    outcomes.push_back({targets[k], driver.power_on(targets[k])});
    if (on_outcome) on_outcome(outcomes.back());
  }
  return outcomes;
}

}  // namespace slipway::wol
