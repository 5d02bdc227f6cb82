#pragma once
// ApiClient: the CLI's way to the appliance's REST API (libcurl). Every subcommand except
// `serve` is a client of the API.
//
// Authentication: every request carries `Authorization: Bearer <token>` when the CLI found a
// token (find_client_token(), set once by main with set_client_token()). A 401 or 403 answer
// names where the token came from and what the route needs.

#include <cstdlib>
#include <filesystem>
#include <functional>
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

// The CLI's API token and where it came from ("--token", "$SLIPWAY_TOKEN", a file's path...).
struct ClientToken {
  std::string text;
  std::string source;
};

// Where find_client_token() looks, in this order: the --token flag, $SLIPWAY_TOKEN,
// $SLIPWAY_TOKEN_FILE, the CLI's config file (`token: TEXT` or `token_file: PATH`, relative to the
// config's folder), then the appliance's first-start admin token file.
struct TokenSources {
  std::optional<std::string> flag;
  std::function<const char*(const char*)> env = [](const char* name) { return std::getenv(name); };
  // Empty: $XDG_CONFIG_HOME/slipway/client.yaml, or $HOME/.config/slipway/client.yaml.
  std::filesystem::path config_file;
  std::filesystem::path admin_token_file = "/var/lib/slipway/admin.token";
};

// The first source that is set. A source that is set but unusable (an empty value, an unreadable
// token file, a config file that is not YAML) is an error naming it, rather than a silent fall
// to the next; a missing config file and an absent or unreadable admin token file are skipped.
Result<std::optional<ClientToken>> find_client_token(const TokenSources& sources);
// Every ApiClient of this process sends this token (none: requests go without).
void set_client_token(std::optional<ClientToken> token);

// The error text of an API error response ({"error": "..."}), or the raw body.
std::string api_error_text(const ApiResponse& response);

// The answer's JSON when the call succeeded (2xx) and has `member`; otherwise prints why to
// stderr, for a person at a terminal, and gives nothing. For 401 and 403 that includes which
// token was used (its source, never its text) and what the route needs.
std::optional<nlohmann::json> api_answer(const ApiClient& client,
                                         const Result<ApiResponse>& response, const char* member);

// "/api/v1/machines/KEY" or "/api/v1/machines/KEY/ACTION", the key URL-encoded.
std::string machine_path(const std::string& key, const std::string& action = "");

}  // namespace slipway::controlplane
