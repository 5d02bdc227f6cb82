#include "imaging/agent/stored_stream.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <string>
#include <vector>

#include "imaging/sha256.h"

namespace slipway::imaging::agent {
namespace {

std::vector<uint8_t> sample(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>((i * 7919) >> 5);
  return v;
}

std::vector<uint8_t> compress(const std::vector<uint8_t>& plain) {
  std::vector<uint8_t> packed(ZSTD_compressBound(plain.size()));
  packed.resize(ZSTD_compress(packed.data(), packed.size(), plain.data(), plain.size(), 3));
  return packed;
}

// Feeds `stored` in pieces of `piece` bytes, collecting what the sink gets.
Status feed_in_pieces(StoredStream& s, const std::vector<uint8_t>& stored, size_t piece,
                      std::vector<uint8_t>& decoded) {
  for (size_t at = 0; at < stored.size(); at += piece) {
    std::span<const uint8_t> part(stored.data() + at, std::min(piece, stored.size() - at));
    auto fed = s.feed(part, [&](std::span<const uint8_t> bytes) {
      decoded.insert(decoded.end(), bytes.begin(), bytes.end());
      return Status{};
    });
    if (!fed) return fed;
  }
  return {};
}

TEST(StoredStreamTest, PlainBytesPassThroughAndAreHashed) {
  auto plain = sample(300000);
  StoredStream s(false);
  std::vector<uint8_t> decoded;
  ASSERT_TRUE(feed_in_pieces(s, plain, 65536, decoded));
  EXPECT_TRUE(s.check_complete());
  EXPECT_EQ(decoded, plain);
  EXPECT_EQ(s.received(), plain.size());
  EXPECT_EQ(s.sha256_hex(), sha256_hex(plain));
}

TEST(StoredStreamTest, ZstdIsUndoneAndTheStoredBytesAreHashed) {
  auto plain = sample(3 << 20);
  auto packed = compress(plain);
  StoredStream s(true);
  std::vector<uint8_t> decoded;
  ASSERT_TRUE(feed_in_pieces(s, packed, 1000, decoded));
  EXPECT_TRUE(s.check_complete());
  EXPECT_EQ(decoded, plain);
  EXPECT_EQ(s.received(), packed.size());
  EXPECT_EQ(s.sha256_hex(), sha256_hex(packed));
}

TEST(StoredStreamTest, AStreamCutInAFrameIsTruncated) {
  auto packed = compress(sample(1 << 20));
  packed.resize(packed.size() - 10);
  StoredStream s(true);
  std::vector<uint8_t> decoded;
  ASSERT_TRUE(feed_in_pieces(s, packed, 4096, decoded));
  auto done = s.check_complete();
  ASSERT_FALSE(done);
  EXPECT_NE(done.error().message.find("truncated"), std::string::npos);
}

TEST(StoredStreamTest, ZstdErrorNamesTheByteOfTheImage) {
  std::vector<uint8_t> garbage(4096, 0x55);
  std::vector<uint8_t> decoded;
  StoredStream s(true);
  auto fed = feed_in_pieces(s, garbage, 1024, decoded);
  ASSERT_FALSE(fed);
  EXPECT_NE(fed.error().message.find("zstd: "), std::string::npos);
  EXPECT_NE(fed.error().message.find(" at byte 0 of the image"), std::string::npos)
      << fed.error().message;
}

TEST(StoredStreamTest, TheSinksErrorStopsTheFeed) {
  StoredStream s(false);
  int calls = 0;
  auto fed = s.feed(sample(10), [&](std::span<const uint8_t>) -> Status {
    ++calls;
    return Error{"disk full"};
  });
  ASSERT_FALSE(fed);
  EXPECT_EQ(fed.error().message, "disk full");
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace slipway::imaging::agent
