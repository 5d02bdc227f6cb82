// libFuzzer target for the Wake-on-LAN frame reader (the virtual BMC and any future listener
// read captured frames with it). Properties beyond "no crash, no sanitizer report": a frame read
// as the raw form is rebuilt by build_wake_frame() into bytes that read back the same.

#include <cstddef>
#include <cstdint>
#include <span>

#include "tests/fuzz/fuzz_check.h"
#include "wol/wake_frame.h"

using slipway::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slipway::wol;
  auto seen = parse_wake_frame(std::span<const uint8_t>(data, size));
  if (!seen) return 0;
  check(seen->form == WakeForm::kRaw ? seen->udp_port == 0
                                     : (seen->udp_port == 9 || seen->udp_port == 7));
  auto rebuilt = build_wake_frame(seen->source, seen->packet);
  check(rebuilt.ok());
  auto again = parse_wake_frame(*rebuilt);
  check(again && again->form == WakeForm::kRaw && again->source == seen->source &&
        again->packet == seen->packet);
  return 0;
}
