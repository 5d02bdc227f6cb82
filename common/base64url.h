#pragma once
// base64url without padding (RFC 4648 section 5): the text form of random secrets (API tokens,
// agent secrets), safe in URLs, headers and file names. Pure.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace slipway::base64url {

inline std::string encode(std::span<const uint8_t> data) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  uint32_t bits = 0;
  int pending = 0;  // bits in `bits` not yet written
  for (uint8_t b : data) {
    bits = (bits << 8) | b;
    pending += 8;
    while (pending >= 6) {
      pending -= 6;
      out.push_back(kDigits[(bits >> pending) & 0x3F]);
    }
  }
  if (pending > 0) out.push_back(kDigits[(bits << (6 - pending)) & 0x3F]);
  return out;
}

// Whether `text` could be the unpadded encoding of some bytes (its alphabet and length).
inline bool is_encoding(std::string_view text) {
  if (text.size() % 4 == 1) return false;
  for (char c : text) {
    bool digit = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_';
    if (!digit) return false;
  }
  return true;
}

}  // namespace slipway::base64url
