#include "wol/wake_frame.h"

#include "common/byte_reader.h"
#include "common/byte_writer.h"

namespace slipway::wol {

namespace {

constexpr uint16_t kFragmentMask = 0x3FFF;  // the more-fragments flag and the offset

const MacAddress kBroadcast({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF});

// The UDP payload of the IPv4 packet under `ip`, with its destination port; nullopt unless the
// packet is one whole UDP datagram to a wake port.
std::optional<std::pair<uint16_t, std::span<const uint8_t>>> wake_datagram(
    std::span<const uint8_t> ip) {
  // Fixed-size headers are checked whole first, so every field read below is present.
  if (ip.size() < kIpv4HeaderSize) return std::nullopt;
  ByteReader header(ip);
  auto version_ihl = header.u8();
  header.skip(1);  // DSCP/ECN
  auto total_length = header.u16();
  header.skip(2);  // identification
  auto fragment = header.u16();
  header.skip(1);  // TTL
  auto protocol = header.u8();
  if ((*version_ihl >> 4) != 4 || *protocol != kIpProtocolUdp) return std::nullopt;
  size_t header_length = size_t{*version_ihl & 0x0Fu} * 4;
  if ((*fragment & kFragmentMask) != 0 || header_length < kIpv4HeaderSize ||
      *total_length < header_length + kUdpHeaderSize || *total_length > ip.size()) {
    return std::nullopt;
  }
  ByteReader udp(ip.subspan(header_length, *total_length - header_length));
  udp.skip(2);  // source port
  auto port = udp.u16();
  auto udp_length = udp.u16();
  udp.skip(2);  // checksum: not checked (offloaded on send, the FCS covers the wire)
  if (*udp_length != *total_length - header_length) return std::nullopt;
  if (*port != kDiscardPort && *port != kEchoPort) return std::nullopt;
  return std::pair{*port, udp.rest()};
}

}  // namespace

std::string_view to_string(WakeForm form) { return form == WakeForm::kUdp ? "udp" : "raw"; }

Result<std::vector<uint8_t>> build_wake_frame(const MacAddress& source, const MagicPacket& packet) {
  auto payload = encode(packet);
  if (!payload) return payload.error();
  ByteWriter w(kEthernetHeaderSize + payload->size());
  w.bytes(kBroadcast.bytes());
  w.bytes(source.bytes());
  w.u16(kEtherTypeWakeOnLan);
  w.bytes(*payload);
  return w.take();
}

std::optional<WakeSighting> parse_wake_frame(std::span<const uint8_t> frame) {
  if (frame.size() < kEthernetHeaderSize) return std::nullopt;
  ByteReader r(frame);
  r.skip(MacAddress::kSize);  // destination: any
  auto source = r.bytes(MacAddress::kSize);
  auto type = r.u16();
  if (type == kEtherTypeVlan) {
    // The tag's last two bytes are the EtherType of what it carries.
    type = r.skip(kVlanTagSize - 2) ? r.u16() : std::nullopt;
  }
  if (!type) return std::nullopt;
  WakeSighting seen;
  seen.source = MacAddress::from_bytes(std::span<const uint8_t, MacAddress::kSize>(*source));
  std::span<const uint8_t> payload;
  if (*type == kEtherTypeWakeOnLan) {
    seen.form = WakeForm::kRaw;
    payload = r.rest();
  } else if (*type == kEtherTypeIpv4) {
    auto datagram = wake_datagram(r.rest());
    if (!datagram) return std::nullopt;
    seen.form = WakeForm::kUdp;
    seen.udp_port = datagram->first;
    payload = datagram->second;
  } else {
    return std::nullopt;
  }
  auto packet = decode(payload);
  if (!packet) return std::nullopt;
  seen.packet = std::move(*packet);
  return seen;
}

}  // namespace slipway::wol
