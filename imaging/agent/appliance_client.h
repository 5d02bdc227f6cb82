#pragma once
// What install, capture and restore modes share when talking to the appliance: a JSON document
// fetched with retries, a JSON request (POST or PUT), progress reports at most every 2 s, and
// the transfer rate text.

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"
#include "imaging/agent/agent_settings.h"
#include "imaging/agent/http_post.h"

namespace slipway::imaging::agent {

inline constexpr auto kProgressEvery = std::chrono::seconds(2);

// GET `api_path` (a 200 body of at most `max_bytes`), retried every 3 s for ~30 s.
Result<std::string> get_text_retrying(const AgentSettings& s, const std::string& api_path,
                                      size_t max_bytes, const std::string& what);

// One request with a body; transport errors and 5xx are retried `attempts` times, 2 s apart.
// The reply of the last attempt (any status) or its transport error.
Result<HttpReply> send_to_appliance(const AgentSettings& s, const std::string& api_path,
                                    boost::beast::http::verb method,
                                    const std::string& content_type, std::string body,
                                    std::chrono::seconds timeout, int attempts);

// "12.3 MB/s"
std::string rate(uint64_t bytes, std::chrono::steady_clock::duration d);

// Posts {"mac", "stage", "bytes_done", "bytes_total", "message"} to one progress route.
class ProgressReporter {
 public:
  ProgressReporter(const AgentSettings& s, std::string api_path)
      : s_(s), api_path_(std::move(api_path)) {}
  // Best effort while working (a lost progress line is no failure); final reports retry.
  bool send(const std::string& stage, uint64_t done, uint64_t total, const std::string& message,
            int attempts = 1);
  // Says "<mode> failed: <why>", reports stage "failed" with the reason (retried) and returns
  // the agent's exit status for a failure, 1.
  int fail(const std::string& mode, const std::string& why);
  // send("stage", ...) when kProgressEvery has passed since the last one sent by this.
  void every_so_often(const std::string& stage, uint64_t done, uint64_t total,
                      const std::string& message);

 private:
  const AgentSettings& s_;
  std::string api_path_;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace slipway::imaging::agent
