// libFuzzer target for the Wake-on-LAN magic packet decoder: a decoded packet re-encodes to
// bytes that decode to the same packet.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "wol/magic_packet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slipway::wol;
  auto p = decode(std::span<const uint8_t>(data, size));
  if (!p) return 0;
  auto bytes = encode(*p);
  if (!bytes || decode(*bytes) != p) std::abort();
  return 0;
}
