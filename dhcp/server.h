#pragma once
// The DHCP server: UDP sockets on port 67 (and 4011 for the PXE boot service in proxy mode), one
// per served interface, feeding the Responder.
//
// Receive loop: when a socket is readable, up to `batch` waiting packets are read and handled,
// the lease store is flushed once (group commit: one fsync for the whole batch), and only then
// are the replies sent. Malformed packets and packets the responder ignores are counted by
// reason and dropped; the loop never stops on bad input.
//
// Delivery: broadcast and unicast through the interface's UDP socket; unicast to a client that
// has no address yet (broadcast flag clear) through a packet socket, without ARP.

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/log.h"
#include "common/metrics.h"
#include "common/result.h"
#include "dhcp/link_sender.h"
#include "dhcp/responder.h"

namespace slipway::dhcp {

struct ServedInterface {
  std::string name;
  Ipv4 address;  // ours there: source of replies and server identifier
};

struct ServerOptions {
  std::vector<ServedInterface> interfaces;
  uint16_t port = 67;         // another port (tests) answers clients on port + 1
  bool boot_service = false;  // also listen on the PXE boot service port (proxy mode)
  uint16_t boot_service_port = 4011;
  size_t batch = 256;  // packets handled per flush (one fsync)
  std::chrono::milliseconds reclaim_interval{5000};
};

class Server {
 public:
  Server(boost::asio::io_context& io, Responder& responder, LeaseStore& leases, Metrics& metrics);
  ~Server();

  Status start(const ServerOptions& options);
  void stop();
  // The bound port of the first interface's main socket (tests that bind port 0).
  uint16_t local_port() const;

 private:
  struct Listener;
  struct Outgoing {
    Listener* listener;
    Decision decision;
  };

  Status open_listener(const ServedInterface& iface, uint16_t port);
  void wait(Listener& l);
  void drain(Listener& l);
  void handle(Listener& l, size_t size, const boost::asio::ip::udp::endpoint& from);
  void send(const Outgoing& out);
  void flush_and_send();
  void schedule_reclaim();
  Counter& dropped(std::string_view reason);
  Counter& counter_for(std::unordered_map<std::string, Counter*>& cache, const std::string& name,
                       const std::string& help, const std::string& label, std::string_view value);

  boost::asio::io_context& io_;
  Responder& responder_;
  LeaseStore& leases_;
  Metrics& metrics_;
  ServerOptions options_;
  uint16_t client_port_ = 68;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::vector<Outgoing> outgoing_;
  std::array<uint8_t, 65536> buffer_{};
  boost::asio::steady_timer reclaim_timer_;
  std::shared_ptr<spdlog::logger> log_;  // looked up once: spdlog::get() takes a global lock
  Counter& received_;
  Counter& commits_;
  Counter& reclaimed_;
  std::unordered_map<std::string, Counter*> dropped_;
  std::unordered_map<std::string, Counter*> requests_;
  std::unordered_map<std::string, Counter*> replies_;
  std::unordered_map<std::string, Counter*> deliveries_;
};

}  // namespace slipway::dhcp
