// libFuzzer target for format detection (the head of any downloaded file, decompressed for zstd
// and gzip). Detection never reads past the input; a refusal always says why; what is accepted
// has a name that parses back to it.

#include <cstddef>
#include <cstdint>
#include <span>

#include "imaging/image_format.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slipway::imaging;
  using slipway::fuzz::check;
  auto format = detect_image_format(std::span(data, size));
  if (!format) {
    check(!format.error().message.empty());
    return 0;
  }
  check(parse_image_format(to_string(*format)) == *format);
  return 0;
}
