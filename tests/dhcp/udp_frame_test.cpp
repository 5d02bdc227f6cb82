#include "dhcp/udp_frame.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace slipway::dhcp {
namespace {

std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

Ipv4 ip(const char* text) { return *Ipv4::parse(text); }
MacAddress mac(const char* text) { return *MacAddress::parse(text); }

// The Internet checksum written independently of the code under test: byte by byte, with the
// end-around carry folded at every step instead of once at the end.
uint16_t reference_checksum(const std::vector<uint8_t>& data) {
  uint32_t sum = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    sum += (i % 2 == 0) ? uint32_t{data[i]} << 8 : data[i];
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<uint16_t>(~sum & 0xffff);
}

uint16_t read_u16(const std::vector<uint8_t>& buf, size_t offset) {
  return static_cast<uint16_t>(buf[offset] << 8 | buf[offset + 1]);
}

// The UDP checksum recomputed from the built packet: pseudo-header + UDP header (its checksum
// field zeroed) + payload.
uint16_t reference_udp_checksum(const std::vector<uint8_t>& packet) {
  std::vector<uint8_t> data(packet.begin() + 12, packet.begin() + 20);  // source, destination
  uint16_t udp_length = read_u16(packet, 24);
  data.insert(data.end(),
              {0, 17, static_cast<uint8_t>(udp_length >> 8), static_cast<uint8_t>(udp_length)});
  std::vector<uint8_t> udp(packet.begin() + 20, packet.end());
  udp[6] = udp[7] = 0;
  data.insert(data.end(), udp.begin(), udp.end());
  return reference_checksum(data);
}

std::vector<uint8_t> ethernet(const MacAddress& dst, const MacAddress& src,
                              const std::vector<uint8_t>& ip_packet,
                              std::optional<uint16_t> vlan = std::nullopt) {
  std::vector<uint8_t> frame(dst.bytes().begin(), dst.bytes().end());
  frame.insert(frame.end(), src.bytes().begin(), src.bytes().end());
  if (vlan) frame.insert(frame.end(), {0x81, 0x00, uint8_t(*vlan >> 8), uint8_t(*vlan)});
  frame.insert(frame.end(), {0x08, 0x00});
  frame.insert(frame.end(), ip_packet.begin(), ip_packet.end());
  return frame;
}

std::vector<uint8_t> sample_frame() {
  auto packet = build_ipv4_udp(ip("198.18.40.1"), 67, ip("198.18.40.2"), 68, bytes_of("hello"));
  return ethernet(mac("52:54:00:40:00:02"), mac("52:54:00:40:00:01"), packet);
}

TEST(UdpFrame, BuildsTheHandComputedPacket) {
  // 198.18.40.1:67 -> 198.18.40.2:68, payload "hi"; both checksums worked out on paper:
  // IP:  4500+001e+0000+0000+4011+c612+2801+c612+2802 = 2_6156 -> 6158 -> ~ = 9ea7
  // UDP: c612+2801+c612+2802 + 0011+000a + 0043+0044+000a + 6869 = 2_453c -> 453e -> ~ = bac1
  auto packet = build_ipv4_udp(ip("198.18.40.1"), 67, ip("198.18.40.2"), 68, bytes_of("hi"));
  const std::vector<uint8_t> expected = {
      0x45, 0x00, 0x00, 0x1e, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x9e, 0xa7,  // IPv4
      0xc6, 0x12, 0x28, 0x01, 0xc6, 0x12, 0x28, 0x02,                          // addresses
      0x00, 0x43, 0x00, 0x44, 0x00, 0x0a, 0xba, 0xc1,                          // UDP
      'h',  'i'};
  EXPECT_EQ(packet, expected);
}

TEST(UdpFrame, ReproducesARealUdhcpdOfferByteForByte) {
  // An OFFER from busybox udhcpd 1.35 (which builds its IP and UDP headers itself), captured
  // with tcpdump on a veth; tcpdump reported "udp sum ok".
  std::ifstream in(std::string(SLIPWAY_SOURCE_DIR) + "/tests/dhcp/captures/udhcpd-offer-frame.bin",
                   std::ios::binary);
  std::vector<uint8_t> frame((std::istreambuf_iterator<char>(in)), {});
  ASSERT_EQ(frame.size(), 342u);
  auto d = parse_ethernet_ipv4_udp(frame);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->dst_mac.to_string(), "ff:ff:ff:ff:ff:ff");
  EXPECT_EQ(d->src_mac.to_string(), "52:54:00:41:00:01");
  EXPECT_EQ(d->src_ip.to_string(), "198.18.41.1");
  EXPECT_EQ(d->dst_ip.to_string(), "255.255.255.255");
  EXPECT_EQ(d->src_port, 67);
  EXPECT_EQ(d->dst_port, 68);
  EXPECT_EQ(d->payload.size(), 300u);
  auto rebuilt = build_ipv4_udp(d->src_ip, d->src_port, d->dst_ip, d->dst_port, d->payload);
  EXPECT_EQ(rebuilt, std::vector<uint8_t>(frame.begin() + 14, frame.end()));
}

