// libFuzzer target for the agent report parser (what the runtime POSTs to the API), hardware
// facts included. A report that parses re-encodes, within the size limit, to JSON that parses to
// the same report; a refusal always says why.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "imaging/agent_report.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slipway::imaging;
  using slipway::fuzz::check;
  auto report = parse_agent_report(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!report) {
    check(!report.error().message.empty());
    return 0;
  }
  const std::string json = to_json(*report);
  check(json.size() <= kMaxReportBytes);
  auto again = parse_agent_report(json);
  check(again.ok() && *again == *report);
  return 0;
}
