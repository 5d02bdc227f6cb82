#include "dhcp/server.h"

#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <variant>

#include "common/log.h"
#include "dhcp/options.h"

namespace slipway::dhcp {

namespace asio = boost::asio;
using udp = asio::ip::udp;

struct Server::Listener {
  Listener(asio::io_context& io, ServedInterface i, uint16_t p)
      : iface(std::move(i)), port(p), socket(io) {}
  ServedInterface iface;
  uint16_t port;
  udp::socket socket;
  LinkSender link;  // shared by the interface's listeners: opened on the first one only
  Listener* link_owner = this;
};

namespace {

std::string_view delivery_name(Delivery::Kind k) {
  switch (k) {
    case Delivery::Kind::kRelay:
      return "relay";
    case Delivery::Kind::kUnicast:
      return "unicast";
    case Delivery::Kind::kBroadcast:
      return "broadcast";
    case Delivery::Kind::kUnicastToChaddr:
      return "unicast_chaddr";
  }
  return "unknown";
}

}  // namespace

Server::Server(asio::io_context& io, Responder& responder, LeaseStore& leases, Metrics& metrics)
    : io_(io),
      responder_(responder),
      leases_(leases),
      metrics_(metrics),
      reclaim_timer_(io),
      log_(log::get("dhcp")),
      received_(metrics.counter("slipway_dhcp_received_total", "DHCP packets received")),
      commits_(metrics.counter("slipway_dhcp_lease_commits_total",
                               "Group commits of the lease store (one fsync each)")),
      reclaimed_(metrics.counter("slipway_dhcp_addresses_reclaimed_total",
                                 "Addresses freed from expired leases, offers and quarantines")) {}

Server::~Server() { stop(); }

Counter& Server::counter_for(std::unordered_map<std::string, Counter*>& cache,
                             const std::string& name, const std::string& help,
                             const std::string& label, std::string_view value) {
  std::string key(value);
  if (auto it = cache.find(key); it != cache.end()) return *it->second;
  Counter& c = metrics_.counter(name, help, label + "=\"" + key + "\"");
  cache[key] = &c;
  return c;
}

Counter& Server::dropped(std::string_view reason) {
  return counter_for(dropped_, "slipway_dhcp_dropped_total", "DHCP packets dropped, by reason",
                     "reason", reason);
}

Status Server::open_listener(const ServedInterface& iface, uint16_t port) {
  auto l = std::make_unique<Listener>(io_, iface, port);
  boost::system::error_code ec;
  l->socket.open(udp::v4(), ec);
  if (!ec) l->socket.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) l->socket.set_option(asio::socket_base::broadcast(true), ec);
  if (ec) return Error{"dhcp: cannot open socket: " + ec.message()};
  if (iface.name.size() >= IFNAMSIZ) return Error{"dhcp: interface name too long: " + iface.name};
  if (::setsockopt(l->socket.native_handle(), SOL_SOCKET, SO_BINDTODEVICE, iface.name.c_str(),
                   static_cast<socklen_t>(iface.name.size())) != 0) {
    return Error{"dhcp: cannot bind to interface " + iface.name + ": " + std::strerror(errno)};
  }
  l->socket.non_blocking(true, ec);
  l->socket.bind(udp::endpoint(asio::ip::address_v4::any(), port), ec);
  if (ec) {
    return Error{"dhcp: cannot bind port " + std::to_string(port) + " on " + iface.name + ": " +
                 ec.message()};
  }
  // A bigger receive buffer: a burst of clients (or an fsync that takes long) must make packets
  // wait in the kernel, not drop them. SO_RCVBUFFORCE passes net.core.rmem_max as root.
  int buffer_size = 8 << 20;
  if (::setsockopt(l->socket.native_handle(), SOL_SOCKET, SO_RCVBUFFORCE, &buffer_size,
                   sizeof buffer_size) != 0) {
    l->socket.set_option(asio::socket_base::receive_buffer_size(buffer_size), ec);
  }
  for (auto& other : listeners_) {
    if (other->iface.name == iface.name) l->link_owner = other->link_owner;
  }
  if (l->link_owner == l.get()) {
    if (auto s = l->link.open(iface.name); !s) {
      // Still a working server: such replies go out as broadcasts instead.
      log_->warn("no unicast to clients without an address interface={} error=\"{}\"", iface.name,
                 s.error().message);
    }
  }
  log_->info("listening interface={} address={} port={}", iface.name, iface.address.to_string(),
             port);
  listeners_.push_back(std::move(l));
  wait(*listeners_.back());
  return {};
}

Status Server::start(const ServerOptions& options) {
  options_ = options;
  if (options_.interfaces.empty()) return Error{"dhcp: no interface to serve"};
  client_port_ = static_cast<uint16_t>(options_.port == 67 ? 68 : options_.port + 1);
  for (const auto& iface : options_.interfaces) {
    if (auto s = open_listener(iface, options_.port); !s) return s;
    if (options_.boot_service) {
      if (auto s = open_listener(iface, options_.boot_service_port); !s) return s;
    }
  }
  schedule_reclaim();
  return {};
}

void Server::stop() {
  boost::system::error_code ignored;
  for (auto& l : listeners_) l->socket.close(ignored);
  reclaim_timer_.cancel();
}

uint16_t Server::local_port() const {
  boost::system::error_code ec;
  return listeners_.empty() ? 0 : listeners_.front()->socket.local_endpoint(ec).port();
}

void Server::schedule_reclaim() {
  reclaim_timer_.expires_after(options_.reclaim_interval);
  reclaim_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    size_t freed = responder_.reclaim();
    reclaimed_.inc(freed);
    if (auto s = leases_.flush(); !s) {
      log_->error("reclaim: {}", s.error().message);
      responder_.reload();
    }
    schedule_reclaim();
  });
}

