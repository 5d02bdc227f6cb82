#include "common/http_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

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

std::string_view to_string(Access access) {
  switch (access) {
    case Access::kPublic:
      return "public";
    case Access::kAgent:
      return "agent";
    case Access::kViewer:
      return "viewer";
    case Access::kOperator:
      return "operator";
    case Access::kAdmin:
      return "admin";
  }
  return "?";
}

std::optional<Access> parse_role(std::string_view text) {
  for (Access a : {Access::kViewer, Access::kOperator, Access::kAdmin}) {
    if (text == to_string(a)) return a;
  }
  return std::nullopt;
}

namespace {

std::string route_name(bhttp::verb method, std::string_view path) {
  return std::string(bhttp::to_string(method)) + " " + std::string(path);
}

}  // namespace

void Router::set_access(std::span<const RouteAccess> table, AccessControl& control) {
  if (!routes_.empty()) throw std::logic_error("Router::set_access after routes were added");
  table_ = table;
  control_ = &control;
}

void Router::declare(Route& route) const {
  if (!control_) return;
  bool declared = false;
  for (const auto& e : table_) {
    if (e.method != route.method || e.path != route.path || e.prefix != route.prefix) continue;
    if (e.last_segment.empty()) {
      route.access = e.access;
      declared = true;
    } else {
      route.refined.emplace_back(e.last_segment, e.access);
    }
  }
  if (!declared) {
    throw std::logic_error("route " + route_name(route.method, route.path) +
                           (route.prefix ? " (prefix)" : "") +
                           " has no entry in the route access table");
  }
}

std::vector<std::string> Router::unregistered_access_entries() const {
  std::vector<std::string> missing;
  for (const auto& e : table_) {
    bool found = std::any_of(routes_.begin(), routes_.end(), [&](const Route& r) {
      return r.method == e.method && r.path == e.path && r.prefix == e.prefix;
    });
    if (!found) missing.push_back(route_name(e.method, e.path));
  }
  return missing;
}

void Router::add(bhttp::verb method, std::string path, Handler handler) {
  Route route{method, std::move(path), false, std::move(handler), 0, Access::kPublic, {}};
  declare(route);
  routes_.push_back(std::move(route));
}

void Router::add_prefix(bhttp::verb method, std::string prefix, Handler handler,
                        size_t body_limit) {
  Route route{method, std::move(prefix), true, std::move(handler), body_limit, Access::kPublic, {}};
  declare(route);
  routes_.push_back(std::move(route));
}

Access Router::Route::access_for(std::string_view rest) const {
  if (refined.empty()) return access;
  // The last segment that is not empty: "NAME/export/" and "NAME//export" are "export" too.
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  std::string_view last =
      rest.substr(rest.rfind('/') == std::string_view::npos ? 0 : rest.rfind('/') + 1);
  for (const auto& [segment, a] : refined) {
    if (segment == last) return a;
  }
  return access;
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
  const Route* r = find(method, *path, nullptr);
  return r && r->body_limit ? std::optional<size_t>(r->body_limit) : std::nullopt;
}

