#include "common/ipv4.h"

#include <charconv>

namespace slipway {

Ipv4 Ipv4::from_bytes(std::span<const uint8_t, 4> b) {
  return Ipv4((uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3]);
}

std::optional<Ipv4> Ipv4::parse(std::string_view text) {
  uint32_t value = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int field = 0; field < 4; ++field) {
    if (field > 0) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
    if (p == end || *p < '0' || *p > '9') return std::nullopt;
    unsigned part = 0;
    auto [next, ec] = std::from_chars(p, end, part);
    if (ec != std::errc() || part > 255 || next - p > 3) return std::nullopt;
    value = (value << 8) | part;
    p = next;
  }
  if (p != end) return std::nullopt;
  return Ipv4(value);
}

std::array<uint8_t, 4> Ipv4::bytes() const {
  return {static_cast<uint8_t>(value_ >> 24), static_cast<uint8_t>(value_ >> 16),
          static_cast<uint8_t>(value_ >> 8), static_cast<uint8_t>(value_)};
}

std::string Ipv4::to_string() const {
  auto b = bytes();
  return std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + "." +
         std::to_string(b[3]);
}

std::optional<Ipv4Subnet> Ipv4Subnet::parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto ip = Ipv4::parse(text.substr(0, slash));
  auto len_text = text.substr(slash + 1);
  int prefix = -1;
  auto [next, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), prefix);
  if (!ip || ec != std::errc() || next != len_text.data() + len_text.size() || prefix < 0 ||
      prefix > 32 || len_text.empty()) {
    return std::nullopt;
  }
  Ipv4Subnet s{*ip, prefix};
  if ((ip->value() & ~s.mask().value()) != 0) return std::nullopt;
  return s;
}

std::string Ipv4Subnet::to_string() const {
  return network.to_string() + "/" + std::to_string(prefix);
}

}  // namespace slipway
