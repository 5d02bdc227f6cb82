#include "common/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "common/http_file.h"
#include "tests/common/test_dir.h"

namespace slipway::http {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

constexpr size_t kFileBytes = 8 * 1024 * 1024;

// 'a'..'z' over and over: a range from anywhere in it has known bytes.
std::string big_content() {
  std::string s(kFileBytes, 0);
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>('a' + i % 26);
  return s;
}

// A real Server on 127.0.0.1 (its own io_context thread) serving one big file, with a 1 s idle
// timeout, and a blocking client with a small receive buffer so the server's sends stall
// whenever the client stops reading.
class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() {
    std::ofstream(dir_ / "big.img") << big_content();
    std::ofstream(dir_ / "small.txt") << "0123456789";
    router_.add(bhttp::verb::get, "/big.img", [this](const RequestContext& ctx) {
      return serve_file(ctx.request, dir_ / "big.img");
    });
    auto echo_size = [](const RequestContext& ctx) {
      return json_response(ctx.request, bhttp::status::ok,
                           std::to_string(ctx.request.body().size()));
    };
    router_.add(bhttp::verb::get, "/small.txt", [this](const RequestContext& ctx) {
      return serve_file(ctx.request, dir_ / "small.txt");
    });
    router_.add_prefix(bhttp::verb::put, "/small/", echo_size);
    router_.add_prefix(bhttp::verb::put, "/big/", echo_size, 3 * 1024 * 1024);
    Limits limits;
    limits.idle_timeout = 1s;
    limits.header_timeout = 1s;
    limits.max_requests_per_connection = 3;
    auto log = AccessLog::open(dir_ / "access.log");
    EXPECT_TRUE(log);
    access_log_.emplace(std::move(*log));
    server_.emplace(io_, router_, limits, metrics_, &*access_log_);
    EXPECT_TRUE(server_->listen({asio::ip::make_address("127.0.0.1"), 0}));
    thread_ = std::thread([this] { io_.run(); });
  }
  ~HttpServerTest() override {
    asio::post(io_, [this] { server_->stop(); });
    io_.stop();
    thread_.join();
  }

  // Sends GET /big.img; returns the connected socket.
  tcp::socket request() {
    tcp::socket s(client_io_);
    s.open(tcp::v4());
    s.set_option(asio::socket_base::receive_buffer_size(64 * 1024));
    s.connect(server_->local_endpoint());
    std::string req = "GET /big.img HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    asio::write(s, asio::buffer(req));
    return s;
  }

  // Reads until the server closes, `chunk` bytes at a time with `pause` between reads; returns
  // the bytes received (headers included).
  static size_t read_all(tcp::socket& s, size_t chunk, std::chrono::milliseconds pause) {
    std::vector<char> buf(chunk);
    size_t total = 0;
    boost::system::error_code ec;
    while (!ec) {
      total += s.read_some(asio::buffer(buf), ec);
      if (pause.count()) std::this_thread::sleep_for(pause);
    }
    return total;
  }

  testutil::TestDir dir_;
  asio::io_context io_;
  asio::io_context client_io_;
  Router router_;
  Metrics metrics_;
  std::optional<AccessLog> access_log_;
  std::optional<Server> server_;
  std::thread thread_;
};

// Sends `raw` on a new connection and returns everything the server sends until it closes.
std::string round_trip(const tcp::endpoint& server, const std::string& raw) {
  asio::io_context io;
  tcp::socket s(io);
  s.connect(server);
  asio::write(s, asio::buffer(raw));
  std::string reply;
  std::vector<char> buf(64 * 1024);
  boost::system::error_code ec;
  while (!ec) {
    size_t n = s.read_some(asio::buffer(buf), ec);
    reply.append(buf.data(), n);
  }
  return reply;
}

