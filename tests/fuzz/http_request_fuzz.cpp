// libFuzzer target for what the HTTP side parses from a request before any handler runs: the
// query string, percent-decoding, the Range header, the conditional headers (If-None-Match,
// If-Modified-Since, If-Range and their dates), the identifiers taken from parameters (MAC,
// UUID), and the access log line a request turns into. Each successful parse must round-trip
// through its printer; a log line must stay one line with the request inside its quotes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/access_log.h"
#include "common/http_conditional.h"
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

  auto validators = http::file_validators(size, static_cast<int64_t>(file_size) * 1'000'000'007);
  check(http::not_modified(validators.etag, text, validators));
  check(http::range_applies(validators.etag, validators));
  (void)http::not_modified(text, text, validators);
  (void)http::range_applies(text, validators);
  if (auto t = http::parse_http_date(text); t && *t >= 0 && *t <= 253402300799) {
    check(http::parse_http_date(http::http_date(*t)) == t);
  }
  (void)url::host_of(text);

  static auto log = http::AccessLog::open("/dev/null");
  if (log) {
    std::string line = log->format({"198.18.0.2", text, 200, size, {}}, 0);
    check(line.find('\n') == std::string::npos);
    size_t open = line.find('"'), close = line.rfind('"');
    check(open != close && line.substr(open + 1, close - open - 1).find('"') == std::string::npos);
  }
  return 0;
}
