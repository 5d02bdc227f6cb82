#pragma once
// The Wake-on-LAN magic packet: six 0xFF bytes, the target MAC sixteen times, and an optional
// SecureOn password of 4 or 6 bytes. Pure codec; the senders (UDP broadcast, raw Ethernet
// frames) build on it.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/mac_address.h"
#include "common/result.h"

namespace slipway::wol {

inline constexpr size_t kMagicPacketSize = 6 + 16 * MacAddress::kSize;

struct MagicPacket {
  MacAddress target;
  std::vector<uint8_t> password;  // empty, 4 or 6 bytes

  bool operator==(const MagicPacket&) const = default;
};

// Refuses a password that is not 0, 4 or 6 bytes long.
Result<std::vector<uint8_t>> encode(const MagicPacket& packet);
// Finds a magic packet in a payload: the sync stream may be preceded by other bytes (some
// senders prefix a header), and a password may follow.
std::optional<MagicPacket> decode(std::span<const uint8_t> payload);

// A SecureOn password as operators write it: 4 or 6 bytes in hex, with ':' or '-' between bytes
// ("01:02:03:04:05:06", the MAC-like form most tools print) or none ("010203040506"). nullopt
// for anything else; "" is not a password (callers treat an absent option as none).
std::optional<std::vector<uint8_t>> parse_password(std::string_view text);

}  // namespace slipway::wol
