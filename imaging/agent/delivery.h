#pragma once
// Delivering one report to the appliance: bounded retries with backoff. Pure logic: the HTTP
// attempt, the clock, the sleep and the log line are injected, so tests run it on a fake clock.

#include <chrono>
#include <functional>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace slipway::imaging::agent {

using Millis = std::chrono::milliseconds;

// One attempt: the HTTP status the appliance answered, or an Error for a transport failure
// (refused, unreachable, timed out, malformed reply). It must return within `timeout`.
using PostAttempt = std::function<Result<unsigned>(Millis timeout)>;

struct DeliveryPolicy {
  // Waits between attempts; the last one repeats; empty means one attempt only. The appliance may
  // still be starting, or the link may take a few seconds to pass traffic after DHCP, so the first
  // waits are short.
  std::vector<Millis> backoff{Millis(1000), Millis(2000), Millis(4000), Millis(8000)};
  Millis attempt_timeout{10000};
  // No attempt starts, and no wait runs, past this much time from the first attempt: the
  // runtime must not hang forever on a dead appliance.
  Millis budget{30000};
};

struct DeliveryEnv {
  std::function<std::chrono::steady_clock::time_point()> now;
  std::function<void(Millis)> sleep;
  std::function<void(std::string_view)> log;  // one progress line per call
};

// Runs attempts until one gets a 2xx (returned), a final answer arrives, or the budget is spent.
// Transport errors and 5xx are retried; any other status (4xx: the appliance refused the report
// and would refuse it again) is final and an Error.
Result<unsigned> deliver(const PostAttempt& attempt, const DeliveryPolicy& policy,
                         const DeliveryEnv& env);

}  // namespace slipway::imaging::agent
