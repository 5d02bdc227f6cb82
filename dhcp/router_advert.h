#pragma once
// Answers IPv6 Router Solicitations on the provisioning interface with a Router Advertisement
// that carries router lifetime 0 and no prefixes: "I am not a router, there is nothing to
// configure". iPXE waits about 13 s at every boot stage for an IPv6 router unless something
// answers; this answer ends the wait without offering hosts a route or addresses, so it is
// harmless next to a real IPv6 router.
//
// The codec functions are pure; RouterAdvertiser is the Asio side (a raw ICMPv6 socket).

#include <array>
#include <boost/asio/generic/raw_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/metrics.h"
#include "common/result.h"

namespace slipway::dhcp {

inline constexpr uint8_t kIcmpv6RouterSolicitation = 133;
inline constexpr uint8_t kIcmpv6RouterAdvertisement = 134;

// True for a well-formed Router Solicitation (RFC 4861 section 4.1): type 133, code 0, at least
// the 8-byte header. `icmp` is the ICMPv6 message (the kernel strips the IPv6 header).
bool is_router_solicitation(std::span<const uint8_t> icmp);

// The ICMPv6 Router Advertisement with hop limit 0, no flags, router lifetime 0, no options.
// The checksum is left 0: the kernel fills it in for ICMPv6 raw sockets.
std::vector<uint8_t> quench_advertisement();

class RouterAdvertiser {
 public:
  RouterAdvertiser(boost::asio::io_context& io, Metrics& metrics);
  // Opens a raw ICMPv6 socket on `interface`, joins ff02::2 and answers solicitations there.
  Status start(const std::string& interface);
  void stop();

 private:
  void receive();

  boost::asio::generic::raw_protocol::socket socket_;
  unsigned interface_index_ = 0;
  std::array<uint8_t, 1500> buffer_{};
  boost::asio::generic::raw_protocol::endpoint sender_;
  Counter& answered_;
};

}  // namespace slipway::dhcp
