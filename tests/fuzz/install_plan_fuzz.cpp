// libFuzzer target for the install plan the agent receives (GET /api/v1/agent/install). A plan
// that parses only has safe file paths and a known image format; a refusal always says why.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "imaging/agent/install_plan.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slipway::imaging::agent;
  using slipway::fuzz::check;
  auto plan = parse_install_plan(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!plan) {
    check(!plan.error().message.empty());
    return 0;
  }
  check(plan->image.format == "raw" || plan->image.format == "raw.zst");
  check(plan->image.sha256.size() == 64);
  check(plan->files.size() <= kMaxPlanFiles);
  for (const auto& f : plan->files) {
    check(!f.path.empty() && f.path[0] == '/');
    check(f.path.find("/../") == std::string::npos && f.path.find("//") == std::string::npos);
    check(f.content.size() <= kMaxPlanFileBytes && f.mode <= 07777);
  }
  return 0;
}