void Server::wait(Listener& l) {
  l.socket.async_wait(udp::socket::wait_read, [this, &l](boost::system::error_code ec) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) drain(l);
    if (l.socket.is_open()) wait(l);
  });
}

void Server::drain(Listener& l) {
  for (size_t n = 0; n < options_.batch; ++n) {
    udp::endpoint from;
    boost::system::error_code ec;
    size_t size = l.socket.receive_from(asio::buffer(buffer_), from, 0, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) break;
    if (ec) {
      dropped("receive_error").inc();
      break;
    }
    handle(l, size, from);
  }
  flush_and_send();
}

void Server::handle(Listener& l, size_t size, const udp::endpoint& from) {
  received_.inc();
  auto parsed = parse(std::span<const uint8_t>(buffer_.data(), size));
  if (auto* error = std::get_if<ParseError>(&parsed)) {
    dropped(to_string(*error)).inc();
    log_->debug("dropped malformed packet from={} reason={}", from.address().to_string(),
                to_string(*error));
    return;
  }
  const Packet& request = std::get<Packet>(parsed);
  if (auto type = request.message_type()) {
    counter_for(requests_, "slipway_dhcp_requests_total", "DHCP client messages, by type", "type",
                to_string(*type))
        .inc();
  }
  Arrival arrival{l.iface.name, l.iface.address, l.port, Ipv4(from.address().to_v4().to_uint()),
                  from.port()};
  // Replies to a test port go to the port above it, as 67 answers 68.
  if (l.port == options_.port && options_.port != 67) arrival.local_port = 67;
  Decision decision;
  try {
    decision = responder_.handle(request, arrival);
  } catch (const std::exception& e) {
    dropped("internal_error").inc();
    log_->error("responder failed error=\"{}\"", e.what());
    return;
  }
  if (!decision.reply) {
    auto type = request.message_type();
    if (decision.ignored.empty() &&
        (type == MessageType::kRelease || type == MessageType::kDecline)) {
      log_->info("{} mac={} ip={}", to_string(*type),
                 request.mac().value_or(MacAddress{}).to_string(),
                 (type == MessageType::kRelease
                      ? request.ciaddr
                      : request.options.ipv4(opt::kRequestedAddress).value_or(Ipv4{}))
                     .to_string());
    }
    if (!decision.ignored.empty()) {
      dropped(decision.ignored).inc();
      log_->debug("ignored mac={} reason={}", request.mac().value_or(MacAddress{}).to_string(),
                  decision.ignored);
    }
    return;
  }
  if (decision.needs_flush) {
    outgoing_.push_back({&l, std::move(decision)});
  } else {
    send({&l, std::move(decision)});  // nothing to make durable: no reason to wait
  }
}

void Server::flush_and_send() {
  if (auto s = leases_.flush(); !s) {
    // Nothing the batch committed is durable: none of its replies may go out.
    log_->error("{}; dropping {} replies", s.error().message, outgoing_.size());
    dropped("lease_store_error").inc(outgoing_.size());
    outgoing_.clear();
    responder_.reload();
    return;
  }
  if (!outgoing_.empty()) commits_.inc();
  for (const auto& out : outgoing_) send(out);
  outgoing_.clear();
}

void Server::send(const Outgoing& out) {
  const Packet& reply = *out.decision.reply;
  Delivery to = out.decision.delivery;
  Listener& l = *out.listener;
  size_t lost = 0;
  auto bytes = serialize(reply, out.decision.max_size, &lost);
  if (lost > 0) dropped("options_over_max_size").inc(lost);
  uint16_t port = to.port == 67 ? options_.port : (to.port == 68 ? client_port_ : to.port);

  boost::system::error_code ec;
  if (to.kind == Delivery::Kind::kUnicastToChaddr) {
    LinkSender& link = l.link_owner->link;
    Status sent = link.is_open() ? link.send(to.mac, l.iface.address, l.port, to.ip, port, bytes)
                                 : Status(Error{"no packet socket"});
    if (!sent) {
      // The client still gets it, as a broadcast.
      log_->debug("unicast to chaddr failed, broadcasting error=\"{}\"", sent.error().message);
      to.kind = Delivery::Kind::kBroadcast;
      to.ip = Ipv4(0xFFFFFFFF);
    }
  }
  if (to.kind != Delivery::Kind::kUnicastToChaddr) {
    l.socket.send_to(asio::buffer(bytes), udp::endpoint(asio::ip::address_v4(to.ip.value()), port),
                     0, ec);
  }
  if (ec) {
    dropped("send_failed").inc();
    log_->warn("send failed to={} error=\"{}\"", to.ip.to_string(), ec.message());
    return;
  }
  auto type = reply.message_type().value_or(MessageType::kAck);
  counter_for(replies_, "slipway_dhcp_replies_total", "DHCP replies sent, by type", "type",
              to_string(type))
      .inc();
  counter_for(deliveries_, "slipway_dhcp_deliveries_total", "DHCP replies sent, by delivery",
              "kind", delivery_name(to.kind))
      .inc();
  auto level = type == MessageType::kOffer ? spdlog::level::debug : spdlog::level::info;
  log_->log(level, "{} mac={} ip={} to={} file=\"{}\"", to_string(type),
            reply.mac().value_or(MacAddress{}).to_string(), reply.yiaddr.to_string(),
            delivery_name(to.kind),
            reply.file.empty() ? reply.options.string(67).value_or("") : reply.file);
}

}  // namespace slipway::dhcp
