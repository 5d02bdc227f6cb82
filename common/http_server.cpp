#include "common/http_server.h"

#include <algorithm>
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/log.h"
#include "common/url.h"

namespace slipway::http {

namespace beast = boost::beast;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

StringResponse make_response(const Request& req, bhttp::status status, std::string body,
                             std::string_view content_type) {
  StringResponse res{status, req.version()};
  res.set(bhttp::field::server, "slipway");
  res.set(bhttp::field::content_type, content_type);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

StringResponse json_response(const Request& req, bhttp::status status, std::string body) {
  return make_response(req, status, std::move(body), "application/json");
}

StringResponse error_response(const Request& req, bhttp::status status, std::string_view message) {
  nlohmann::json body = {{"error", message}};
  return json_response(req, status, body.dump() + "\n");
}

void Router::add(bhttp::verb method, std::string path, Handler handler) {
  routes_.push_back({method, std::move(path), false, std::move(handler)});
}

void Router::add_prefix(bhttp::verb method, std::string prefix, Handler handler,
                        size_t body_limit) {
  routes_.push_back({method, std::move(prefix), true, std::move(handler), body_limit});
}

bool Router::Route::matches(const std::string& p) const {
  return prefix ? p.compare(0, path.size(), path) == 0 : p == path;
}

size_t Router::largest_body_limit() const {
  size_t largest = 0;
  for (const auto& r : routes_) largest = std::max(largest, r.body_limit);
  return largest;
}

std::optional<size_t> Router::body_limit_for(bhttp::verb method, std::string_view target) const {
  auto path = url::decode(target.substr(0, target.find('?')));
  if (!path) return std::nullopt;
  for (const auto& r : routes_) {
    if (r.method == method && r.matches(*path)) {
      return r.body_limit ? std::optional<size_t>(r.body_limit) : std::nullopt;
    }
  }
  return std::nullopt;
}

namespace {

// Turns a GET answer into a HEAD answer: same status and headers, no body.
Response strip_body(Response full) {
  if (auto* s = std::get_if<StringResponse>(&full)) {
    size_t length = s->body().size();
    s->body().clear();
    s->content_length(length);
    return full;
  }
  auto& f = std::get<FileResponse>(full);
  StringResponse head{f.result(), f.version()};
  for (const auto& field : f.base()) head.set(field.name_string(), field.value());
  head.content_length(f.body().length);
  return head;
}

}  // namespace

Response Router::dispatch(const Request& req, const asio::ip::address& remote) const {
  std::string_view target = req.target();
  size_t question = target.find('?');
  auto path = url::decode(target.substr(0, question));
  auto query =
      url::parse_query(question == std::string_view::npos ? "" : target.substr(question + 1));
  if (!path || !query || path->empty() || path->front() != '/') {
    return error_response(req, bhttp::status::bad_request, "malformed request target");
  }
  bool head = req.method() == bhttp::verb::head;
  bhttp::verb wanted = head ? bhttp::verb::get : req.method();

  const Route* match = nullptr;
  std::string allow;
  for (const auto& r : routes_) {
    if (!r.matches(*path)) continue;
    if (r.method == wanted) {
      match = &r;
      break;
    }
    allow += (allow.empty() ? "" : ", ") + std::string(bhttp::to_string(r.method));
  }
  if (!match) {
    if (allow.empty()) return error_response(req, bhttp::status::not_found, "no such path");
    auto res = error_response(req, bhttp::status::method_not_allowed, "method not allowed");
    res.set(bhttp::field::allow, allow);
    return res;
  }
  RequestContext ctx{req, *path, std::move(*query), {}, remote};
  if (match->prefix) ctx.rest = std::string_view(ctx.path).substr(match->path.size());
  try {
    Response res = match->handler(ctx);
    return head ? strip_body(std::move(res)) : res;
  } catch (const std::exception& e) {
    log::get("http")->error("handler failed path={} error=\"{}\"", ctx.path, e.what());
    return error_response(req, bhttp::status::internal_server_error, "internal error");
  }
}

namespace {

Counter& response_counter(Metrics& metrics, const char* status_class) {
  return metrics.counter("slipway_http_responses_total", "HTTP responses, by status class",
                         std::string("code=\"") + status_class + "\"");
}

}  // namespace

struct Server::Shared {
  const Router& router;
  Limits limits;
  Gauge& active;
  Counter& accepted;
  Counter& refused;
  Counter& bad_requests;
  Counter& requests;
  std::array<Counter*, 6> responses;  // by status class: index 1 = 1xx ... 5 = 5xx
};

class Server::Session : public std::enable_shared_from_this<Server::Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Shared> shared)
      : stream_(std::move(socket)), shared_(std::move(shared)) {
    shared_->active.add(1);
    boost::system::error_code ec;
    remote_ = stream_.socket().remote_endpoint(ec).address();
  }
  ~Session() { shared_->active.add(-1); }

