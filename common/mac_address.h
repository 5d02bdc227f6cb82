#pragma once
// MacAddress: a 48-bit Ethernet address. Printed lower-case with colons ("52:54:00:12:34:56").

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace slipway {

class MacAddress {
 public:
  static constexpr size_t kSize = 6;

  MacAddress() = default;
  explicit MacAddress(const std::array<uint8_t, kSize>& bytes) : bytes_(bytes) {}
  static MacAddress from_bytes(std::span<const uint8_t, kSize> bytes);

  // Accepts "52:54:00:12:34:56", "52-54-00-12-34-56" and "525400123456", any case.
  static std::optional<MacAddress> parse(std::string_view text);

  std::string to_string() const;
  const std::array<uint8_t, kSize>& bytes() const { return bytes_; }
  bool is_zero() const;

  auto operator<=>(const MacAddress&) const = default;

 private:
  std::array<uint8_t, kSize> bytes_{};
};

}  // namespace slipway

template <>
struct std::hash<slipway::MacAddress> {
  size_t operator()(const slipway::MacAddress& m) const noexcept {
    uint64_t v = 0;
    for (uint8_t b : m.bytes()) v = (v << 8) | b;
    return std::hash<uint64_t>{}(v);
  }
};
