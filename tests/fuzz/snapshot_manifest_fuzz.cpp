// libFuzzer target for the snapshot manifest parser (what a restore trusts, and what an imported
// snapshot file brings). A manifest that parses re-encodes to JSON that parses to the same
// manifest, its chunks are sorted and inside their disks, and its layout plans without crashing
// onto any target; a refusal always says why.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "imaging/snapshot_layout.h"
#include "imaging/snapshot_manifest.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slipway::imaging;
  using slipway::fuzz::check;
  auto m = parse_manifest(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!m) {
    check(!m.error().message.empty());
    return 0;
  }
  for (const auto& d : m->disks) {
    uint64_t end = 0;
    for (const auto& c : d.chunks) {
      check(c.offset >= end && c.length > 0 && c.length <= kMaxChunkBytes);
      end = c.offset + c.length;
      check(end <= d.layout.size_bytes);
    }
  }
  auto again = parse_manifest(encode_manifest(*m));
  check(again.ok() && to_json(*again) == to_json(*m));
  for (const char* firmware : {"bios", "uefi"}) {
    auto plan = plan_layout(disk_layouts(*m), m->firmware,
                            {{"vda", 4ull << 30}, {"vdb", 64ull << 30}}, firmware);
    if (!plan) check(!plan.error().message.empty());
  }
  return 0;
}
