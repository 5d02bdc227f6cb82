#include "imaging/agent/appliance_client.h"

#include <cstdio>
#include <thread>

#include "imaging/agent/http_get.h"

namespace slipway::imaging::agent {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

Result<std::string> get_text_retrying(const AgentSettings& s, const std::string& api_path,
                                      size_t max_bytes, const std::string& what) {
  const HttpGet get{s.appliance.ip, s.appliance.port, s.appliance.target(api_path), s.secret};
  Result<std::string> text = Error{"not asked"};
  for (int attempt = 0; attempt < 10; ++attempt) {
    text = http_get_text(get, std::chrono::seconds(10), max_bytes);
    if (text) return text;
    s.say(what + ": " + text.error().message + " (retrying)");
    std::this_thread::sleep_for(std::chrono::seconds(3));
  }
  return text;
}

Result<HttpReply> send_to_appliance(const AgentSettings& s, const std::string& api_path,
                                    boost::beast::http::verb method,
                                    const std::string& content_type, std::string body,
                                    std::chrono::seconds timeout, int attempts) {
  HttpPost post{s.appliance.ip, s.appliance.port, s.appliance.target(api_path),
                content_type,   std::move(body),  method,
                s.secret};
  Result<HttpReply> reply = Error{"not sent"};
  for (int i = 0; i < attempts; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::seconds(2));
    reply = http_post(post, timeout);
    if (reply && reply->status / 100 != 5) return reply;
  }
  return reply;
}

std::string rate(uint64_t bytes, Clock::duration d) {
  double s = std::chrono::duration<double>(d).count();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f MB/s", s > 0 ? bytes / s / 1e6 : 0.0);
  return buf;
}

bool ProgressReporter::send(const std::string& stage, uint64_t done, uint64_t total,
                            const std::string& message, int attempts) {
  last_ = Clock::now();
  json body = {{"mac", s_.mac.to_string()},
               {"stage", stage},
               {"bytes_done", done},
               {"bytes_total", total},
               {"message", message.substr(0, 1000)}};
  for (int i = 0; i < attempts; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::seconds(2));
    auto reply = send_to_appliance(s_, api_path_, boost::beast::http::verb::post,
                                   "application/json", body.dump(), std::chrono::seconds(10), 1);
    if (reply && reply->status / 100 == 2) return true;
    if (i + 1 == attempts) {
      s_.say("progress report not delivered: " +
             (reply ? "HTTP " + std::to_string(reply->status) + " " + reply->body
                    : reply.error().message));
    }
  }
  return false;
}

int ProgressReporter::fail(const std::string& mode, const std::string& why) {
  s_.say(mode + " failed: " + why);
  send("failed", 0, 0, why, 5);
  return 1;
}

void ProgressReporter::every_so_often(const std::string& stage, uint64_t done, uint64_t total,
                                      const std::string& message) {
  if (Clock::now() - last_ < kProgressEvery) return;
  send(stage, done, total, message);
}

}  // namespace slipway::imaging::agent
