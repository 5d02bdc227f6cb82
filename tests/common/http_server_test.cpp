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

// A real Server on 127.0.0.1 (its own io_context thread) serving one big file, with a 1 s idle
// timeout, and a blocking client with a small receive buffer so the server's sends stall
// whenever the client stops reading.
class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() {
    std::ofstream(dir_ / "big.img") << std::string(kFileBytes, 'x');
    router_.add(bhttp::verb::get, "/big.img", [this](const RequestContext& ctx) {
      return serve_file(ctx.request, dir_ / "big.img");
    });
    auto echo_size = [](const RequestContext& ctx) {
      return json_response(ctx.request, bhttp::status::ok,
                           std::to_string(ctx.request.body().size()));
    };
    router_.add_prefix(bhttp::verb::put, "/small/", echo_size);
    router_.add_prefix(bhttp::verb::put, "/big/", echo_size, 3 * 1024 * 1024);
    Limits limits;
    limits.idle_timeout = 1s;
    server_.emplace(io_, router_, limits, metrics_);
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
  std::optional<Server> server_;
  std::thread thread_;
};

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

}  // namespace
}  // namespace slipway::http
