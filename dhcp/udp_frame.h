#pragma once
// IPv4/UDP framing below the socket layer, for the two places the DHCP server works under the
// kernel's UDP stack: sending a reply to a client that has no address yet (LinkSender hands the
// IP packet to an AF_PACKET socket; the kernel adds the Ethernet header) and reading captured
// Ethernet frames (RogueDetector). Pure functions over bytes, no sockets.
//
// parse_ethernet_ipv4_udp() is strict about the frame: anything but one unfragmented UDP/IPv4
// datagram whose length fields agree with each other and with the bytes present is refused.
// Checksums are not verified: a capture of a frame this host sends carries a partial UDP checksum
// when the NIC offloads it, and a frame damaged on the wire has already failed the Ethernet FCS.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/ipv4.h"
#include "common/mac_address.h"
#include "common/wire.h"

namespace slipway::dhcp {

using slipway::kEthernetHeaderSize;
using slipway::kEtherTypeIpv4;
using slipway::kEtherTypeVlan;
using slipway::kIpProtocolUdp;
using slipway::kIpv4HeaderSize;
using slipway::kUdpHeaderSize;
using slipway::kVlanTagSize;  // the wire constants, still reachable as dhcp::k...

// The largest payload one IPv4 datagram (total length is 16 bits) can carry over UDP.
inline constexpr size_t kMaxUdpPayload = 65535 - kIpv4HeaderSize - kUdpHeaderSize;

// One UDP datagram read out of an Ethernet frame. `payload` points into the frame that was
// parsed: it is valid only as long as that buffer is.
struct UdpDatagram {
  MacAddress src_mac;
  MacAddress dst_mac;
  Ipv4 src_ip;
  Ipv4 dst_ip;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  std::span<const uint8_t> payload;
};

// The IPv4 packet (20-byte header: no options, DF clear, ID 0, TOS 0, header checksum set) that
// carries one UDP datagram with its checksum computed over the RFC 768 pseudo-header (a computed
// 0 is sent as 0xFFFF, since 0 means "no checksum"). Returns an empty vector when the payload is
// longer than kMaxUdpPayload.
std::vector<uint8_t> build_ipv4_udp(Ipv4 src, uint16_t src_port, Ipv4 dst, uint16_t dst_port,
                                    std::span<const uint8_t> payload, uint8_t ttl = 64);

// Reads an Ethernet II frame (without FCS) carrying UDP over IPv4, optionally with one 802.1Q
// tag. nullopt unless: the EtherType is IPv4, version 4, IHL >= 5, IHL*4 <= total length <= the
// bytes after the Ethernet header (trailing bytes are Ethernet padding and are ignored), not a
// fragment (MF clear, offset 0), protocol UDP, and the UDP length equals the IP payload length.
std::optional<UdpDatagram> parse_ethernet_ipv4_udp(std::span<const uint8_t> frame);

// The Internet checksum (RFC 1071) of `data`, starting from a partial 32-bit sum `initial`
// (for a pseudo-header). Returned in host order, ready to be written big-endian.
uint16_t internet_checksum(std::span<const uint8_t> data, uint32_t initial = 0);

}  // namespace slipway::dhcp
