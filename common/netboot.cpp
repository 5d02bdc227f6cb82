#include "common/netboot.h"

namespace slipway {

std::string_view to_string(Firmware f) {
  switch (f) {
    case Firmware::kBios:
      return "bios";
    case Firmware::kUefi:
      return "uefi";
    case Firmware::kUnknown:
      break;
  }
  return "unknown";
}

std::string_view to_string(Arch a) {
  switch (a) {
    case Arch::kX86:
      return "x86";
    case Arch::kX86_64:
      return "x86_64";
    case Arch::kArm32:
      return "arm32";
    case Arch::kArm64:
      return "arm64";
    case Arch::kUnknown:
      break;
  }
  return "unknown";
}

std::optional<Firmware> parse_firmware(std::string_view text) {
  for (Firmware f : {Firmware::kBios, Firmware::kUefi, Firmware::kUnknown}) {
    if (to_string(f) == text) return f;
  }
  return std::nullopt;
}

}  // namespace slipway