  void start() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(shared_->limits.header_limit));
    // The parser checks Content-Length against its limit while it reads the header, before the
    // route is known: it starts with the largest any route allows, and on_header narrows it.
    parser_->body_limit(std::max(shared_->limits.body_limit, shared_->router.largest_body_limit()));
    stream_.expires_after(shared_->limits.idle_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  // A route may take larger bodies than the server's default (snapshot chunks): its limit is
  // set once the header says where the request goes.
  void on_header(beast::error_code ec) {
    if (ec) return on_read(ec);
    const auto& req = parser_->get();
    const size_t limit = shared_->router.body_limit_for(req.method(), req.target())
                             .value_or(shared_->limits.body_limit);
    if (parser_->content_length().value_or(0) > limit) return on_read(bhttp::error::body_limit);
    parser_->body_limit(limit);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
      return close();
    }
    if (ec) {
      // The request itself is malformed or too big: say so once, then hang up.
      shared_->bad_requests.inc();
      Request bad;
      bad.version(11);
      bad.keep_alive(false);
      bhttp::status status = (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit)
                                 ? bhttp::status::payload_too_large
                                 : bhttp::status::bad_request;
      response_ = error_response(bad, status, ec.message());
      return write(true);
    }
    shared_->requests.inc();
    const Request& req = parser_->get();
    response_ = shared_->router.dispatch(req, remote_);
    unsigned status = std::visit([](const auto& r) { return r.result_int(); }, response_);
    if (status >= 100 && status < 600) shared_->responses[status / 100]->inc();
    bool close_after = std::visit([](const auto& r) { return !r.keep_alive(); }, response_);
    write(close_after);
  }

  void write(bool close_after) {
    std::visit(
        [&](auto& res) {
          using Res = std::decay_t<decltype(res)>;
          write_some(std::make_shared<bhttp::response_serializer<typename Res::body_type>>(res),
                     close_after);
        },
        response_);
  }

  // The idle timeout runs from the last progress, not from the start of the response: a big
  // file to a slow but steady reader (an installing machine writing to its disk) takes as long
  // as it takes; a reader that stops taking data for idle_timeout is cut off.
  template <class Serializer>
  void write_some(std::shared_ptr<Serializer> sr, bool close_after) {
    stream_.expires_after(shared_->limits.idle_timeout);
    bhttp::async_write_some(
        stream_, *sr, [self = shared_from_this(), sr, close_after](beast::error_code ec, size_t) {
          if (ec) return self->close();
          if (!sr->is_done()) return self->write_some(sr, close_after);
          if (close_after) return self->close();
          self->read();
        });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Response response_;
  std::shared_ptr<Shared> shared_;
  asio::ip::address remote_;
};

Server::Server(asio::io_context& io, const Router& router, Limits limits, Metrics& metrics)
    : io_(io),
      shared_(std::make_shared<Shared>(
          Shared{router,
                 limits,
                 metrics.gauge("slipway_http_connections_active", "Open HTTP connections"),
                 metrics.counter("slipway_http_connections_total", "Accepted HTTP connections"),
                 metrics.counter("slipway_http_connections_refused_total",
                                 "Connections refused at the connection limit"),
                 metrics.counter("slipway_http_bad_requests_total",
                                 "Malformed or oversized HTTP requests"),
                 metrics.counter("slipway_http_requests_total", "HTTP requests handled"),
                 {nullptr, &response_counter(metrics, "1xx"), &response_counter(metrics, "2xx"),
                  &response_counter(metrics, "3xx"), &response_counter(metrics, "4xx"),
                  &response_counter(metrics, "5xx")}})) {}

Server::~Server() { stop(); }

Status Server::listen(const tcp::endpoint& endpoint) {
  auto acceptor = std::make_unique<tcp::acceptor>(io_);
  boost::system::error_code ec;
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error{"cannot listen on " + endpoint.address().to_string() + ":" +
                 std::to_string(endpoint.port()) + ": " + ec.message()};
  }
  acceptor_ = std::move(acceptor);
  accept();
  return {};
}

tcp::endpoint Server::local_endpoint() const {
  boost::system::error_code ec;
  return acceptor_ ? acceptor_->local_endpoint(ec) : tcp::endpoint{};
}

void Server::stop() {
  if (acceptor_) {
    boost::system::error_code ignored;
    acceptor_->close(ignored);
  }
}

void Server::accept() {
  acceptor_->async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      if (static_cast<size_t>(shared_->active.value()) >= shared_->limits.max_connections) {
        shared_->refused.inc();
        boost::system::error_code ignored;
        socket.close(ignored);
      } else {
        shared_->accepted.inc();
        std::make_shared<Session>(std::move(socket), shared_)->start();
      }
    }
    if (acceptor_ && acceptor_->is_open()) accept();
  });
}

}  // namespace slipway::http
