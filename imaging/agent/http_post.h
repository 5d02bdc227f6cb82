#pragma once
// One HTTP/1.1 request with a body (POST, or PUT for snapshot chunks) to an IPv4 endpoint
// (Boost.Beast over an Asio TCP socket, no resolver, no TLS). Used by slipway-agent to talk to
// the appliance.

#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "common/ipv4.h"
#include "common/result.h"

namespace slipway::imaging::agent {

// Replies larger than this are refused: the appliance answers the agent with small JSON.
inline constexpr size_t kMaxReplyBytes = 64 * 1024;

struct HttpReply {
  unsigned status = 0;
  std::string body;
};

struct HttpPost {
  Ipv4 ip;
  uint16_t port = 80;
  std::string target;  // "/api/v1/agent/report"
  std::string content_type;
  std::string body;  // a few MiB at most: it is sent from memory
  boost::beast::http::verb method = boost::beast::http::verb::post;
  std::string bearer = {};  // the agent secret sent as Authorization: Bearer; empty: none
};

// Connects, sends the request (Connection: close) and reads the whole reply. Blocks at most
// `timeout` in total: connect, write and read share it, so an unreachable or silent appliance
// cannot stall the caller. Any transport failure, timeout or malformed reply is an Error; an
// HTTP error status is not (it is in the reply).
Result<HttpReply> http_post(const HttpPost& post, std::chrono::milliseconds timeout);

}  // namespace slipway::imaging::agent