TEST(UdpFrame, ChecksumsAgreeWithAnIndependentImplementation) {
  for (size_t size : {0u, 1u, 2u, 3u, 255u, 300u, 301u, 1472u}) {
    std::vector<uint8_t> payload(size);
    for (size_t i = 0; i < size; ++i) payload[i] = static_cast<uint8_t>(i * 37 + 11);
    auto packet = build_ipv4_udp(ip("198.18.255.254"), 4011, ip("198.19.0.1"), 65535, payload, 1);
    ASSERT_EQ(packet.size(), 28 + size);
    std::vector<uint8_t> header(packet.begin(), packet.begin() + 20);
    EXPECT_EQ(reference_checksum(header), 0) << size;  // a correct header sums to all ones
    header[10] = header[11] = 0;
    EXPECT_EQ(read_u16(packet, 10), reference_checksum(header)) << size;
    EXPECT_EQ(read_u16(packet, 26), reference_udp_checksum(packet)) << size;
    EXPECT_EQ(packet[8], 1) << "ttl";
    EXPECT_EQ(internet_checksum(std::vector<uint8_t>(packet.begin(), packet.begin() + 20)), 0);
  }
}

TEST(UdpFrame, AComputedZeroUdpChecksumIsSentAsAllOnes) {
  // Exactly one value of a two-byte payload makes the one's-complement sum all ones, i.e. a
  // computed checksum of 0, which means "no checksum" on the wire and must be sent as 0xFFFF.
  int found = 0;
  for (uint32_t v = 0; v <= 0xffff; ++v) {
    std::vector<uint8_t> payload = {static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
    auto packet = build_ipv4_udp(ip("198.18.40.1"), 67, ip("198.18.40.2"), 68, payload);
    if (reference_udp_checksum(packet) != 0) continue;
    ++found;
    EXPECT_EQ(read_u16(packet, 26), 0xffff) << v;
  }
  EXPECT_EQ(found, 1);
}

TEST(UdpFrame, OversizedPayloadIsRefused) {
  std::vector<uint8_t> max(kMaxUdpPayload, 0xab);
  EXPECT_EQ(build_ipv4_udp(ip("198.18.0.1"), 1, ip("198.18.0.2"), 2, max).size(), 65535u);
  max.push_back(0);
  EXPECT_TRUE(build_ipv4_udp(ip("198.18.0.1"), 1, ip("198.18.0.2"), 2, max).empty());
}

TEST(UdpFrame, RoundTripsThroughEthernet) {
  auto frame = sample_frame();
  auto d = parse_ethernet_ipv4_udp(frame);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->dst_mac.to_string(), "52:54:00:40:00:02");
  EXPECT_EQ(d->src_mac.to_string(), "52:54:00:40:00:01");
  EXPECT_EQ(d->src_ip.to_string(), "198.18.40.1");
  EXPECT_EQ(d->dst_ip.to_string(), "198.18.40.2");
  EXPECT_EQ(d->src_port, 67);
  EXPECT_EQ(d->dst_port, 68);
  EXPECT_EQ(std::string(d->payload.begin(), d->payload.end()), "hello");
}

