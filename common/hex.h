#pragma once
// Hex digits: the one place that turns nibbles into characters and back.

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace slipway::hex {

inline std::optional<uint8_t> digit_value(char c) {
  if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<uint8_t>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<uint8_t>(c - 'A' + 10);
  return std::nullopt;
}

inline void append_byte(std::string& out, uint8_t b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out.push_back(kDigits[b >> 4]);
  out.push_back(kDigits[b & 0xF]);
}

inline std::string encode(std::span<const uint8_t> data) {
  std::string out;
  out.reserve(data.size() * 2);
  for (uint8_t b : data) append_byte(out, b);
  return out;
}

}  // namespace slipway::hex
