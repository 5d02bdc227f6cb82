// libFuzzer target for the restore order the agent receives (GET /api/v1/agent/restore). An order
// that parses has a checked manifest (sorted chunks inside their disks) and a boot MAC; a refusal
// always says why.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "imaging/agent/restore_order.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slipway::imaging;
  using slipway::fuzz::check;
  auto order =
      agent::parse_restore_order(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!order) {
    check(!order.error().message.empty());
    return 0;
  }
  for (const auto& d : order->manifest.disks) {
    uint64_t end = 0;
    for (const auto& c : d.chunks) {
      check(c.offset >= end && c.length > 0 && c.length <= kMaxChunkBytes);
      check(c.offset + c.length <= d.layout.size_bytes);
      check(c.sha256.size() == 64);
      end = c.offset + c.length;
    }
  }
  return 0;
}
