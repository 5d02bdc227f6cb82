// libFuzzer target for the Ethernet/IPv4/UDP frame codec (dhcp/udp_frame.h).
//
// Beyond "no crash, no sanitizer report": a frame that parses is rebuilt with build_ipv4_udp()
// inside a fresh Ethernet header, and that parses back to the same addresses, ports and payload;
// the rebuilt IP header and UDP datagram carry checksums that verify.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "dhcp/udp_frame.h"
#include "tests/fuzz/fuzz_check.h"

using slipway::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slipway;
  using namespace slipway::dhcp;
  auto d = parse_ethernet_ipv4_udp(std::span<const uint8_t>(data, size));
  if (!d) return 0;
  check(d->payload.size() <= kMaxUdpPayload);
  check(d->payload.data() >= data && d->payload.data() + d->payload.size() <= data + size);

  auto packet = build_ipv4_udp(d->src_ip, d->src_port, d->dst_ip, d->dst_port, d->payload);
  check(packet.size() == kIpv4HeaderSize + kUdpHeaderSize + d->payload.size());
  auto ip = std::span<const uint8_t>(packet);
  check(internet_checksum(ip.first(kIpv4HeaderSize)) == 0);
  // UDP: the pseudo-header (addresses, protocol, length) plus the datagram sums to all ones.
  std::vector<uint8_t> pseudo(packet.begin() + 12, packet.begin() + 20);
  pseudo.insert(pseudo.end(), {0, kIpProtocolUdp, packet[24], packet[25]});
  pseudo.insert(pseudo.end(), packet.begin() + kIpv4HeaderSize, packet.end());
  check(internet_checksum(pseudo) == 0);

  std::vector<uint8_t> frame(d->dst_mac.bytes().begin(), d->dst_mac.bytes().end());
  frame.insert(frame.end(), d->src_mac.bytes().begin(), d->src_mac.bytes().end());
  frame.insert(frame.end(), {0x08, 0x00});
  frame.insert(frame.end(), packet.begin(), packet.end());
  auto again = parse_ethernet_ipv4_udp(frame);
  check(again.has_value());
  check(again->src_mac == d->src_mac && again->dst_mac == d->dst_mac);
  check(again->src_ip == d->src_ip && again->dst_ip == d->dst_ip);
  check(again->src_port == d->src_port && again->dst_port == d->dst_port);
  check(std::equal(again->payload.begin(), again->payload.end(), d->payload.begin(),
                   d->payload.end()));
  return 0;
}
