// libFuzzer target for the used-block reader: the input is a whole filesystem image (the agent
// reads superblocks, group descriptors, bitmaps and FATs of disks it does not trust). It never
// reads outside the image, and what it calls used is sorted, merged and inside the image.

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "imaging/agent/fs_used_blocks.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slipway::imaging::agent;
  using slipway::fuzz::check;
  ReadAt read = [&](uint64_t offset, std::span<uint8_t> out) -> slipway::Status {
    if (offset > size || out.size() > size - offset) return slipway::Error{"outside"};
    std::memcpy(out.data(), data + offset, out.size());
    return {};
  };
  auto used = used_blocks(read, size);
  if (!used) {
    check(!used.error().message.empty());
    return 0;
  }
  if (!used->has_value()) return 0;
  uint64_t end = 0;
  for (const auto& r : (*used)->ranges) {
    check(r.length > 0 && (end == 0 || r.offset > end));
    end = r.offset + r.length;
    check(end <= size);
  }
  return 0;
}
