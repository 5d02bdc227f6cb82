#include "common/http_range.h"

#include <gtest/gtest.h>

namespace slipway::http {
namespace {

using Kind = ByteRange::Kind;

TEST(HttpRange, NoHeaderMeansWhole) { EXPECT_EQ(parse_range("", 100).kind, Kind::kWhole); }

TEST(HttpRange, ClosedOpenAndSuffixRanges) {
  auto r = parse_range("bytes=10-19", 100);
  EXPECT_EQ(r.kind, Kind::kPartial);
  EXPECT_EQ(r.first, 10u);
  EXPECT_EQ(r.last, 19u);
  EXPECT_EQ(r.length(), 10u);

  r = parse_range("bytes=90-", 100);
  EXPECT_EQ(r.kind, Kind::kPartial);
  EXPECT_EQ(r.first, 90u);
  EXPECT_EQ(r.last, 99u);

  r = parse_range("bytes=-5", 100);
  EXPECT_EQ(r.first, 95u);
  EXPECT_EQ(r.last, 99u);

  r = parse_range("bytes=-500", 100);  // longer than the file: the whole file as a range
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 99u);
}

TEST(HttpRange, LastBeyondEndIsClamped) {
  auto r = parse_range("bytes=50-1000", 100);
  EXPECT_EQ(r.kind, Kind::kPartial);
  EXPECT_EQ(r.last, 99u);
}

TEST(HttpRange, Unsatisfiable) {
  EXPECT_EQ(parse_range("bytes=100-", 100).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(parse_range("bytes=-0", 100).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(parse_range("bytes=0-", 0).kind, Kind::kUnsatisfiable);
}

TEST(HttpRange, MalformedOrMultipleIsIgnored) {
  for (const char* h :
       {"bytes=5-2", "bytes=a-b", "items=0-1", "bytes=0-1,5-6", "bytes=", "bytes=-"}) {
    EXPECT_EQ(parse_range(h, 100).kind, Kind::kWhole) << h;
  }
}

}  // namespace
}  // namespace slipway::http
