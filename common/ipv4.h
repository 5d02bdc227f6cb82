#pragma once
// Ipv4 and Ipv4Subnet: addresses held in host byte order; bytes() gives network order.

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace slipway {

class Ipv4 {
 public:
  constexpr Ipv4() = default;
  constexpr explicit Ipv4(uint32_t host_order) : value_(host_order) {}
  static Ipv4 from_bytes(std::span<const uint8_t, 4> network_order);

  // Strict dotted quad: four decimal fields 0-255, no leading '+', no spaces.
  static std::optional<Ipv4> parse(std::string_view text);

  constexpr uint32_t value() const { return value_; }
  std::array<uint8_t, 4> bytes() const;
  std::string to_string() const;
  constexpr bool is_zero() const { return value_ == 0; }

  auto operator<=>(const Ipv4&) const = default;

 private:
  uint32_t value_ = 0;
};

struct Ipv4Subnet {
  Ipv4 network;
  int prefix = 0;

  // "198.18.0.0/24"; host bits must be zero.
  static std::optional<Ipv4Subnet> parse(std::string_view text);

  Ipv4 mask() const { return Ipv4(prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix)); }
  Ipv4 broadcast() const { return Ipv4(network.value() | ~mask().value()); }
  bool contains(Ipv4 ip) const { return (ip.value() & mask().value()) == network.value(); }
  std::string to_string() const;

  auto operator<=>(const Ipv4Subnet&) const = default;
};

}  // namespace slipway

template <>
struct std::hash<slipway::Ipv4> {
  size_t operator()(const slipway::Ipv4& ip) const noexcept {
    return std::hash<uint32_t>{}(ip.value());
  }
};
