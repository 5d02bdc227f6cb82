// libFuzzer target for the Authorization header parser (common/bearer_auth.h): it must never
// read outside the value, and every credential it gives back must be a non-empty b64token within
// the limit that is part of the input and parses again to itself behind "Bearer ".

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "common/bearer_auth.h"
#include "tests/fuzz/fuzz_check.h"

using slipway::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slipway::http;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_bearer(text);
  if (auto* problem = std::get_if<BearerProblem>(&parsed)) {
    check(!to_string(*problem).empty());
    return 0;
  }
  std::string_view credential = std::get<std::string_view>(parsed);
  check(!credential.empty() && credential.size() <= kMaxBearerCredentialSize);
  check(credential.data() >= text.data() &&
        credential.data() + credential.size() <= text.data() + text.size());
  for (char c : credential) {
    auto u = static_cast<unsigned char>(c);
    check(u > 0x20 && u < 0x7f && c != ',' && c != '"' && c != '\\');
  }
  std::string again = "Bearer " + std::string(credential);
  auto reparsed = parse_bearer(again);
  check(std::holds_alternative<std::string_view>(reparsed) &&
        std::get<std::string_view>(reparsed) == credential);
  return 0;
}
