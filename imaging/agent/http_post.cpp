#include "imaging/agent/http_post.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <optional>
#include <string>

#include "imaging/agent/http_request.h"

namespace slipway::imaging::agent {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

}  // namespace

Result<HttpReply> http_post(const HttpPost& post, std::chrono::milliseconds timeout) {
  // The operations are asynchronous only because Beast enforces timeouts (tcp_stream
  // expires_after) on asynchronous operations alone; run() makes the call as blocking as the
  // synchronous API, but bounded. Each step continues the chain from its completion handler.
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  const tcp::endpoint endpoint(asio::ip::address_v4(post.ip.value()), post.port);

  auto req = appliance_request<bhttp::string_body>(post.method, post.target, post.ip, post.port,
                                                   post.bearer);
  req.set(bhttp::field::content_type, post.content_type);
  req.body() = post.body;
  req.prepare_payload();

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kMaxReplyBytes);
  parser.header_limit(8 * 1024);

  std::optional<std::string> failure;
  stream.expires_after(timeout);
  stream.async_connect(endpoint, [&](beast::error_code ec) {
    if (ec) {
      failure = describe_failure("connect", ec);
      return;
    }
    bhttp::async_write(stream, req, [&](beast::error_code ec, size_t) {
      if (ec) {
        failure = describe_failure("send", ec);
        return;
      }
      bhttp::async_read(stream, buffer, parser, [&](beast::error_code ec, size_t) {
        if (ec) failure = describe_failure("reply", ec);
      });
    });
  });
  ioc.run();

  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  if (failure) return Error{*failure};
  HttpReply reply;
  reply.status = parser.get().result_int();
  reply.body = std::move(parser.get().body());
  return reply;
}

}  // namespace slipway::imaging::agent
