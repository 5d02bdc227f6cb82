#include "dhcp/link_sender.h"

#include <arpa/inet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "dhcp/udp_frame.h"

namespace slipway::dhcp {

namespace {

std::string errno_text() { return std::strerror(errno); }

}  // namespace

Status LinkSender::open(const std::string& interface) {
  if (interface.empty() || interface.size() >= IFNAMSIZ) {
    return Error{"dhcp link: bad interface name \"" + interface + "\""};
  }
  unsigned index = ::if_nametoindex(interface.c_str());
  if (index == 0) return Error{"dhcp link: no interface " + interface};

  // Protocol 0: the socket is never handed received frames. Bound to ETH_P_IP it would get a
  // copy of every IPv4 packet on the link queued to it, only to be dropped unread. The EtherType
  // of sent frames comes from each sendto() address instead.
  UniqueFd fd(::socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    return Error{"dhcp link: cannot open a packet socket (needs CAP_NET_RAW): " + errno_text()};
  }

  // The destination address given to sendto() is an Ethernet address: refuse links that frame
  // differently. Loopback uses Ethernet framing with a zero address, so it is accepted.
  ifreq request{};
  std::copy(interface.begin(), interface.end(), request.ifr_name);
  if (::ioctl(fd.get(), SIOCGIFHWADDR, &request) != 0) {
    return Error{"dhcp link: cannot read the link type of " + interface + ": " + errno_text()};
  }
  auto link_type = request.ifr_hwaddr.sa_family;
  if (link_type != ARPHRD_ETHER && link_type != ARPHRD_LOOPBACK) {
    return Error{"dhcp link: " + interface + " is not an Ethernet link (type " +
                 std::to_string(link_type) + ")"};
  }

  sockaddr_ll local{};
  local.sll_family = AF_PACKET;
  local.sll_protocol = 0;
  local.sll_ifindex = static_cast<int>(index);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
    return Error{"dhcp link: cannot bind to " + interface + ": " + errno_text()};
  }
  fd_ = std::move(fd);
  interface_index_ = static_cast<int>(index);
  interface_ = interface;
  return {};
}

Status LinkSender::send(const MacAddress& dst_mac, Ipv4 src, uint16_t src_port, Ipv4 dst,
                        uint16_t dst_port, std::span<const uint8_t> payload) {
  if (!is_open()) return Error{"dhcp link: not open"};
  if (payload.size() > kMaxUdpPayload) {
    return Error{"dhcp link: payload of " + std::to_string(payload.size()) +
                 " bytes does not fit in one datagram"};
  }
  std::vector<uint8_t> packet = build_ipv4_udp(src, src_port, dst, dst_port, payload);

  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ETH_P_IP);
  to.sll_ifindex = interface_index_;
  to.sll_halen = MacAddress::kSize;
  std::copy(dst_mac.bytes().begin(), dst_mac.bytes().end(), to.sll_addr);
  ssize_t sent = ::sendto(fd_.get(), packet.data(), packet.size(), 0,
                          reinterpret_cast<const sockaddr*>(&to), sizeof to);
  if (sent < 0) {
    int error = errno;
    std::string where = " to " + dst_mac.to_string() + " on " + interface_;
    if (error == EAGAIN || error == EWOULDBLOCK) {
      return Error{"dhcp link: send queue full" + where};
    }
    if (error == EMSGSIZE) {
      return Error{"dhcp link: " + std::to_string(packet.size()) +
                   "-byte packet larger than the MTU" + where};
    }
    return Error{"dhcp link: send failed" + where + ": " + std::strerror(error)};
  }
  if (static_cast<size_t>(sent) != packet.size()) {
    return Error{"dhcp link: short send (" + std::to_string(sent) + " of " +
                 std::to_string(packet.size()) + " bytes) on " + interface_};
  }
  return {};
}

}  // namespace slipway::dhcp