const Router::Route* Router::find(bhttp::verb method, const std::string& path,
                                  std::string* allow) const {
  // An exact route wins over every prefix, then the longest prefix: the access a request needs
  // never depends on the order the routes were added in.
  const Route* best = nullptr;
  for (const auto& r : routes_) {
    if (!r.matches(path)) continue;
    if (r.method != method) {
      if (allow && allow->find(bhttp::to_string(r.method)) == std::string::npos) {
        *allow += (allow->empty() ? "" : ", ") + std::string(bhttp::to_string(r.method));
      }
      continue;
    }
    if (!r.prefix) return &r;
    if (!best || r.path.size() > best->path.size()) best = &r;
  }
  return best;
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

Response Router::dispatch(const Request& req, const asio::ip::address& remote,
                          std::string* route) const {
  if (route) *route = "-";
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

  std::string allow;
  const Route* match = find(wanted, *path, &allow);
  if (!match) {
    if (allow.empty()) return error_response(req, bhttp::status::not_found, "no such path");
    auto res = error_response(req, bhttp::status::method_not_allowed, "method not allowed");
    res.set(bhttp::field::allow, allow);
    return res;
  }
  if (route) *route = match->path;
  RequestContext ctx{req, *path, std::move(*query), {}, remote};
  if (match->prefix) ctx.rest = std::string_view(ctx.path).substr(match->path.size());
  const Access required = match->access_for(ctx.rest);
  std::optional<Principal> principal;
  if (control_) {
    if (required == Access::kPublic) {
      principal = Principal{"anonymous", Access::kPublic, std::nullopt};
    } else {
      auto decision = control_->authorize(req, remote, required, match->path);
      if (auto* refusal = std::get_if<StringResponse>(&decision)) {
        return head ? strip_body(std::move(*refusal)) : Response(std::move(*refusal));
      }
      principal = std::move(std::get<Principal>(decision));
    }
    ctx.principal = &*principal;
  }
  Response res = [&]() -> Response {
    try {
      return match->handler(ctx);
    } catch (const std::exception& e) {
      log::get("http")->error("handler failed path={} error=\"{}\"", ctx.path, e.what());
      return error_response(req, bhttp::status::internal_server_error, "internal error");
    }
  }();
  if (control_ && required != Access::kPublic) {
    unsigned status = std::visit([](const auto& r) { return r.result_int(); }, res);
    control_->completed(ctx, required, match->path, status);
  }
  return head ? strip_body(std::move(res)) : res;
}

namespace {

Counter& response_counter(Metrics& metrics, const char* status_class) {
  return metrics.counter("slipway_http_responses_total", "HTTP responses, by status class",
                         std::string("code=\"") + status_class + "\"");
}

Counter& timeout_counter(Metrics& metrics, const char* phase) {
  return metrics.counter("slipway_http_timeouts_total",
                         "Connections cut off by a timeout, by what the client was doing",
                         std::string("phase=\"") + phase + "\"");
}

// Metric label values: quotes, backslashes and newlines escaped.
std::string label_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

template <class Stream>
tcp::socket& socket_of(Stream& stream) {
  return beast::get_lowest_layer(stream).socket();
}

constexpr bool kPlain = false;
constexpr uint64_t kSmallFile = 16 * 1024;
constexpr bool kTls = true;

}  // namespace

struct Server::Shared {
  const Router& router;
  Limits limits;
  Metrics& metrics;
  AccessLog* access_log;
  Gauge& active;
  Counter& accepted;
  Counter& refused;
  Counter& bad_requests;
  Counter& requests;
  Counter& bytes;
  Counter& tls_failures;
  Counter& header_timeouts;
  Counter& idle_timeouts;
  Counter& write_timeouts;
  std::array<Counter*, 6> responses;  // by status class: index 1 = 1xx ... 5 = 5xx
  std::shared_ptr<asio::ssl::context> tls;
  std::optional<std::vector<std::string>> plain_prefixes;  // nullopt: plain serves everything
  Counter* plain_refused = nullptr;
  // By route and status; filled on first use (the io_context's thread only).
  std::map<std::pair<std::string, unsigned>, Counter*> by_route;

  Counter& route_counter(const std::string& route, unsigned status) {
    auto key = std::make_pair(route, status);
    auto it = by_route.find(key);
    if (it != by_route.end()) return *it->second;
    Counter& c = metrics.counter(
        "slipway_http_requests_by_route_total", "HTTP requests, by route and status",
        "route=\"" + label_value(route) + "\",code=\"" + std::to_string(status) + "\"");
    by_route.emplace(std::move(key), &c);
    return c;
  }
};

// One connection. Stream is beast::tcp_stream (plain) or beast::ssl_stream over it (TLS).
//
// Phases and their timeouts: TLS handshake and the first request's header within
// header_timeout; between keep-alive requests, idle_timeout for the first byte and then
// header_timeout for the rest of the header; the body within idle_timeout; a response may take
// as long as it takes while the client keeps taking data, but no progress for idle_timeout
// ends it.
template <class Stream>
class Server::Session : public std::enable_shared_from_this<Server::Session<Stream>> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Shared> shared)
      : stream_(make_stream(std::move(socket), *shared)), shared_(std::move(shared)) {
    shared_->active.add(1);
    boost::system::error_code ec;
    auto& sock = socket_of(stream_);
    remote_ = sock.remote_endpoint(ec).address();
    remote_text_ = remote_.to_string();
    sock.set_option(tcp::no_delay(true), ec);
  }
  ~Session() { shared_->active.add(-1); }

  void start() {
    if constexpr (kIsTls) {
      lowest().expires_after(shared_->limits.header_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) {
                                  self->shared_->tls_failures.inc();
                                  if (ec == beast::error::timeout)
                                    self->shared_->header_timeouts.inc();
                                  return self->close();
                                }
                                self->wait_request();
                              });
    } else {
      wait_request();
    }
  }

 private:
  static constexpr bool kIsTls = !std::is_same_v<Stream, beast::tcp_stream>;

  static Stream make_stream(tcp::socket socket, Shared& shared) {
    if constexpr (kIsTls) {
      return Stream(std::move(socket), *shared.tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // Waits for the first byte of the next request (pipelined bytes already read count).
  void wait_request() {
    if (buffer_.size() > 0) return read_header();
    lowest().expires_after(served_ == 0 ? shared_->limits.header_timeout
                                        : shared_->limits.idle_timeout);
    stream_.async_read_some(
        buffer_.prepare(4096), [self = this->shared_from_this()](beast::error_code ec, size_t n) {
          if (ec) {
            if (ec == beast::error::timeout) {
              (self->served_ == 0 ? self->shared_->header_timeouts : self->shared_->idle_timeouts)
                  .inc();
            }
            return self->close();
          }
          self->buffer_.commit(n);
          self->read_header();
        });
  }

  void read_header() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(shared_->limits.header_limit));
    // The parser checks Content-Length against its limit while it reads the header, before the
    // route is known: it starts with the largest any route allows, and on_header narrows it.
    parser_->body_limit(std::max(shared_->limits.body_limit, shared_->router.largest_body_limit()));
    lowest().expires_after(shared_->limits.header_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code ec, size_t) {
                               if (ec == beast::error::timeout) {
                                 self->shared_->header_timeouts.inc();
                                 return self->close();
                               }
                               self->on_header(ec);
                             });
  }

  // A route may take larger bodies than the server's default (snapshot chunks): its limit is
  // set once the header says where the request goes.
  void on_header(beast::error_code ec) {
    if (ec) return on_read(ec);
    started_ = std::chrono::steady_clock::now();
    const auto& req = parser_->get();
    const size_t limit = shared_->router.body_limit_for(req.method(), req.target())
                             .value_or(shared_->limits.body_limit);
    if (parser_->content_length().value_or(0) > limit) return on_read(bhttp::error::body_limit);
    parser_->body_limit(limit);
    lowest().expires_after(shared_->limits.idle_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec, size_t) {
                        if (ec == beast::error::timeout) self->shared_->idle_timeouts.inc();
                        self->on_read(ec);
                      });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == asio::ssl::error::stream_truncated) {
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
      request_line_.clear();
      route_ = "-";
      if (parser_ && parser_->is_header_done()) set_request_line(parser_->get());
      return respond(true);
    }
    shared_->requests.inc();
    const Request& req = parser_->get();
    set_request_line(req);
    if (!kIsTls && !plain_allowed(req.target())) {
      shared_->plain_refused->inc();
      route_ = "-";
      response_ = error_response(req, bhttp::status::forbidden,
                                 "this path is served over HTTPS only on this appliance");
    } else {
      response_ = shared_->router.dispatch(req, remote_, &route_);
    }
    ++served_;
    bool close_after = std::visit([](const auto& r) { return !r.keep_alive(); }, response_);
    if (served_ >= shared_->limits.max_requests_per_connection && !close_after) {
      std::visit([](auto& r) { r.keep_alive(false); }, response_);
      close_after = true;
    }
    respond(close_after);
  }

  bool plain_allowed(std::string_view target) const {
    if (!shared_->plain_prefixes) return true;
    auto path = url::decode(target.substr(0, target.find('?')));
    if (!path) return true;  // the router answers 400
    for (const auto& p : *shared_->plain_prefixes) {
      if (path->compare(0, p.size(), p) == 0) return true;
    }
    return false;
  }

  void set_request_line(const Request& req) {
    request_line_.assign(req.method_string());
    request_line_ += ' ';
    request_line_.append(req.target());
    request_line_ += req.version() == 10 ? " HTTP/1.0" : " HTTP/1.1";
  }

  void respond(bool close_after) {
    status_ = std::visit([](const auto& r) { return r.result_int(); }, response_);
    if (status_ >= 100 && status_ < 600) shared_->responses[status_ / 100]->inc();
    shared_->route_counter(route_, status_).inc();
    body_sent_ = 0;
    body_bytes_ = std::visit(
        [](const auto& r) -> uint64_t {
          using Res = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<Res, FileResponse>) {
            return r.body().length;
          } else {
            return r.body().size();
          }
        },
        response_);
    if constexpr (!kIsTls) {
      // A small file goes out with its header in one write (one pread, no socket options);
      // sendfile pays off above that.
      auto* file = std::get_if<FileResponse>(&response_);
      if (file && file->body().length > kSmallFile) return send_file(*file, close_after);
    }
    std::visit(
        [&](auto& res) {
          using Body = typename std::decay_t<decltype(res)>::body_type;
          write_some(std::make_shared<bhttp::response_serializer<Body>>(res), close_after);
        },
        response_);
  }

  // The idle timeout runs from the last progress, not from the start of the response: a big
  // file to a slow but steady reader (an installing machine writing to its disk) takes as long
  // as it takes; a reader that stops taking data for idle_timeout is cut off.
  template <class Serializer>
  void write_some(std::shared_ptr<Serializer> sr, bool close_after) {
    lowest().expires_after(shared_->limits.idle_timeout);
    bhttp::async_write_some(
        stream_, *sr,
        [self = this->shared_from_this(), sr, close_after](beast::error_code ec, size_t n) {
          self->shared_->bytes.inc(n);
          if (ec) return self->finish(ec, true);
          if (!sr->is_done()) return self->write_some(sr, close_after);
          self->finish(ec, close_after);
        });
  }

  // Plain TCP: the header through Beast, then the file with sendfile(). The socket is corked
  // meanwhile so a small file leaves in one segment with its header.
  void send_file(FileResponse& res, bool close_after) {
    auto& sock = socket_of(stream_);
    cork(true);
    auto sr = std::make_shared<bhttp::response_serializer<FileRangeBody>>(res);
    lowest().expires_after(shared_->limits.idle_timeout);
    bhttp::async_write_header(
        stream_, *sr,
        [self = this->shared_from_this(), sr, close_after, &sock](beast::error_code ec, size_t n) {
          self->shared_->bytes.inc(n);
          if (ec) return self->finish(ec, true);
          boost::system::error_code ignored;
          sock.native_non_blocking(true, ignored);
          self->send_file_body(close_after);
        });
  }

  void send_file_body(bool close_after) {
    auto& body = std::get<FileResponse>(response_).body();
    auto& sock = socket_of(stream_);
    // At most this much per turn, so one fast reader does not starve the other connections.
    constexpr uint64_t kTurn = 16 * 1024 * 1024;
    uint64_t this_turn = 0;
    while (body_sent_ < body.length) {
      if (this_turn >= kTurn) {
        asio::post(sock.get_executor(), [self = this->shared_from_this(), close_after] {
          self->send_file_body(close_after);
        });
        return;
      }
      off_t offset = static_cast<off_t>(body.offset + body_sent_);
      size_t want = static_cast<size_t>(std::min<uint64_t>(body.length - body_sent_, kTurn));
      ssize_t n = ::sendfile(sock.native_handle(), body.file->get(), &offset, want);
      if (n > 0) {
        last_progress_ = std::chrono::steady_clock::now();
        body_sent_ += static_cast<uint64_t>(n);
        this_turn += static_cast<uint64_t>(n);
        shared_->bytes.inc(static_cast<uint64_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return wait_writable(close_after);
      // 0: the file shrank under us; fail the response rather than send short content.
      return finish(n == 0 ? beast::error_code(bhttp::error::short_read)
                           : beast::error_code(errno, boost::system::generic_category()),
                    true);
    }
    cork(false);
    finish({}, close_after);
  }

  // The socket's buffer is full: wait until the client takes data. A watchdog, armed once per
  // response rather than at every wait, cuts the client off after idle_timeout without progress.
  void wait_writable(bool close_after) {
    auto& sock = socket_of(stream_);
    if (!watchdog_armed_) arm_watchdog(shared_->limits.idle_timeout);
    sock.async_wait(tcp::socket::wait_write,
                    [self = this->shared_from_this(), close_after](boost::system::error_code ec) {
                      if (ec) return self->finish(ec, true);
                      self->send_file_body(close_after);
                    });
  }

  void arm_watchdog(std::chrono::steady_clock::duration after) {
    if (!deadline_) deadline_.emplace(socket_of(stream_).get_executor());
    watchdog_armed_ = true;
    deadline_->expires_after(after);
    deadline_->async_wait([weak = this->weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (!self || ec) return;  // cancelled: finish() has cleared the flag
      self->watchdog_armed_ = false;
      auto idle = std::chrono::steady_clock::now() - self->last_progress_;
      if (idle < self->shared_->limits.idle_timeout) {
        return self->arm_watchdog(self->shared_->limits.idle_timeout - idle);
      }
      self->shared_->write_timeouts.inc();
      boost::system::error_code ignored;
      socket_of(self->stream_).cancel(ignored);
    });
  }

  void cork(bool on) {
    int value = on ? 1 : 0;
    ::setsockopt(socket_of(stream_).native_handle(), IPPROTO_TCP, TCP_CORK, &value, sizeof value);
  }

  // The response is out (or failed): log it, then read the next request or hang up.
  void finish(beast::error_code ec, bool close_after) {
    if (watchdog_armed_) {
      deadline_->cancel();
      watchdog_armed_ = false;
    }
    if (ec == beast::error::timeout) shared_->write_timeouts.inc();
    if (shared_->access_log) {
      auto now = std::chrono::steady_clock::now();
      shared_->access_log->record(
          {remote_text_, request_line_, status_,
           ec ? std::nullopt : std::optional<uint64_t>(body_bytes_),
           served_ > 0 || !request_line_.empty() ? now - started_ : std::chrono::nanoseconds(0)},
          std::time(nullptr));
    }
    if (close_after) return close();
    wait_request();
  }

  void close() {
    beast::error_code ignored;
    auto& sock = socket_of(stream_);
    sock.shutdown(tcp::socket::shutdown_send, ignored);
    sock.close(ignored);
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Response response_;
  std::shared_ptr<Shared> shared_;
  asio::ip::address remote_;
  std::string remote_text_;
  std::optional<asio::steady_timer> deadline_;
  bool watchdog_armed_ = false;
  std::chrono::steady_clock::time_point last_progress_;
  size_t served_ = 0;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::string request_line_;
  std::string route_ = "-";
  unsigned status_ = 0;
  uint64_t body_bytes_ = 0;
  uint64_t body_sent_ = 0;
};

Server::Server(asio::io_context& io, const Router& router, Limits limits, Metrics& metrics,
               AccessLog* access_log)
    : io_(io),
      shared_(std::make_shared<Shared>(
          Shared{router,
                 limits,
                 metrics,
                 access_log,
                 metrics.gauge("slipway_http_connections_active", "Open HTTP connections"),
                 metrics.counter("slipway_http_connections_total", "Accepted HTTP connections"),
                 metrics.counter("slipway_http_connections_refused_total",
                                 "Connections refused at the connection limit"),
                 metrics.counter("slipway_http_bad_requests_total",
                                 "Malformed or oversized HTTP requests"),
                 metrics.counter("slipway_http_requests_total", "HTTP requests handled"),
                 metrics.counter("slipway_http_response_bytes_total",
                                 "Bytes sent in HTTP responses, headers included"),
                 metrics.counter("slipway_http_tls_handshake_failures_total",
                                 "TLS connections that failed or timed out in the handshake"),
                 timeout_counter(metrics, "header"),
                 timeout_counter(metrics, "idle"),
                 timeout_counter(metrics, "write"),
                 {nullptr, &response_counter(metrics, "1xx"), &response_counter(metrics, "2xx"),
                  &response_counter(metrics, "3xx"), &response_counter(metrics, "4xx"),
                  &response_counter(metrics, "5xx")},
                 nullptr,
                 std::nullopt,
                 nullptr,
                 {}})) {}

Server::~Server() { stop(); }

Status Server::open(std::unique_ptr<tcp::acceptor>& out, const tcp::endpoint& endpoint) {
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
  out = std::move(acceptor);
  return {};
}

void Server::restrict_plain(std::vector<std::string> prefixes) {
  shared_->plain_prefixes = std::move(prefixes);
  shared_->plain_refused = &shared_->metrics.counter(
      "slipway_http_plain_refused_total", "Requests refused on plain HTTP: served over HTTPS only");
}

Status Server::listen(const tcp::endpoint& endpoint) {
  if (auto s = open(acceptor_, endpoint); !s) return s;
  accept(*acceptor_, kPlain);
  return {};
}

Status Server::listen_tls(const tcp::endpoint& endpoint, std::shared_ptr<asio::ssl::context> tls) {
  shared_->tls = std::move(tls);
  if (auto s = open(tls_acceptor_, endpoint); !s) return s;
  accept(*tls_acceptor_, kTls);
  return {};
}

tcp::endpoint Server::local_endpoint() const {
  boost::system::error_code ec;
  return acceptor_ ? acceptor_->local_endpoint(ec) : tcp::endpoint{};
}

tcp::endpoint Server::tls_endpoint() const {
  boost::system::error_code ec;
  return tls_acceptor_ ? tls_acceptor_->local_endpoint(ec) : tcp::endpoint{};
}

void Server::stop() {
  boost::system::error_code ignored;
  if (acceptor_) acceptor_->close(ignored);
  if (tls_acceptor_) tls_acceptor_->close(ignored);
}

void Server::accept(tcp::acceptor& acceptor, bool tls) {
  acceptor.async_accept([this, &acceptor, tls](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      if (static_cast<size_t>(shared_->active.value()) >= shared_->limits.max_connections) {
        shared_->refused.inc();
        boost::system::error_code ignored;
        socket.close(ignored);
      } else {
        shared_->accepted.inc();
        if (tls) {
          std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(std::move(socket),
                                                                          shared_)
              ->start();
        } else {
          std::make_shared<Session<beast::tcp_stream>>(std::move(socket), shared_)->start();
        }
      }
    }
    if (acceptor.is_open()) accept(acceptor, tls);
  });
}

}  // namespace slipway::http
