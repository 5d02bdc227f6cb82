#include "dhcp/router_advert.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "common/byte_reader.h"
#include "common/byte_writer.h"
#include "common/log.h"

namespace slipway::dhcp {

namespace asio = boost::asio;
using raw = asio::generic::raw_protocol;

bool is_router_solicitation(std::span<const uint8_t> icmp) {
  ByteReader r(icmp);
  auto type = r.u8();
  auto code = r.u8();
  return type == kIcmpv6RouterSolicitation && code == 0 && icmp.size() >= 8;
}

std::vector<uint8_t> quench_advertisement() {
  ByteWriter w(16);
  w.u8(kIcmpv6RouterAdvertisement);
  w.u8(0);   // code
  w.u16(0);  // checksum: computed by the kernel
  w.u8(0);   // current hop limit: unspecified
  w.u8(0);   // flags: no managed, no other configuration
  w.u16(0);  // router lifetime 0: not a default router
  w.u32(0);  // reachable time: unspecified
  w.u32(0);  // retransmission timer: unspecified
  return w.take();
}

RouterAdvertiser::RouterAdvertiser(asio::io_context& io, Metrics& metrics)
    : socket_(io),
      answered_(metrics.counter("slipway_ipv6_router_solicitations_answered_total",
                                "IPv6 router solicitations answered with lifetime 0")) {}

Status RouterAdvertiser::start(const std::string& interface) {
  interface_index_ = if_nametoindex(interface.c_str());
  if (interface_index_ == 0) return Error{"ipv6: no interface " + interface};
  boost::system::error_code ec;
  socket_.open(raw(AF_INET6, IPPROTO_ICMPV6), ec);
  if (ec) return Error{"ipv6: cannot open a raw ICMPv6 socket: " + ec.message()};
  int fd = socket_.native_handle();
  auto fail = [&](const char* what) {
    std::string reason = std::strerror(errno);
    socket_.close(ec);
    return Error{std::string("ipv6: ") + what + " on " + interface + ": " + reason};
  };
  if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(),
                   static_cast<socklen_t>(interface.size())) != 0) {
    return fail("cannot bind to interface");
  }
  icmp6_filter filter;
  ICMP6_FILTER_SETBLOCKALL(&filter);
  ICMP6_FILTER_SETPASS(kIcmpv6RouterSolicitation, &filter);
  if (::setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter) != 0) {
    return fail("cannot set the ICMPv6 filter");
  }
  // RFC 4861: neighbour discovery messages are sent and accepted only with hop limit 255.
  int hops = 255;
  if (::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops) != 0 ||
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops) != 0 ||
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &interface_index_,
                   sizeof interface_index_) != 0) {
    return fail("cannot set hop limits");
  }
  ipv6_mreq all_routers{};
  inet_pton(AF_INET6, "ff02::2", &all_routers.ipv6mr_multiaddr);
  all_routers.ipv6mr_interface = interface_index_;
  if (::setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &all_routers, sizeof all_routers) != 0) {
    return fail("cannot join ff02::2");
  }
  log::get("ipv6")->info("answering router solicitations interface={} lifetime=0", interface);
  receive();
  return {};
}

void RouterAdvertiser::stop() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void RouterAdvertiser::receive() {
  socket_.async_receive_from(
      asio::buffer(buffer_), sender_, [this](boost::system::error_code ec, size_t size) {
        if (ec == asio::error::operation_aborted) return;
        if (!ec && is_router_solicitation(std::span<const uint8_t>(buffer_.data(), size))) {
          // Answered to all nodes (the solicitor may have no address yet: RFC 4861 6.2.6).
          sockaddr_in6 to{};
          to.sin6_family = AF_INET6;
          inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
          to.sin6_scope_id = interface_index_;
          auto ra = quench_advertisement();
          boost::system::error_code send_ec;
          socket_.send_to(asio::buffer(ra), raw::endpoint(&to, sizeof to), 0, send_ec);
          if (!send_ec) answered_.inc();
        }
        receive();
      });
}

}  // namespace slipway::dhcp
