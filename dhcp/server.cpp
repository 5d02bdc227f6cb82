#include "dhcp/server.h"

#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <variant>

#include "common/log.h"

namespace slipway::dhcp {

namespace asio = boost::asio;
using udp = asio::ip::udp;

Server::Server(asio::io_context& io, Responder& responder, Metrics& metrics)
    : socket_(io),
      responder_(responder),
      metrics_(metrics),
      received_(metrics.counter("slipway_dhcp_received_total", "DHCP packets received")) {}

Status Server::start(const std::string& interface, uint16_t port) {
  boost::system::error_code ec;
  socket_.open(udp::v4(), ec);
  if (!ec) socket_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) socket_.set_option(asio::socket_base::broadcast(true), ec);
  if (ec) return Error{"dhcp: cannot open socket: " + ec.message()};
  if (!interface.empty()) {
    if (interface.size() >= IFNAMSIZ) return Error{"dhcp: interface name too long: " + interface};
    if (::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(),
                     static_cast<socklen_t>(interface.size())) != 0) {
      return Error{"dhcp: cannot bind to interface " + interface + ": " + std::strerror(errno)};
    }
  }
  socket_.bind(udp::endpoint(asio::ip::address_v4::any(), port), ec);
  if (ec) return Error{"dhcp: cannot bind port " + std::to_string(port) + ": " + ec.message()};
  // A server on a test port answers clients one port up, as 67/68 do.
  client_port_ = static_cast<uint16_t>(port == 67 ? 68 : port + 1);
  log::get("dhcp")->info("listening interface={} port={} server_id={}",
                         interface.empty() ? "*" : interface, port,
                         responder_.config().server_id.to_string());
  receive();
  return {};
}

void Server::stop() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

uint16_t Server::local_port() const {
  boost::system::error_code ec;
  return socket_.local_endpoint(ec).port();
}

Counter& Server::dropped(std::string_view reason) {
  auto it = dropped_.find(std::string(reason));
  if (it != dropped_.end()) return *it->second;
  Counter& c = metrics_.counter("slipway_dhcp_dropped_total", "DHCP packets dropped, by reason",
                                "reason=\"" + std::string(reason) + "\"");
  dropped_[std::string(reason)] = &c;
  return c;
}

Counter& Server::replied(MessageType type) {
  int key = static_cast<int>(type);
  auto it = replied_.find(key);
  if (it != replied_.end()) return *it->second;
  Counter& c = metrics_.counter("slipway_dhcp_replies_total", "DHCP replies sent, by type",
                                "type=\"" + std::string(to_string(type)) + "\"");
  replied_[key] = &c;
  return c;
}

void Server::receive() {
  socket_.async_receive_from(asio::buffer(buffer_), sender_,
                             [this](boost::system::error_code ec, size_t size) {
                               if (ec == asio::error::operation_aborted) return;
                               if (!ec) handle(size);
                               receive();
                             });
}

void Server::handle(size_t size) {
  received_.inc();
  auto parsed = parse(std::span<const uint8_t>(buffer_.data(), size));
  if (auto* error = std::get_if<ParseError>(&parsed)) {
    dropped(to_string(*error)).inc();
    log::get("dhcp")->debug("dropped malformed packet from={} reason={}",
                            sender_.address().to_string(), to_string(*error));
    return;
  }
  const Packet& request = std::get<Packet>(parsed);
  Decision decision;
  try {
    decision = responder_.handle(request);
  } catch (const std::exception& e) {
    dropped("internal_error").inc();
    log::get("dhcp")->error("responder failed error=\"{}\"", e.what());
    return;
  }
  if (!decision.reply) {
    if (!decision.ignored.empty()) {
      dropped(decision.ignored).inc();
      log::get("dhcp")->debug("ignored mac={} reason={}",
                              request.mac().value_or(MacAddress{}).to_string(), decision.ignored);
    }
    return;
  }
  const Packet& reply = *decision.reply;
  Destination dest = reply_destination(request, reply);
  uint16_t port = dest.port == 67 ? static_cast<uint16_t>(client_port_ - 1) : client_port_;
  auto bytes = serialize(reply);
  boost::system::error_code ec;
  socket_.send_to(asio::buffer(bytes), udp::endpoint(asio::ip::address_v4(dest.ip.value()), port),
                  0, ec);
  if (ec) {
    dropped("send_failed").inc();
    log::get("dhcp")->warn("send failed to={} error=\"{}\"", dest.ip.to_string(), ec.message());
    return;
  }
  auto type = reply.message_type().value_or(MessageType::kAck);
  replied(type).inc();
  log::get("dhcp")->info("{} mac={} ip={} file=\"{}\"", to_string(type),
                         request.mac().value_or(MacAddress{}).to_string(), reply.yiaddr.to_string(),
                         reply.file.empty() ? reply.options.string(67).value_or("") : reply.file);
}

}  // namespace slipway::dhcp
