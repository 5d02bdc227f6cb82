#include "controlplane/api_client.h"

#include <curl/curl.h>

#include <cstdlib>
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

}  // namespace

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
  if (body) {
    headers.reset(curl_slist_append(nullptr, "Content-Type: application/json"));
    curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body->c_str());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
  }
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
    return doc["error"].get<std::string>();
  }
  return "HTTP " + std::to_string(response.status) + ": " + response.body;
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
