#include "controlplane/api_client.h"

#include <curl/curl.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/url.h"

namespace slipway::controlplane {
namespace {

size_t append_body(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

std::optional<ClientToken>& process_token() {
  static std::optional<ClientToken> token;
  return token;
}

constexpr size_t kMaxTokenFileSize = 4096;

std::string trimmed(std::string s) {
  const char* space = " \t\r\n";
  size_t first = s.find_first_not_of(space);
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(space) - first + 1);
}

// The token in `path`: its first line, trimmed. nullopt (with `missing_ok`) when the file does
// not exist or cannot be read.
Result<std::optional<ClientToken>> token_from_file(const std::filesystem::path& path,
                                                   std::string source, bool missing_ok) {
  std::ifstream in(path);
  if (!in) {
    if (missing_ok) return std::optional<ClientToken>();
    return Error{"cannot read the token file " + path.string() + " (" + source + ")"};
  }
  std::string line;
  std::getline(in, line);
  if (line.size() > kMaxTokenFileSize) {
    return Error{"the token file " + path.string() + " (" + source + ") is not a token"};
  }
  line = trimmed(line);
  if (line.empty()) return Error{"the token file " + path.string() + " (" + source + ") is empty"};
  return std::optional<ClientToken>(ClientToken{line, source});
}

std::filesystem::path default_config_file(const TokenSources& sources) {
  if (const char* xdg = sources.env("XDG_CONFIG_HOME"); xdg && *xdg) {
    return std::filesystem::path(xdg) / "slipway/client.yaml";
  }
  if (const char* home = sources.env("HOME"); home && *home) {
    return std::filesystem::path(home) / ".config/slipway/client.yaml";
  }
  return {};
}

Result<std::optional<ClientToken>> token_from_config(const std::filesystem::path& config) {
  std::error_code ec;
  if (config.empty() || !std::filesystem::exists(config, ec)) return std::optional<ClientToken>();
  YAML::Node doc;
  try {
    doc = YAML::LoadFile(config.string());
  } catch (const YAML::Exception& e) {
    return Error{config.string() + ": " + e.what()};
  }
  if (!doc.IsMap()) return std::optional<ClientToken>();
  try {
    if (doc["token"]) {
      std::string text = trimmed(doc["token"].as<std::string>());
      if (text.empty()) return Error{config.string() + ": 'token' is empty"};
      return std::optional<ClientToken>(ClientToken{text, config.string() + " (token)"});
    }
    if (doc["token_file"]) {
      std::filesystem::path file = doc["token_file"].as<std::string>();
      if (file.is_relative()) file = config.parent_path() / file;
      return token_from_file(file, "token_file in " + config.string(), false);
    }
  } catch (const YAML::Exception& e) {
    return Error{config.string() + ": " + e.what()};
  }
  return std::optional<ClientToken>();
}

// The second line of a 401/403 refusal: which token the CLI sent, and where it came from.
std::string token_hint(long status) {
  const auto& token = process_token();
  if (status == 401 && !token) {
    return " (no token sent: pass --token, set SLIPWAY_TOKEN or SLIPWAY_TOKEN_FILE, or put "
           "`token:` in ~/.config/slipway/client.yaml)";
  }
  if (!token) return "";
  return " (token from " + token->source + ")";
}

}  // namespace

Result<std::optional<ClientToken>> find_client_token(const TokenSources& sources) {
  if (sources.flag) {
    std::string text = trimmed(*sources.flag);
    if (text.empty()) return Error{"--token is empty"};
    return std::optional<ClientToken>(ClientToken{text, "--token"});
  }
  if (const char* env = sources.env("SLIPWAY_TOKEN"); env) {
    std::string text = trimmed(env);
    if (text.empty()) return Error{"$SLIPWAY_TOKEN is set but empty"};
    return std::optional<ClientToken>(ClientToken{text, "$SLIPWAY_TOKEN"});
  }
  if (const char* file = sources.env("SLIPWAY_TOKEN_FILE"); file) {
    if (!*file) return Error{"$SLIPWAY_TOKEN_FILE is set but empty"};
    return token_from_file(file, std::string("$SLIPWAY_TOKEN_FILE ") + file, false);
  }
  auto config = sources.config_file.empty() ? default_config_file(sources) : sources.config_file;
  auto from_config = token_from_config(config);
  if (!from_config || *from_config) return from_config;
  return token_from_file(sources.admin_token_file, sources.admin_token_file.string(), true);
}

void set_client_token(std::optional<ClientToken> token) { process_token() = std::move(token); }

ApiClient::ApiClient(std::string base_url, long timeout_seconds)
    : base_url_(std::move(base_url)), timeout_seconds_(timeout_seconds) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

Result<ApiResponse> ApiClient::get(const std::string& path) const { return perform(path, nullptr); }

Result<ApiResponse> ApiClient::post(const std::string& path, const std::string& json_body) const {
  return perform(path, &json_body);
}

Result<ApiResponse> ApiClient::del(const std::string& path) const {
  return perform(path, nullptr, "DELETE");
}

Result<ApiResponse> ApiClient::perform(const std::string& path, const std::string* body,
                                       const char* method) const {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Error{"cannot initialise libcurl"};
  std::string url = base_url_ + path;
  ApiResponse response;
  char error[CURL_ERROR_SIZE] = {0};
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, timeout_seconds_);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 5L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
  // The appliance is on the local network: never go through a proxy from the environment.
  curl_easy_setopt(curl.get(), CURLOPT_NOPROXY, "*");
  // An https:// appliance with its own CA: trust the CA the user fetched from /tls/ca.crt.
  if (const char* ca = std::getenv("SLIPWAY_CA_CERT"); ca && *ca) {
    curl_easy_setopt(curl.get(), CURLOPT_CAINFO, ca);
  }
  auto add_header = [&headers](const std::string& line) {
    curl_slist* list = curl_slist_append(headers.get(), line.c_str());
    if (list) {
      (void)headers.release();
      headers.reset(list);
    }
  };
  if (const auto& token = process_token()) add_header("Authorization: Bearer " + token->text);
  if (body) {
    add_header("Content-Type: application/json");
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body->c_str());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
  }
  if (headers) curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
  if (method) curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, method);
  CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK) {
    return Error{"cannot reach the appliance at " + base_url_ + ": " +
                 (error[0] ? std::string(error) : curl_easy_strerror(rc))};
  }
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

