// libFuzzer target for the SHA256SUMS parser (a file the appliance fetches from anywhere). Every
// line is an entry, skipped or bad; an entry's digest is 64 lower-case hex digits and its name
// non-empty; looking an entry's name up finds a digest or a conflict, never nothing.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "imaging/sha256.h"
#include "imaging/sha256sums.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slipway::imaging;
  using slipway::fuzz::check;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto sums = parse_sha256sums(text);
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  check(sums.entries.size() + sums.bad_lines.size() <= lines + 1);
  size_t previous = 0;
  for (const auto& e : sums.entries) {
    check(parse_sha256(e.sha256) == e.sha256);
    check(!e.name.empty());
    check(e.line > previous);
    previous = e.line;
    auto found = sha256_for(sums, e.name);
    check(found.ok() || found.error().message.find("different digests") != std::string::npos);
  }
  return 0;
}
