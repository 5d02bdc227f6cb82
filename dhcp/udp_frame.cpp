#include "dhcp/udp_frame.h"

#include "common/byte_reader.h"
#include "common/byte_writer.h"

namespace slipway::dhcp {

namespace {

constexpr uint8_t kVersionIhlNoOptions = 0x45;
constexpr uint16_t kMoreFragments = 0x2000;
constexpr uint16_t kFragmentOffsetMask = 0x1fff;
constexpr size_t kChecksumOffsetInIpHeader = 10;
constexpr size_t kChecksumOffsetInUdpHeader = 6;

void put_u16(std::vector<uint8_t>& buf, size_t offset, uint16_t v) {
  buf[offset] = static_cast<uint8_t>(v >> 8);
  buf[offset + 1] = static_cast<uint8_t>(v);
}

// The pseudo-header's contribution (RFC 768) to a UDP checksum, as a partial sum.
uint32_t pseudo_header_sum(Ipv4 src, Ipv4 dst, uint16_t udp_length) {
  return (src.value() >> 16) + (src.value() & 0xffff) + (dst.value() >> 16) +
         (dst.value() & 0xffff) + kIpProtocolUdp + udp_length;
}

}  // namespace

uint16_t internet_checksum(std::span<const uint8_t> data, uint32_t initial) {
  // 64 bits so that no carry is lost before the fold, however long the data.
  uint64_t sum = initial;
  ByteReader r(data);
  while (auto word = r.u16()) sum += *word;
  if (auto last = r.u8()) sum += uint32_t{*last} << 8;  // odd length: pad with a zero byte
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

std::vector<uint8_t> build_ipv4_udp(Ipv4 src, uint16_t src_port, Ipv4 dst, uint16_t dst_port,
                                    std::span<const uint8_t> payload, uint8_t ttl) {
  if (payload.size() > kMaxUdpPayload) return {};
  const auto udp_length = static_cast<uint16_t>(kUdpHeaderSize + payload.size());
  const auto total_length = static_cast<uint16_t>(kIpv4HeaderSize + udp_length);

  ByteWriter w(total_length);
  w.u8(kVersionIhlNoOptions);
  w.u8(0);  // TOS
  w.u16(total_length);
  w.u16(0);  // identification: unused, nothing here is ever fragmented
  w.u16(0);  // flags and fragment offset
  w.u8(ttl);
  w.u8(kIpProtocolUdp);
  w.u16(0);  // header checksum, set below
  w.u32(src.value());
  w.u32(dst.value());
  w.u16(src_port);
  w.u16(dst_port);
  w.u16(udp_length);
  w.u16(0);  // UDP checksum, set below
  w.bytes(payload);

  std::vector<uint8_t> packet = w.take();
  auto bytes = std::span<const uint8_t>(packet);
  put_u16(packet, kChecksumOffsetInIpHeader, internet_checksum(bytes.first(kIpv4HeaderSize)));
  uint16_t udp_sum =
      internet_checksum(bytes.subspan(kIpv4HeaderSize), pseudo_header_sum(src, dst, udp_length));
  put_u16(packet, kIpv4HeaderSize + kChecksumOffsetInUdpHeader, udp_sum == 0 ? 0xffff : udp_sum);
  return packet;
}

std::optional<UdpDatagram> parse_ethernet_ipv4_udp(std::span<const uint8_t> frame) {
  ByteReader eth(frame);
  auto dst_mac = eth.bytes(MacAddress::kSize);
  auto src_mac = eth.bytes(MacAddress::kSize);
  auto ether_type = eth.u16();
  if (!dst_mac || !src_mac || !ether_type) return std::nullopt;
  if (*ether_type == kEtherTypeVlan) {
    if (!eth.skip(2)) return std::nullopt;  // tag control: priority, DEI, VLAN id
    ether_type = eth.u16();
  }
  if (ether_type != kEtherTypeIpv4) return std::nullopt;

  UdpDatagram d;
  d.dst_mac = MacAddress::from_bytes(dst_mac->first<MacAddress::kSize>());
  d.src_mac = MacAddress::from_bytes(src_mac->first<MacAddress::kSize>());

  // Ethernet pads short frames to 60 bytes: the IP total length, not the frame, says where the
  // datagram ends.
  std::span<const uint8_t> ip_and_padding = eth.rest();
  ByteReader ip(ip_and_padding);
  auto version_ihl = ip.u8();
  if (!version_ihl || (*version_ihl >> 4) != 4) return std::nullopt;
  const size_t header_length = size_t{*version_ihl & 0x0fu} * 4;
  if (header_length < kIpv4HeaderSize) return std::nullopt;
  if (!ip.skip(1)) return std::nullopt;  // TOS
  auto total_length = ip.u16();
  if (!total_length || *total_length < header_length + kUdpHeaderSize ||
      *total_length > ip_and_padding.size()) {
    return std::nullopt;
  }
  if (!ip.skip(2)) return std::nullopt;  // identification
  auto fragment = ip.u16();
  if (!fragment || (*fragment & (kMoreFragments | kFragmentOffsetMask)) != 0) return std::nullopt;
  if (!ip.skip(1)) return std::nullopt;  // TTL
  auto protocol = ip.u8();
  if (protocol != kIpProtocolUdp) return std::nullopt;
  if (!ip.skip(2)) return std::nullopt;  // header checksum
  auto src_ip = ip.u32();
  auto dst_ip = ip.u32();
  if (!src_ip || !dst_ip) return std::nullopt;
  if (!ip.skip(header_length - kIpv4HeaderSize)) return std::nullopt;  // IP options
  d.src_ip = Ipv4(*src_ip);
  d.dst_ip = Ipv4(*dst_ip);

  auto udp_bytes = ip.bytes(*total_length - header_length);
  if (!udp_bytes) return std::nullopt;
  ByteReader udp(*udp_bytes);
  auto src_port = udp.u16();
  auto dst_port = udp.u16();
  auto udp_length = udp.u16();
  if (!src_port || !dst_port || !udp_length || *udp_length != udp_bytes->size()) {
    return std::nullopt;
  }
  if (!udp.skip(2)) return std::nullopt;  // checksum
  d.src_port = *src_port;
  d.dst_port = *dst_port;
  d.payload = udp.rest();
  return d;
}

}  // namespace slipway::dhcp
