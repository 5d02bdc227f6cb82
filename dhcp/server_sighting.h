#pragma once
// What a captured frame says about a DHCP server: the pure half of foreign-server detection
// (rogue_detector.h is the capture). No sockets, no Asio.

#include <optional>
#include <span>

#include "common/ipv4.h"
#include "common/mac_address.h"
#include "dhcp/packet.h"

namespace slipway::dhcp {

// One DHCP server reply seen on the wire.
struct ServerSighting {
  Ipv4 server_id;  // option 54, or the IP source when the reply carries none
  MacAddress mac;  // Ethernet source
  Ipv4 source_ip;
  MessageType type = MessageType::kOffer;  // kOffer, kAck or kNak
  Ipv4 yiaddr;                             // the address offered or acknowledged (0 in a NAK)
  std::optional<MacAddress> client_mac;    // chaddr, when it is an Ethernet address
};

// A whole Ethernet frame -> a sighting when it is a BOOTREPLY of type OFFER, ACK or NAK sent from
// UDP port 67 (to any port: a reply to a relay goes to 67). nullopt for anything else, including
// frames and DHCP packets that do not parse.
std::optional<ServerSighting> inspect_frame(std::span<const uint8_t> frame);

}  // namespace slipway::dhcp
