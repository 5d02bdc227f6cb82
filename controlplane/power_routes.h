#pragma once
// The power API:
//   POST /api/v1/power/on       {"machines": [KEY...], "timeout_s": 300} -> 202 {"job": job}
//   GET  /api/v1/power/jobs     {"jobs": [job...]}, newest first
//   GET  /api/v1/power/jobs/ID  {"job": job}
// A job: {"id", "done", "timeout_s", "machines": [{"key", "name", "mac", "status", "detail",
// "sent_after_s", "booted_after_s"}]}; status is queued, sent, booted, timed_out or failed.

#include <nlohmann/json.hpp>

#include "common/http_server.h"
#include "controlplane/power_service.h"

namespace slipway::controlplane {

nlohmann::json to_json(const PowerJob& job);
void add_power_routes(http::Router& router, PowerService& power);

}  // namespace slipway::controlplane
