#pragma once
// For API tests: one request through Router::dispatch (no sockets), its status and JSON body.

#include <nlohmann/json.hpp>
#include <string>

#include "common/http_server.h"

namespace slipway::controlplane {

struct ApiAnswer {
  unsigned status;
  nlohmann::json body;  // discarded (is_discarded()) when the body is not JSON
};

inline ApiAnswer call_api(http::Router& router, http::bhttp::verb method, const std::string& target,
                          const std::string& body = "", const char* remote = "198.18.0.9") {
  http::Request req(method, target, 11);
  req.body() = body;
  req.prepare_payload();
  auto res = router.dispatch(req, boost::asio::ip::make_address(remote));
  auto& string_res = std::get<http::StringResponse>(res);
  return {string_res.result_int(), nlohmann::json::parse(string_res.body(), nullptr, false)};
}

}  // namespace slipway::controlplane
