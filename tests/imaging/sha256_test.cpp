#include "imaging/sha256.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "tests/common/test_dir.h"

namespace slipway::imaging {
namespace {

// FIPS 180-2 test vectors.
TEST(Sha256, KnownDigests) {
  EXPECT_EQ(sha256_hex(std::string_view("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex(std::string_view("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, IncrementalEqualsOneShot) {
  std::string text(100000, 'x');
  for (size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>('a' + i % 26);
  Sha256 digest;
  for (size_t at = 0; at < text.size(); at += 777) {
    std::string_view part = std::string_view(text).substr(at, 777);
    digest.update(std::span(reinterpret_cast<const uint8_t*>(part.data()), part.size()));
  }
  EXPECT_EQ(digest.hex_final(), sha256_hex(std::string_view(text)));
}

TEST(Sha256, OfAFile) {
  testutil::TestDir dir;
  std::ofstream(dir / "f") << "abc";
  auto digest = sha256_file(dir / "f");
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(*digest, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto missing = sha256_file(dir / "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("nope"), std::string::npos);
}

TEST(Sha256, StoredFormIsLowerCaseHexOnly) {
  const std::string d(64, 'a');
  EXPECT_TRUE(is_sha256_hex(d));
  EXPECT_TRUE(is_sha256_hex(std::string(64, '0')));
  EXPECT_FALSE(is_sha256_hex(std::string(64, 'A')));
  EXPECT_FALSE(is_sha256_hex("sha256:" + d));
  EXPECT_FALSE(is_sha256_hex(d.substr(1)));
  EXPECT_FALSE(is_sha256_hex(d + "a"));
  EXPECT_FALSE(is_sha256_hex(std::string(63, 'a') + "g"));
}

TEST(Sha256, ParsesOperatorText) {
  const std::string lower = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  EXPECT_EQ(parse_sha256(lower), lower);
  EXPECT_EQ(parse_sha256("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"),
            lower);
  EXPECT_EQ(parse_sha256("sha256:" + lower), lower);
  EXPECT_FALSE(parse_sha256(lower.substr(1)));        // 63 digits
  EXPECT_FALSE(parse_sha256(lower + "0"));            // 65
  EXPECT_FALSE(parse_sha256("g" + lower.substr(1)));  // not hex
  EXPECT_FALSE(parse_sha256(" " + lower.substr(1)));  // space
  EXPECT_FALSE(parse_sha256("md5:" + lower));         // another algorithm
  EXPECT_FALSE(parse_sha256(""));
}

}  // namespace
}  // namespace slipway::imaging
