#include "common/uuid.h"

#include <algorithm>

#include "common/hex.h"

namespace slipway {
namespace {

// The byte swap between canonical and SMBIOS/EFI order is its own inverse.
std::array<uint8_t, Uuid::kSize> swap_fields(std::span<const uint8_t, Uuid::kSize> in) {
  std::array<uint8_t, Uuid::kSize> out{};
  std::copy(in.begin(), in.end(), out.begin());
  std::reverse(out.begin(), out.begin() + 4);
  std::reverse(out.begin() + 4, out.begin() + 6);
  std::reverse(out.begin() + 6, out.begin() + 8);
  return out;
}

// Placeholders seen in the field (boards shipped with an unprogrammed or template UUID).
constexpr std::string_view kPlaceholders[] = {
    "03000200-0400-0500-0006-000700080009",
    "00020003-0004-0005-0006-000700080009",
    "01234567-89ab-cdef-0123-456789abcdef",
};

}  // namespace

Uuid Uuid::from_smbios_bytes(std::span<const uint8_t, kSize> wire) {
  return Uuid(swap_fields(wire));
}

std::array<uint8_t, Uuid::kSize> Uuid::smbios_bytes() const { return swap_fields(bytes_); }

std::optional<Uuid> Uuid::parse(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  std::array<uint8_t, kSize> out{};
  size_t byte = 0;
  for (size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    auto hi = hex::digit_value(text[i]);
    auto lo = hex::digit_value(text[i + 1]);
    if (!hi || !lo) return std::nullopt;
    out[byte++] = static_cast<uint8_t>((*hi << 4) | *lo);
    i += 2;
  }
  return Uuid(out);
}

std::string Uuid::to_string() const {
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < kSize; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    hex::append_byte(out, bytes_[i]);
  }
  return out;
}

bool Uuid::is_identity() const {
  auto all = [this](uint8_t v) {
    return std::all_of(bytes_.begin(), bytes_.end(), [v](uint8_t b) { return b == v; });
  };
  if (all(0x00) || all(0xFF)) return false;
  std::string text = to_string();
  return std::none_of(std::begin(kPlaceholders), std::end(kPlaceholders),
                      [&](std::string_view p) { return p == text; });
}

}  // namespace slipway