TEST(UdpFrame, AcceptsOneVlanTag) {
  auto packet = build_ipv4_udp(ip("198.18.40.1"), 67, ip("198.18.40.2"), 68, bytes_of("tagged"));
  auto frame = ethernet(mac("52:54:00:40:00:02"), mac("52:54:00:40:00:01"), packet, 0x2064);
  auto d = parse_ethernet_ipv4_udp(frame);
  ASSERT_TRUE(d);
  EXPECT_EQ(std::string(d->payload.begin(), d->payload.end()), "tagged");
  EXPECT_EQ(d->src_ip.to_string(), "198.18.40.1");

  // A second tag (QinQ) is not unwrapped.
  auto inner = ethernet(mac("52:54:00:40:00:02"), mac("52:54:00:40:00:01"), packet, 7);
  std::vector<uint8_t> double_tagged(inner.begin(), inner.begin() + 12);
  double_tagged.insert(double_tagged.end(), {0x81, 0x00, 0x00, 0x05});
  double_tagged.insert(double_tagged.end(), inner.begin() + 12, inner.end());
  EXPECT_FALSE(parse_ethernet_ipv4_udp(double_tagged));
}

TEST(UdpFrame, IgnoresEthernetPadding) {
  auto frame = sample_frame();  // 14 + 20 + 8 + 5 = 47 bytes: a NIC pads it to 60
  frame.resize(60, 0);
  auto d = parse_ethernet_ipv4_udp(frame);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->payload.size(), 5u);
}

TEST(UdpFrame, SkipsIpOptions) {
  auto packet = build_ipv4_udp(ip("198.18.40.1"), 67, ip("198.18.40.2"), 68, bytes_of("opt"));
  packet[0] = 0x46;  // IHL 6: one 4-byte option word (NOPs)
  packet.insert(packet.begin() + 20, {1, 1, 1, 1});
  packet[3] = static_cast<uint8_t>(packet[3] + 4);
  auto frame = ethernet(mac("52:54:00:40:00:02"), mac("52:54:00:40:00:01"), packet);
  auto d = parse_ethernet_ipv4_udp(frame);  // the payload points into `frame`: keep it alive
  ASSERT_TRUE(d);
  EXPECT_EQ(std::string(d->payload.begin(), d->payload.end()), "opt");
  EXPECT_EQ(d->dst_port, 68);
}

TEST(UdpFrame, RefusesEveryTruncation) {
  auto frame = sample_frame();
  for (size_t n = 0; n < frame.size(); ++n) {
    EXPECT_FALSE(parse_ethernet_ipv4_udp(std::span<const uint8_t>(frame).first(n))) << n;
  }
}

// Each case patches one field of sample_frame(): offset in the frame, new bytes.
struct Patch {
  const char* what;
  size_t offset;
  std::vector<uint8_t> bytes;
};

TEST(UdpFrame, RefusesInconsistentFrames) {
  const std::vector<Patch> patches = {
      {"ARP ethertype", 12, {0x08, 0x06}},
      {"IPv6 ethertype", 12, {0x86, 0xdd}},
      {"IP version 6", 14, {0x65}},
      {"IHL 4", 14, {0x44}},
      {"IHL 15 runs past the datagram", 14, {0x4f}},
      {"total length past the frame", 16, {0x00, 0x22}},
      {"total length shorter than the headers", 16, {0x00, 0x1b}},
      {"more fragments", 20, {0x20, 0x00}},
      {"fragment offset", 20, {0x00, 0x01}},
      {"TCP", 23, {6}},
      {"UDP length too long", 38, {0x00, 0x0e}},
      {"UDP length too short", 38, {0x00, 0x0c}},
      {"UDP length below its header", 38, {0x00, 0x07}},
  };
  ASSERT_TRUE(parse_ethernet_ipv4_udp(sample_frame()));
  for (const auto& p : patches) {
    auto frame = sample_frame();
    std::copy(p.bytes.begin(), p.bytes.end(), frame.begin() + static_cast<long>(p.offset));
    EXPECT_FALSE(parse_ethernet_ipv4_udp(frame)) << p.what;
  }
}

TEST(UdpFrame, DontFragmentIsNotAFragment) {
  auto frame = sample_frame();
  frame[20] = 0x40;  // DF set, offset 0
  EXPECT_TRUE(parse_ethernet_ipv4_udp(frame));
}

}  // namespace
}  // namespace slipway::dhcp
