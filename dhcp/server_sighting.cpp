#include "dhcp/server_sighting.h"

#include "dhcp/options.h"
#include "dhcp/udp_frame.h"

namespace slipway::dhcp {
namespace {

constexpr uint16_t kServerPort = 67;

bool is_server_reply(MessageType t) {
  return t == MessageType::kOffer || t == MessageType::kAck || t == MessageType::kNak;
}

}  // namespace

std::optional<ServerSighting> inspect_frame(std::span<const uint8_t> frame) {
  auto datagram = parse_ethernet_ipv4_udp(frame);
  if (!datagram || datagram->src_port != kServerPort) return std::nullopt;
  auto parsed = parse(datagram->payload);
  const Packet* packet = std::get_if<Packet>(&parsed);
  if (packet == nullptr || packet->op != kBootReply) return std::nullopt;
  auto type = packet->message_type();
  if (!type || !is_server_reply(*type)) return std::nullopt;

  ServerSighting s;
  s.server_id = packet->options.ipv4(opt::kServerId).value_or(datagram->src_ip);
  s.mac = datagram->src_mac;
  s.source_ip = datagram->src_ip;
  s.type = *type;
  s.yiaddr = packet->yiaddr;
  s.client_mac = packet->mac();
  return s;
}

}  // namespace slipway::dhcp
