#pragma once
// LinkSender: sends one UDP/IPv4 datagram to a given Ethernet address, without ARP.
//
// Why: RFC 2131 section 4.1 says a reply to a client that has no address yet and did not set the
// broadcast flag goes by unicast to chaddr and yiaddr. The kernel's UDP socket cannot do that: it
// would ARP for yiaddr, which nobody holds yet. This class builds the IP packet itself
// (build_ipv4_udp) and hands it to an AF_PACKET SOCK_DGRAM socket with the destination MAC; the
// kernel adds the Ethernet header with the interface's own MAC as the source.
//
// Sends are synchronous on a non-blocking socket: a full send queue (EAGAIN) is an error value,
// not a wait. Needs CAP_NET_RAW. Not thread-safe: use from one thread (the io_context's).

#include <cstdint>
#include <span>
#include <string>

#include "common/ipv4.h"
#include "common/mac_address.h"
#include "common/result.h"
#include "common/unique_fd.h"

namespace slipway::dhcp {

class LinkSender {
 public:
  LinkSender() = default;
  LinkSender(const LinkSender&) = delete;
  LinkSender& operator=(const LinkSender&) = delete;
  LinkSender(LinkSender&&) = default;
  LinkSender& operator=(LinkSender&&) = default;

  // Opens the packet socket on `interface`. Fails when the interface does not exist, is not an
  // Ethernet link (loopback, which uses Ethernet framing, is accepted) or the process lacks
  // CAP_NET_RAW. A successful open replaces the previous socket; a failed one keeps it.
  Status open(const std::string& interface);

  // Sends `payload` from src:src_port to dst:dst_port inside a frame addressed to dst_mac. `src`
  // is the caller's address on that interface (nothing checks it). Fails when not open, when the
  // payload does not fit one datagram or the interface MTU, or when the kernel refuses the frame
  // (interface down, send queue full).
  Status send(const MacAddress& dst_mac, Ipv4 src, uint16_t src_port, Ipv4 dst, uint16_t dst_port,
              std::span<const uint8_t> payload);

  bool is_open() const { return fd_.valid(); }
  void close() { fd_.reset(); }

 private:
  UniqueFd fd_;
  int interface_index_ = 0;
  std::string interface_;
};

}  // namespace slipway::dhcp
