#pragma once
// One HTTP/1.1 GET from an IPv4 endpoint whose body is handed to a sink in pieces as it arrives
// (Boost.Beast, no resolver, no TLS): how slipway-agent fetches disk images far larger than its
// memory, and small JSON documents.

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "common/ipv4.h"
#include "common/result.h"

namespace slipway::imaging::agent {

struct HttpGet {
  Ipv4 ip;
  uint16_t port = 80;
  std::string target;  // "/images/sha256/<hex>"
  std::string bearer;  // the agent secret sent as Authorization: Bearer; empty: none
};

using BodySink = std::function<Status(std::span<const uint8_t>)>;

// Connects and streams the body of a 200 answer into `sink`. `idle` bounds every step (connect,
// send, each read): a stalled appliance fails the call, a slow but moving one does not. A
// non-200 status is an Error with the status and the start of the body; so is a body longer
// than `max_body`, a connection closed early, or the sink's own Error (which stops the read).
// Returns the body's length.
Result<uint64_t> http_get(const HttpGet& get, std::chrono::milliseconds idle, uint64_t max_body,
                          const BodySink& sink);

// A small GET: the whole 200 body as a string (at most `max_body` bytes).
Result<std::string> http_get_text(const HttpGet& get, std::chrono::milliseconds idle,
                                  uint64_t max_body);

}  // namespace slipway::imaging::agent
