#pragma once
// The HTTP server plumbing every HTTP route of the appliance runs on (Boost.Beast, one
// io_context): a Router of exact and prefix routes, and a Server that listens on plain TCP and,
// given a TLS context, on TLS.
//
// Handlers run on the io_context's thread and return a complete Response. HEAD is answered by
// the GET route with the body left out. A file body goes out with sendfile() on plain TCP (no
// copy through user space, one page cache for every client of the same file) and with pread()
// through TLS.
//
// Limits: header and body size (413), the whole request header within header_timeout (a client
// that trickles its header is cut off), idle_timeout between requests and while a response
// makes no progress, max_requests_per_connection (then Connection: close), max_connections
// (further connections are closed at once). Every request is counted on /metrics by route and
// status and, when an AccessLog is given, written to it.
//
// Lifetime: the Router, the Metrics and the AccessLog given to a Server must outlive the
// io_context.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/access_log.h"
#include "common/file_range_body.h"
#include "common/mac_address.h"
#include "common/metrics.h"
#include "common/result.h"

namespace slipway::http {

namespace bhttp = boost::beast::http;

using Request = bhttp::request<bhttp::string_body>;
using StringResponse = bhttp::response<bhttp::string_body>;
using FileResponse = bhttp::response<FileRangeBody>;
using Response = std::variant<StringResponse, FileResponse>;

// Who may reach a route. Public: anyone (boot files, scripts, /healthz). Agent: the runtime of
// one machine, by the per-boot secret its iPXE script gave it. Viewer < Operator < Admin: the
// roles of API tokens, each allowed what the ones before it are.
enum class Access : uint8_t { kPublic, kAgent, kViewer, kOperator, kAdmin };
std::string_view to_string(Access access);
// "viewer", "operator" or "admin": the roles a token can have.
std::optional<Access> parse_role(std::string_view text);

// Who sent a request, as the AccessControl established it.
struct Principal {
  std::string who;                    // "token:<id>(<name>)", "agent:<mac>", "anonymous"
  Access role = Access::kPublic;      // a token's role; kAgent for an agent's secret
  std::optional<MacAddress> machine;  // agents: the machine the secret was issued to
};

struct RequestContext {
  const Request& request;
  std::string path;                          // percent-decoded, without the query string
  std::map<std::string, std::string> query;  // decoded query parameters
  std::string_view rest;                     // prefix routes: what follows the prefix
  boost::asio::ip::address remote;
  // Set by a Router with access control (never null there); null in one without.
  const Principal* principal = nullptr;
};

using Handler = std::function<Response(const RequestContext&)>;

StringResponse make_response(const Request& req, bhttp::status status, std::string body,
                             std::string_view content_type);
StringResponse json_response(const Request& req, bhttp::status status, std::string body);
// A JSON body {"error": message}.
StringResponse error_response(const Request& req, bhttp::status status, std::string_view message);

// One entry of the route table: who may reach the route `method` `path` (a prefix route's prefix
// when `prefix`). An entry with a `last_segment` refines a prefix route's access for the paths
// whose last segment is that word (POST /api/v1/snapshots/NAME/export needs more than .../verify).
struct RouteAccess {
  bhttp::verb method;
  std::string_view path;
  bool prefix;
  Access access;
  std::string_view last_segment = {};
};

// Decides who a request is from and whether they may reach a route. Implemented by the control
// plane (API tokens, agent secrets, audit); the Router only asks.
class AccessControl {
 public:
  virtual ~AccessControl() = default;
  // Whether `req` from `remote` may reach `route`, which requires `required` (never kPublic):
  // the principal, or the refusal to answer with (401, 403, 429).
  virtual std::variant<Principal, StringResponse> authorize(const Request& req,
                                                            const boost::asio::ip::address& remote,
                                                            Access required,
                                                            std::string_view route) = 0;
  // After the handler of an authorized request ran; `status` is its answer.
  virtual void completed(const RequestContext& ctx, Access required, std::string_view route,
                         unsigned status) = 0;
};

class Router {
 public:
  // Puts every route under `table`: from then on add() and add_prefix() throw std::logic_error
  // for a route the table has no entry for, and dispatch() asks `control` before a handler of a
  // route that is not public runs. Call before any add(). Both must outlive the router.
  void set_access(std::span<const RouteAccess> table, AccessControl& control);
  // The table's entries no route was registered for, as "POST /api/v1/x": a table that has
  // drifted from the routes, to fail the start on.
  std::vector<std::string> unregistered_access_entries() const;

