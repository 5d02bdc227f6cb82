#pragma once
// What the agent's GET and POST share: the request line and headers every request to the
// appliance carries, and the text of a failed step.

#include <boost/beast/core/error.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/message.hpp>
#include <cstdint>
#include <string>

#include "common/ipv4.h"

namespace slipway::imaging::agent {

// An HTTP/1.1 request to the appliance: Host (its address and port), the agent's User-Agent,
// Connection: close (one request per connection) and, when the agent has its boot's secret
// (slipway.secret=), Authorization: Bearer <secret>.
template <class Body>
boost::beast::http::request<Body> appliance_request(boost::beast::http::verb verb,
                                                    const std::string& target, Ipv4 ip,
                                                    uint16_t port, const std::string& bearer) {
  namespace bhttp = boost::beast::http;
  bhttp::request<Body> req(verb, target, 11);
  req.set(bhttp::field::host, ip.to_string() + ":" + std::to_string(port));
  req.set(bhttp::field::user_agent, "slipway-agent");
  req.set(bhttp::field::connection, "close");
  if (!bearer.empty()) req.set(bhttp::field::authorization, "Bearer " + bearer);
  return req;
}

// "connect: timed out", "reply: end of stream"...
inline std::string describe_failure(const char* step, const boost::beast::error_code& ec) {
  if (ec == boost::beast::error::timeout) return std::string(step) + ": timed out";
  return std::string(step) + ": " + ec.message();
}

}  // namespace slipway::imaging::agent
