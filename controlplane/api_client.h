#pragma once
// ApiClient: the CLI's way to the appliance's REST API (libcurl). Every subcommand except
// `serve` is a client of the API.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/result.h"

namespace slipway::controlplane {

struct ApiResponse {
  long status = 0;
  std::string body;
};

class ApiClient {
 public:
  // `base_url` like "http://198.18.0.1:8080" (no trailing slash needed).
  explicit ApiClient(std::string base_url, long timeout_seconds = 10);

  // Transport failures (refused, timeout, bad URL) are errors; any HTTP status is a response.
  Result<ApiResponse> get(const std::string& path) const;
  Result<ApiResponse> post(const std::string& path, const std::string& json_body) const;
  Result<ApiResponse> del(const std::string& path) const;

  const std::string& base_url() const { return base_url_; }

 private:
  // `method` overrides GET/POST (e.g. "DELETE"); null for the default.
  Result<ApiResponse> perform(const std::string& path, const std::string* body,
                              const char* method = nullptr) const;

  std::string base_url_;
  long timeout_seconds_;
};

// The error text of an API error response ({"error": "..."}), or the raw body.
std::string api_error_text(const ApiResponse& response);

// The answer's JSON when the call succeeded (2xx) and has `member`; otherwise prints why to
// stderr, for a person at a terminal, and gives nothing.
std::optional<nlohmann::json> api_answer(const ApiClient& client,
                                         const Result<ApiResponse>& response, const char* member);

// "/api/v1/machines/KEY" or "/api/v1/machines/KEY/ACTION", the key URL-encoded.
std::string machine_path(const std::string& key, const std::string& action = "");

}  // namespace slipway::controlplane
