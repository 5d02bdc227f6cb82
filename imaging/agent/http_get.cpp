#include "imaging/agent/http_get.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <optional>
#include <vector>

#include "imaging/agent/http_request.h"

namespace slipway::imaging::agent {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

constexpr size_t kChunkBytes = 256 * 1024;
constexpr size_t kErrorBodyBytes = 512;

}  // namespace

Result<uint64_t> http_get(const HttpGet& get, std::chrono::milliseconds idle, uint64_t max_body,
                          const BodySink& sink) {
  // Asynchronous only for Beast's timeouts (see http_post.cpp); run() blocks until the end.
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  const tcp::endpoint endpoint(asio::ip::address_v4(get.ip.value()), get.port);
  auto req = appliance_request<bhttp::empty_body>(bhttp::verb::get, get.target, get.ip, get.port,
                                                  get.bearer);

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::buffer_body> parser;
  parser.body_limit(max_body);
  parser.header_limit(16 * 1024);
  std::vector<uint8_t> chunk(kChunkBytes);
  std::string error_body;
  uint64_t total = 0;
  std::optional<std::string> failure;

  std::function<void()> read_more = [&] {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    stream.expires_after(idle);
    bhttp::async_read_some(stream, buffer, parser, [&](beast::error_code ec, size_t) {
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) {
        failure = describe_failure("reading the body", ec);
        return;
      }
      const size_t got = chunk.size() - parser.get().body().size;
      const unsigned status = parser.get().result_int();
      if (status != 200) {
        error_body.append(
            reinterpret_cast<const char*>(chunk.data()),
            std::min(got, kErrorBodyBytes - std::min(kErrorBodyBytes, error_body.size())));
      } else if (got > 0) {
        total += got;
        if (auto s = sink({chunk.data(), got}); !s) {
          failure = s.error().message;
          return;
        }
      }
      if (parser.is_done()) return;
      read_more();
    });
  };

  stream.expires_after(idle);
  stream.async_connect(endpoint, [&](beast::error_code ec) {
    if (ec) {
      failure = describe_failure("connect", ec);
      return;
    }
    stream.expires_after(idle);
    bhttp::async_write(stream, req, [&](beast::error_code ec, size_t) {
      if (ec) {
        failure = describe_failure("send", ec);
        return;
      }
      stream.expires_after(idle);
      bhttp::async_read_header(stream, buffer, parser, [&](beast::error_code ec, size_t) {
        if (ec) {
          failure = describe_failure("reading the answer", ec);
          return;
        }
        if (parser.is_done()) return;
        read_more();
      });
    });
  });
  ioc.run();
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  if (failure) return Error{"GET " + get.target + ": " + *failure};
  if (parser.get().result_int() != 200) {
    return Error{"GET " + get.target + ": HTTP " + std::to_string(parser.get().result_int()) +
                 (error_body.empty() ? "" : ": " + error_body)};
  }
  return total;
}

Result<std::string> http_get_text(const HttpGet& get, std::chrono::milliseconds idle,
                                  uint64_t max_body) {
  std::string body;
  auto got = http_get(get, idle, max_body, [&](std::span<const uint8_t> piece) -> Status {
    body.append(reinterpret_cast<const char*>(piece.data()), piece.size());
    return {};
  });
  if (!got) return got.error();
  return body;
}

}  // namespace slipway::imaging::agent