std::string api_error_text(const ApiResponse& response) {
  auto doc = nlohmann::json::parse(response.body, nullptr, false);
  if (doc.is_object() && doc.contains("error") && doc["error"].is_string()) {
    std::string text = doc["error"].get<std::string>();
    if (response.status == 401 || response.status == 403) text += token_hint(response.status);
    return text;
  }
  return "HTTP " + std::to_string(response.status) + ": " + response.body +
         (response.status == 401 || response.status == 403 ? token_hint(response.status) : "");
}

std::optional<nlohmann::json> api_answer(const ApiClient& client,
                                         const Result<ApiResponse>& response, const char* member) {
  if (!response) {
    std::cerr << "slipway: " << response.error().message
              << " (is `slipway serve` running there? set --server or SLIPWAY_URL)\n";
    return std::nullopt;
  }
  if (response->status < 200 || response->status > 299) {
    std::cerr << "slipway: the appliance at " << client.base_url()
              << " refused: " << api_error_text(*response) << "\n";
    return std::nullopt;
  }
  auto doc = nlohmann::json::parse(response->body, nullptr, false);
  if (doc.is_discarded() || !doc.contains(member)) {
    std::cerr << "slipway: the appliance sent an answer this CLI does not understand\n";
    return std::nullopt;
  }
  return doc;
}

std::string machine_path(const std::string& key, const std::string& action) {
  return "/api/v1/machines/" + url::encode(key) + (action.empty() ? "" : "/" + action);
}

}  // namespace slipway::controlplane