std::string header_value(const std::string& reply, const std::string& name) {
  size_t at = reply.find("\r\n" + name + ": ");
  if (at == std::string::npos) return {};
  at += name.size() + 4;
  return reply.substr(at, reply.find("\r\n", at) - at);
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Sends a PUT of `bytes` to `target` and returns the status line.
std::string put_status(const tcp::endpoint& server, const std::string& target, size_t bytes) {
  asio::io_context io;
  tcp::socket s(io);
  s.connect(server);
  std::string req = "PUT " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n" +
                    "Content-Length: " + std::to_string(bytes) + "\r\n\r\n";
  asio::write(s, asio::buffer(req));
  boost::system::error_code ec;
  asio::write(s, asio::buffer(std::string(bytes, 'b')), ec);  // the server may stop reading
  std::string reply;
  std::vector<char> buf(4096);
  do {
    size_t n = s.read_some(asio::buffer(buf), ec);
    reply.append(buf.data(), n);
  } while (!ec);
  return reply.substr(0, reply.find("\r\n"));
}

// The server's body limit is 1 MiB; a route with its own limit takes what that allows.
TEST_F(HttpServerTest, ARouteWithItsOwnBodyLimitTakesLargerBodies) {
  const size_t two_mib = 2 * 1024 * 1024;
  EXPECT_EQ(put_status(server_->local_endpoint(), "/big/chunk", two_mib), "HTTP/1.1 200 OK");
  EXPECT_EQ(put_status(server_->local_endpoint(), "/small/chunk", two_mib),
            "HTTP/1.1 413 Payload Too Large");
  EXPECT_EQ(put_status(server_->local_endpoint(), "/big/chunk", 4 * 1024 * 1024),
            "HTTP/1.1 413 Payload Too Large");
  EXPECT_EQ(router_.body_limit_for(bhttp::verb::put, "/big/x?y=1"), 3u * 1024 * 1024);
  EXPECT_EQ(router_.body_limit_for(bhttp::verb::put, "/small/x"), std::nullopt);
  EXPECT_EQ(router_.body_limit_for(bhttp::verb::get, "/big/x"), std::nullopt);
}

// 8 MiB taken 64 KiB (the receive buffer) per 20 ms lasts about 2.5 s, three times the idle
// timeout: the timeout counts from the last progress, so the whole file arrives.
TEST_F(HttpServerTest, ASlowSteadyReaderGetsAFileThatTakesLongerThanTheIdleTimeout) {
  auto s = request();
  auto started = std::chrono::steady_clock::now();
  size_t got = read_all(s, 256 * 1024, 40ms);
  EXPECT_GT(std::chrono::steady_clock::now() - started, 1500ms)
      << "the read must outlast the 1 s timeout";
  EXPECT_GT(got, kFileBytes);
  EXPECT_LT(got, kFileBytes + 1024) << "body plus headers";
}

// A reader that stops taking data is cut off after the idle timeout: what it reads afterwards
// is what was in flight, far short of the file.
TEST_F(HttpServerTest, AStalledReaderIsCutOff) {
  auto s = request();
  std::this_thread::sleep_for(2500ms);
  size_t got = read_all(s, 256 * 1024, 0ms);
  EXPECT_LT(got, kFileBytes / 2);
}

// The file body goes out with sendfile: a Range from the middle arrives byte-exact, and the
// ETag it came with makes the next request a 304 without a body.
TEST_F(HttpServerTest, RangesAndConditionalRequestsOverTheWire) {
  auto ep = server_->local_endpoint();
  std::string partial = round_trip(
      ep, "GET /small.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=3-6\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(partial.substr(0, partial.find("\r\n")), "HTTP/1.1 206 Partial Content");
  EXPECT_EQ(header_value(partial, "Content-Range"), "bytes 3-6/10");
  EXPECT_EQ(partial.substr(partial.find("\r\n\r\n") + 4), "3456");
  std::string etag = header_value(partial, "ETag");
  ASSERT_FALSE(etag.empty());

  std::string cached =
      round_trip(ep, "GET /small.txt HTTP/1.1\r\nHost: t\r\nIf-None-Match: " + etag +
                         "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(cached.substr(0, cached.find("\r\n")), "HTTP/1.1 304 Not Modified");
  EXPECT_EQ(cached.substr(cached.find("\r\n\r\n") + 4), "") << "a 304 has no body";

  std::string stale = round_trip(ep,
                                 "GET /small.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=3-6\r\n"
                                 "If-Range: \"old\"\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(stale.substr(0, stale.find("\r\n")), "HTTP/1.1 200 OK");
  EXPECT_EQ(stale.substr(stale.find("\r\n\r\n") + 4), "0123456789");

  std::string whole =
      round_trip(ep, "GET /big.img HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(whole.size() - (whole.find("\r\n\r\n") + 4), kFileBytes);
  EXPECT_EQ(whole.substr(whole.find("\r\n\r\n") + 4), big_content());

  // The same through sendfile from an offset: a range of the big file.
  std::string big_range =
      round_trip(ep,
                 "GET /big.img HTTP/1.1\r\nHost: t\r\nRange: bytes=1000001-1200000\r\n"
                 "Connection: close\r\n\r\n");
  EXPECT_EQ(header_value(big_range, "Content-Range"),
            "bytes 1000001-1200000/" + std::to_string(kFileBytes));
  EXPECT_EQ(big_range.substr(big_range.find("\r\n\r\n") + 4),
            big_content().substr(1000001, 200000));
}

// A keep-alive connection serves max_requests_per_connection (3) requests; the last answer
// says Connection: close and the server hangs up, leaving the fourth pipelined request unread.
TEST_F(HttpServerTest, AConnectionServesAtMostItsRequestLimit) {
  std::string one = "GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n";
  std::string reply = round_trip(server_->local_endpoint(), one + one + one + one);
  EXPECT_EQ(count(reply, "HTTP/1.1 200 OK"), 3u);
  EXPECT_EQ(count(reply, "Connection: close"), 1u);
  EXPECT_EQ(count(reply, "0123456789"), 3u);
}

// A client that trickles its header (slowloris) is cut off at the header timeout (1 s) while
// another client is served meanwhile.
TEST_F(HttpServerTest, ATricklingHeaderIsCutOffWhileOthersAreServed) {
  tcp::socket slow(client_io_);
  slow.connect(server_->local_endpoint());
  asio::write(slow, asio::buffer(std::string("GET /small.txt HTTP/1.1\r\n")));
  auto started = std::chrono::steady_clock::now();
  boost::system::error_code ec;
  bool served_meanwhile = false;
  for (int i = 0; i < 30 && !ec; ++i) {
    std::this_thread::sleep_for(200ms);
    asio::write(slow, asio::buffer(std::string("X-Slow: 1\r\n")), ec);
    if (i == 2) {
      served_meanwhile =
          round_trip(server_->local_endpoint(),
                     "GET /small.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
              .find("0123456789") != std::string::npos;
    }
  }
  std::vector<char> buf(1024);
  while (!ec) slow.read_some(asio::buffer(buf), ec);
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(served_meanwhile);
  EXPECT_GT(elapsed, 900ms);
  EXPECT_LT(elapsed, 3s) << "cut off at the 1 s header timeout, not at the end of the trickle";
  EXPECT_EQ(metrics_.counter("slipway_http_timeouts_total", "", "phase=\"header\"").value(), 1u);
}

// Each answered request is one access log line with the client, request, status, bytes and
// time, and a counter by route and status.
TEST_F(HttpServerTest, RequestsAreLoggedAndCountedByRoute) {
  round_trip(server_->local_endpoint(),
             "GET /small.txt?x=\"1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  round_trip(server_->local_endpoint(),
             "GET /nowhere HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  std::ifstream in(dir_ / "access.log");
  std::string first, second;
  std::getline(in, first);
  std::getline(in, second);
  EXPECT_EQ(first.rfind("127.0.0.1 - - [", 0), 0u) << first;
  EXPECT_NE(first.find("] \"GET /small.txt?x=\\x221 HTTP/1.1\" 200 10 0."), std::string::npos)
      << first;
  EXPECT_NE(second.find("\"GET /nowhere HTTP/1.1\" 404 "), std::string::npos) << second;
  EXPECT_EQ(
      metrics_
          .counter("slipway_http_requests_by_route_total", "", "route=\"/small.txt\",code=\"200\"")
          .value(),
      1u);
  EXPECT_EQ(metrics_.counter("slipway_http_requests_by_route_total", "", "route=\"-\",code=\"404\"")
                .value(),
            1u);
}

}  // namespace
}  // namespace slipway::http

namespace slipway::http {
namespace {

// restrict_plain: plain HTTP answers only under the given prefixes; the rest is refused with
// 403 and counted, without reaching the handler.
TEST(HttpServerPlain, RestrictedPlainServesOnlyItsPrefixes) {
  asio::io_context io;
  Router router;
  int api_calls = 0;
  router.add(bhttp::verb::get, "/boot/x", [](const RequestContext& ctx) {
    return make_response(ctx.request, bhttp::status::ok, "boot", "text/plain");
  });
  router.add(bhttp::verb::get, "/api/x", [&](const RequestContext& ctx) {
    ++api_calls;
    return make_response(ctx.request, bhttp::status::ok, "api", "text/plain");
  });
  Metrics metrics;
  Server server(io, router, Limits{}, metrics);
  server.restrict_plain({"/boot/"});
  ASSERT_TRUE(server.listen({asio::ip::make_address("127.0.0.1"), 0}));
  std::thread thread([&] { io.run(); });
  auto get = [&](const std::string& path) {
    std::string reply = round_trip(server.local_endpoint(), "GET " + path +
                                                                " HTTP/1.1\r\nHost: t\r\n"
                                                                "Connection: close\r\n\r\n");
    return reply.substr(0, reply.find("\r\n"));
  };
  EXPECT_EQ(get("/boot/x"), "HTTP/1.1 200 OK");
  EXPECT_EQ(get("/api/x"), "HTTP/1.1 403 Forbidden");
  EXPECT_EQ(get("/%62oot/x"), "HTTP/1.1 200 OK") << "prefixes match the decoded path";
  EXPECT_EQ(get("/boot/../api/x"), "HTTP/1.1 404 Not Found")
      << "no dot-segment resolution: the router sees the literal path";
  EXPECT_EQ(api_calls, 0);
  EXPECT_EQ(metrics.counter("slipway_http_plain_refused_total", "").value(), 1u);
  asio::post(io, [&] { server.stop(); });
  io.stop();
  thread.join();
}

}  // namespace
}  // namespace slipway::http
