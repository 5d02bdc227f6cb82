#pragma once
// Wire constants of Ethernet, IPv4 and UDP that more than one module's codec reads (dhcp's UDP
// framing, wol's wake frames): one definition of each protocol fact.

#include <cstddef>
#include <cstdint>

namespace slipway {

inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeVlan = 0x8100;  // IEEE 802.1Q
inline constexpr size_t kEthernetHeaderSize = 14;
inline constexpr size_t kVlanTagSize = 4;
inline constexpr size_t kIpv4HeaderSize = 20;  // without options
inline constexpr size_t kUdpHeaderSize = 8;
inline constexpr uint8_t kIpProtocolUdp = 17;

}  // namespace slipway
