#include "wol/magic_packet.h"

#include <algorithm>

#include "common/byte_writer.h"
#include "common/hex.h"

namespace slipway::wol {

Result<std::vector<uint8_t>> encode(const MagicPacket& p) {
  if (!p.password.empty() && p.password.size() != 4 && p.password.size() != 6) {
    return Error{"a SecureOn password is 4 or 6 bytes, not " + std::to_string(p.password.size())};
  }
  ByteWriter w(kMagicPacketSize + p.password.size());
  w.fill(6, 0xFF);
  for (int i = 0; i < 16; ++i) w.bytes(p.target.bytes());
  w.bytes(p.password);
  return w.take();
}

std::optional<MagicPacket> decode(std::span<const uint8_t> payload) {
  for (size_t start = 0; start + kMagicPacketSize <= payload.size(); ++start) {
    auto sync = payload.subspan(start, 6);
    if (!std::all_of(sync.begin(), sync.end(), [](uint8_t b) { return b == 0xFF; })) continue;
    auto first = payload.subspan(start + 6, MacAddress::kSize);
    bool repeated = true;
    for (size_t i = 1; i < 16 && repeated; ++i) {
      auto copy = payload.subspan(start + 6 + i * MacAddress::kSize, MacAddress::kSize);
      repeated = std::equal(first.begin(), first.end(), copy.begin());
    }
    if (!repeated) continue;
    MagicPacket p{MacAddress::from_bytes(std::span<const uint8_t, MacAddress::kSize>(first)), {}};
    size_t rest = payload.size() - start - kMagicPacketSize;
    if (rest == 4 || rest == 6) {
      auto pw = payload.subspan(start + kMagicPacketSize);
      p.password.assign(pw.begin(), pw.end());
    }
    return p;
  }
  return std::nullopt;
}

std::optional<std::vector<uint8_t>> parse_password(std::string_view text) {
  // Separators, when present, sit after every second digit and are all the same character.
  char separator = text.size() > 2 ? text[2] : '\0';
  bool separated = separator == ':' || separator == '-';
  size_t stride = separated ? 3 : 2;
  if ((text.size() + (separated ? 1 : 0)) % stride != 0) return std::nullopt;
  std::vector<uint8_t> out;
  for (size_t i = 0; i < text.size(); i += stride) {
    if (i + 2 > text.size()) return std::nullopt;
    if (separated && i + 2 < text.size() && text[i + 2] != separator) return std::nullopt;
    auto high = hex::digit_value(text[i]);
    auto low = hex::digit_value(text[i + 1]);
    if (!high || !low) return std::nullopt;
    out.push_back(static_cast<uint8_t>(*high << 4 | *low));
  }
  if (out.size() != 4 && out.size() != 6) return std::nullopt;
  return out;
}

}  // namespace slipway::wol