  void add(bhttp::verb method, std::string path, Handler handler);
  // Matches every path that starts with `prefix`; `prefix` must end with '/'. `body_limit`, when
  // not 0, replaces the server's body limit for requests to this route (chunk uploads).
  void add_prefix(bhttp::verb method, std::string prefix, Handler handler, size_t body_limit = 0);

  // The body limit of the route `target` (a request target, query included) goes to with
  // `method`, or nullopt when that route has none of its own (or there is no such route).
  std::optional<size_t> body_limit_for(bhttp::verb method, std::string_view target) const;
  size_t largest_body_limit() const;  // of the routes with their own, 0 when none has

  // Runs the matching handler: 404 for an unknown path, 405 (with Allow) for a known path and
  // another method, 400 for a malformed target. Never throws: a handler that throws gives a 500.
  // `route`, when given, receives the matched route's path or prefix ("-" when none matched),
  // a label of bounded cardinality for metrics.
  Response dispatch(const Request& req, const boost::asio::ip::address& remote,
                    std::string* route = nullptr) const;

 private:
  struct Route {
    bhttp::verb method;
    std::string path;
    bool prefix;
    Handler handler;
    size_t body_limit = 0;
    Access access = Access::kPublic;
    // Prefix routes: (last path segment, access) pairs that override `access`.
    std::vector<std::pair<std::string, Access>> refined;
    bool matches(const std::string& p) const;
    Access access_for(std::string_view rest) const;
  };
  void declare(Route& route) const;  // the table's access for it; throws when it has none
  // The route `path` goes to with `method`: an exact one, else the longest prefix. `allow`, when
  // given, collects the methods of the other routes that match the path.
  const Route* find(bhttp::verb method, const std::string& path, std::string* allow) const;

  std::vector<Route> routes_;
  std::span<const RouteAccess> table_;
  AccessControl* control_ = nullptr;
};

struct Limits {
  size_t header_limit = 8 * 1024;
  size_t body_limit = 1024 * 1024;
  std::chrono::milliseconds header_timeout{10'000};  // TLS handshake + one request header
  std::chrono::milliseconds idle_timeout{30'000};
  size_t max_requests_per_connection = 1000;
  size_t max_connections = 1024;
};

class Server {
 public:
  Server(boost::asio::io_context& io, const Router& router, Limits limits, Metrics& metrics,
         AccessLog* access_log = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting; errors (address in use, no such address) come back as values.
  // Both may be called, once each; the limits and counters are shared.
  Status listen(const boost::asio::ip::tcp::endpoint& endpoint);
  Status listen_tls(const boost::asio::ip::tcp::endpoint& endpoint,
                    std::shared_ptr<boost::asio::ssl::context> tls);
  // Plain TCP then serves only paths under these prefixes; every other request gets 403 and is
  // to use TLS (the boot files stay on plain HTTP, which firmware needs; the API does not).
  // Call before listen().
  void restrict_plain(std::vector<std::string> prefixes);
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  boost::asio::ip::tcp::endpoint tls_endpoint() const;
  void stop();

 private:
  template <class Stream>
  class Session;
  struct Shared;
  Status open(std::unique_ptr<boost::asio::ip::tcp::acceptor>& acceptor,
              const boost::asio::ip::tcp::endpoint& endpoint);
  void accept(boost::asio::ip::tcp::acceptor& acceptor, bool tls);

  boost::asio::io_context& io_;
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> tls_acceptor_;
};

}  // namespace slipway::http
