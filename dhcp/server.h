#pragma once
// The DHCP server: a UDP socket on port 67 bound to one interface, feeding the Responder.
// Malformed packets and packets the responder ignores are counted by reason and dropped; the
// receive loop never stops on bad input.

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <string>
#include <unordered_map>

#include "common/metrics.h"
#include "common/result.h"
#include "dhcp/responder.h"

namespace slipway::dhcp {

class Server {
 public:
  Server(boost::asio::io_context& io, Responder& responder, Metrics& metrics);

  // Binds 0.0.0.0:port on `interface` (SO_BINDTODEVICE; empty = every interface).
  Status start(const std::string& interface, uint16_t port = 67);
  void stop();
  uint16_t local_port() const;

 private:
  void receive();
  void handle(size_t size);
  Counter& dropped(std::string_view reason);
  Counter& replied(MessageType type);

  boost::asio::ip::udp::socket socket_;
  Responder& responder_;
  Metrics& metrics_;
  std::array<uint8_t, 65536> buffer_{};
  boost::asio::ip::udp::endpoint sender_;
  uint16_t client_port_ = 68;
  Counter& received_;
  std::unordered_map<std::string, Counter*> dropped_;
  std::unordered_map<int, Counter*> replied_;
};

}  // namespace slipway::dhcp
