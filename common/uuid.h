#pragma once
// Uuid: a 128-bit identifier held in canonical (string) order.
//
// SMBIOS 2.6+ and UEFI store the first three fields little-endian ("wire" order below); PXE
// option 97 carries the bytes as the firmware holds them. to_string() prints the form Linux shows
// in /sys/class/dmi/id/product_uuid and QEMU takes in -uuid.

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace slipway {

class Uuid {
 public:
  static constexpr size_t kSize = 16;

  Uuid() = default;
  explicit Uuid(const std::array<uint8_t, kSize>& canonical) : bytes_(canonical) {}
  // Bytes with the first three fields little-endian, as SMBIOS 2.6+ and EFI_GUID store them.
  static Uuid from_smbios_bytes(std::span<const uint8_t, kSize> wire);
  // "00112233-4455-6677-8899-aabbccddeeff", any case; braces and missing hyphens refused.
  static std::optional<Uuid> parse(std::string_view text);

  std::string to_string() const;
  const std::array<uint8_t, kSize>& bytes() const { return bytes_; }
  std::array<uint8_t, kSize> smbios_bytes() const;

  // False for values that firmware uses when it has no real UUID: all zero, all FF, and known
  // vendor placeholders. Such a value must never identify a machine.
  bool is_identity() const;

  auto operator<=>(const Uuid&) const = default;

 private:
  std::array<uint8_t, kSize> bytes_{};
};

}  // namespace slipway
