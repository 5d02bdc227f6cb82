#include "common/http_conditional.h"

#include <gtest/gtest.h>

namespace slipway::http {
namespace {

// 784111777 = Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example date).
constexpr time_t kExample = 784111777;
constexpr int64_t kExampleNs = int64_t{kExample} * 1'000'000'000 + 123;

TEST(HttpConditional, EtagNamesSizeAndNanosecondMtime) {
  auto v = file_validators(0x1000, kExampleNs);
  EXPECT_EQ(
      v.etag, "\"1000-" + [] {
        char b[32];
        std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(kExampleNs));
        return std::string(b);
      }() + "\"");
  EXPECT_EQ(v.modified, kExample);
  // A touch within the same second still changes the tag; so does a new size.
  EXPECT_NE(file_validators(0x1000, kExampleNs + 1).etag, v.etag);
  EXPECT_NE(file_validators(0x1001, kExampleNs).etag, v.etag);
}

TEST(HttpConditional, DatesRoundTripAndTheObsoleteFormsParse) {
  EXPECT_EQ(http_date(kExample), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), kExample);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), kExample);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), kExample);
  EXPECT_EQ(parse_http_date("  Sun, 06 Nov 1994 08:49:37 GMT "), kExample);
}

TEST(HttpConditional, MalformedDatesDoNotParse) {
  for (const char* bad :
       {"", "yesterday", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 PST",
        "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT trailing",
        "Sun, 06 Nov 1994 25:49:37 GMT"}) {
    EXPECT_FALSE(parse_http_date(bad).has_value()) << bad;
  }
  EXPECT_FALSE(parse_http_date(std::string(100, 'x')).has_value());
}

TEST(HttpConditional, IfNoneMatchComparesWeaklyAndTakesAListOrAStar) {
  auto v = file_validators(10, kExampleNs);
  EXPECT_TRUE(not_modified(v.etag, "", v));
  EXPECT_TRUE(not_modified("W/" + v.etag, "", v));
  EXPECT_TRUE(not_modified("\"other\", " + v.etag, "", v));
  EXPECT_TRUE(not_modified("*", "", v));
  EXPECT_FALSE(not_modified("\"other\"", "", v));
  EXPECT_FALSE(not_modified("\"other\",", "", v));
  EXPECT_FALSE(not_modified("", "", v));
}

TEST(HttpConditional, IfNoneMatchWinsOverIfModifiedSince) {
  auto v = file_validators(10, kExampleNs);
  // A date that alone would give 304 does not when the tag differs.
  EXPECT_FALSE(not_modified("\"other\"", http_date(kExample + 60), v));
}

TEST(HttpConditional, IfModifiedSinceComparesSeconds) {
  auto v = file_validators(10, kExampleNs);
  EXPECT_TRUE(not_modified("", http_date(kExample), v));
  EXPECT_TRUE(not_modified("", http_date(kExample + 1), v));
  EXPECT_FALSE(not_modified("", http_date(kExample - 1), v));
  EXPECT_FALSE(not_modified("", "not a date", v));
}

TEST(HttpConditional, IfRangeNeedsTheSameStrongTagOrTheExactDate) {
  auto v = file_validators(10, kExampleNs);
  EXPECT_TRUE(range_applies("", v));
  EXPECT_TRUE(range_applies(v.etag, v));
  EXPECT_FALSE(range_applies("W/" + v.etag, v));
  EXPECT_FALSE(range_applies(file_validators(10, kExampleNs + 1).etag, v));
  EXPECT_TRUE(range_applies(http_date(kExample), v));
  EXPECT_FALSE(range_applies(http_date(kExample + 1), v));
  EXPECT_FALSE(range_applies("garbage", v));
}

}  // namespace
}  // namespace slipway::http
