// libFuzzer target for what the HTTP side parses from a request before any handler runs: the
// query string, percent-decoding, the Range header, and the identifiers taken from parameters
// (MAC, UUID). Each successful parse must round-trip through its printer.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/http_range.h"
#include "common/mac_address.h"
#include "common/url.h"
#include "common/uuid.h"
#include "tests/fuzz/fuzz_check.h"

using slipway::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slipway;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto decoded = url::decode(text)) {
    check(decoded->find('\0') == std::string::npos);
    check(url::decode(url::encode(*decoded)) == *decoded);
  }
  if (auto query = url::parse_query(text)) {
    for (const auto& [key, value] : *query) {
      if (auto mac = MacAddress::parse(value)) check(MacAddress::parse(mac->to_string()) == mac);
      if (auto uuid = Uuid::parse(value)) check(Uuid::parse(uuid->to_string()) == uuid);
      (void)key;
    }
  }
  uint64_t file_size = size > 0 ? data[0] * 1000ull : 0;
  auto range = http::parse_range(text, file_size);
  if (range.kind == http::ByteRange::Kind::kPartial) {
    check(range.first <= range.last && range.last < file_size);
  }
  return 0;
}
