#include "imaging/agent/delivery.h"

#include <algorithm>
#include <string>

namespace slipway::imaging::agent {

Result<unsigned> deliver(const PostAttempt& attempt, const DeliveryPolicy& policy,
                         const DeliveryEnv& env) {
  const auto start = env.now();
  const auto deadline = start + policy.budget;
  std::string last_error;
  for (size_t n = 0;; ++n) {
    const auto left = std::chrono::duration_cast<Millis>(deadline - env.now());
    const Millis timeout = std::min(policy.attempt_timeout, left);
    if (timeout <= Millis(0)) break;

    auto outcome = attempt(timeout);
    const std::string tag = "attempt " + std::to_string(n + 1) + ": ";
    if (outcome && *outcome >= 200 && *outcome < 300) {
      env.log(tag + "HTTP " + std::to_string(*outcome));
      return *outcome;
    }
    if (outcome && *outcome < 500) {
      return Error{tag + "the appliance answered HTTP " + std::to_string(*outcome)};
    }
    last_error = outcome ? "HTTP " + std::to_string(*outcome) : outcome.error().message;

    // An empty schedule means a single attempt.
    const Millis wait =
        policy.backoff.empty() ? Millis(0) : policy.backoff[std::min(n, policy.backoff.size() - 1)];
    if (policy.backoff.empty() || env.now() + wait >= deadline) {
      env.log(tag + last_error);
      break;
    }
    env.log(tag + last_error + "; retrying in " + std::to_string(wait.count()) + " ms");
    env.sleep(wait);
  }
  const auto spent = std::chrono::duration_cast<Millis>(env.now() - start);
  return Error{"gave up after " + std::to_string(spent.count()) + " ms: " + last_error};
}

}  // namespace slipway::imaging::agent
