#pragma once
// The two forms a magic packet travels in on a LAN, as bytes: a raw Ethernet frame with the
// Wake-on-LAN EtherType, and a UDP datagram (port 9, sometimes 7) inside an IPv4 packet. Pure
// functions, no sockets: the senders build on build_wake_frame(), listeners (the test BMC) on
// parse_wake_frame().

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/mac_address.h"
#include "common/result.h"
#include "common/wire.h"
#include "wol/magic_packet.h"

namespace slipway::wol {

inline constexpr uint16_t kEtherTypeWakeOnLan = 0x0842;
inline constexpr uint16_t kDiscardPort = 9;  // the usual UDP port for magic packets
inline constexpr uint16_t kEchoPort = 7;     // the other one some senders use

enum class WakeForm { kUdp, kRaw };
std::string_view to_string(WakeForm form);

// An Ethernet II frame (no FCS) from `source` to ff:ff:ff:ff:ff:ff, EtherType 0x0842, carrying
// the encoded magic packet. It is longer than the 60-byte minimum, so it needs no padding.
// Fails only when encode() does (a password that is not 4 or 6 bytes).
Result<std::vector<uint8_t>> build_wake_frame(const MacAddress& source, const MagicPacket& packet);

// A magic packet seen on the wire.
struct WakeSighting {
  WakeForm form = WakeForm::kRaw;
  MacAddress source;      // the frame's source address
  uint16_t udp_port = 0;  // the destination port of the UDP form, 0 for the raw form
  MagicPacket packet;
};

// Reads an Ethernet II frame (optionally with one 802.1Q tag) and returns the magic packet it
// carries: either EtherType 0x0842, or IPv4 (unfragmented, length fields consistent with the
// bytes present) carrying UDP to port 9 or 7. The magic packet's password is read from the
// exact payload (the UDP length bounds it, so Ethernet padding is never taken for one). nullopt
// for any other frame.
std::optional<WakeSighting> parse_wake_frame(std::span<const uint8_t> frame);

}  // namespace slipway::wol
