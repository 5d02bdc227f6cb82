#include "common/mac_address.h"

#include <algorithm>

#include "common/hex.h"

namespace slipway {

MacAddress MacAddress::from_bytes(std::span<const uint8_t, kSize> bytes) {
  std::array<uint8_t, kSize> a{};
  std::copy(bytes.begin(), bytes.end(), a.begin());
  return MacAddress(a);
}

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
  std::array<uint8_t, kSize> out{};
  size_t pos = 0;
  char separator = 0;
  if (text.size() == 17) {
    separator = text[2];
    if (separator != ':' && separator != '-') return std::nullopt;
  } else if (text.size() != 12) {
    return std::nullopt;
  }
  for (size_t i = 0; i < kSize; ++i) {
    if (separator != 0 && i > 0) {
      if (text[pos] != separator) return std::nullopt;
      ++pos;
    }
    auto hi = hex::digit_value(text[pos]);
    auto lo = hex::digit_value(text[pos + 1]);
    if (!hi || !lo) return std::nullopt;
    out[i] = static_cast<uint8_t>((*hi << 4) | *lo);
    pos += 2;
  }
  return MacAddress(out);
}

std::string MacAddress::to_string() const {
  std::string out;
  out.reserve(17);
  for (size_t i = 0; i < kSize; ++i) {
    if (i > 0) out.push_back(':');
    hex::append_byte(out, bytes_[i]);
  }
  return out;
}

bool MacAddress::is_zero() const {
  return std::all_of(bytes_.begin(), bytes_.end(), [](uint8_t b) { return b == 0; });
}

}  // namespace slipway
