// libFuzzer target for the agent report parser (what the runtime POSTs to the API).
// A report that parses re-encodes to JSON that parses to the same report.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "imaging/agent_report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slipway::imaging;
  auto report = parse_agent_report(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!report) {
    if (report.error().message.empty()) std::abort();
    return 0;
  }
  auto again = parse_agent_report(to_json(*report));
  if (!again || !(*again == *report)) std::abort();
  return 0;
}
