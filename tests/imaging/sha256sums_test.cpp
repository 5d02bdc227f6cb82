#include "imaging/sha256sums.h"

#include <gtest/gtest.h>

namespace slipway::imaging {
namespace {

const std::string kA(64, 'a');
const std::string kB(64, 'b');
const std::string kC = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

TEST(Sha256Sums, TextAndBinaryModes) {
  auto sums = parse_sha256sums(kA + "  debian-12.iso\n" + kB + " *disk.raw.zst\n");
  ASSERT_EQ(sums.entries.size(), 2u);
  EXPECT_EQ(sums.entries[0], (Sha256SumsEntry{kA, "debian-12.iso", 1}));
  EXPECT_EQ(sums.entries[1], (Sha256SumsEntry{kB, "disk.raw.zst", 2}));
  EXPECT_TRUE(sums.bad_lines.empty());
}

TEST(Sha256Sums, UpperCaseDigestsAreLowered) {
  std::string upper = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";
  auto sums = parse_sha256sums(upper + "  x.img\n");
  ASSERT_EQ(sums.entries.size(), 1u);
  EXPECT_EQ(sums.entries[0].sha256, kC);
}

TEST(Sha256Sums, CommentsBlankLinesAndCrlfAreSkipped) {
  auto sums = parse_sha256sums("# SHA256 sums of Debian 12\r\n\r\n   \n" + kA + "  a.iso\r\n" +
                               "  # indented comment\n");
  ASSERT_EQ(sums.entries.size(), 1u);
  EXPECT_EQ(sums.entries[0].name, "a.iso");
  EXPECT_EQ(sums.entries[0].line, 4u);
  EXPECT_TRUE(sums.bad_lines.empty());
}

TEST(Sha256Sums, BadLinesAreCountedNotFatal) {
  auto sums =
      parse_sha256sums("not a line\n" + kA.substr(1) + "  short.iso\n" + kA + "\n" + kA + "  \n" +
                       kA + "x name\n" + "zz" + kA.substr(2) + "  hex.iso\n" + kB + "  good.iso\n");
  ASSERT_EQ(sums.entries.size(), 1u);
  EXPECT_EQ(sums.entries[0].name, "good.iso");
  EXPECT_EQ(sums.bad_lines, (std::vector<size_t>{1, 2, 3, 4, 5, 6}));
}

TEST(Sha256Sums, EscapedNamesAndBsdForm) {
  auto sums =
      parse_sha256sums("\\" + kA + "  back\\\\slash\\nnewline\n" + "SHA256 (bsd (1).iso) = " + kB +
                       "\n" + "\\" + kC + "  bad\\escape\n");
  ASSERT_EQ(sums.entries.size(), 2u);
  EXPECT_EQ(sums.entries[0].name, "back\\slash\nnewline");
  EXPECT_EQ(sums.entries[1], (Sha256SumsEntry{kB, "bsd (1).iso", 2}));
  EXPECT_EQ(sums.bad_lines, (std::vector<size_t>{3}));
}

TEST(Sha256Sums, NamesWithSpacesKeepThem) {
  auto sums = parse_sha256sums(kA + "  my image v2.raw\n");
  ASSERT_EQ(sums.entries.size(), 1u);
  EXPECT_EQ(sums.entries[0].name, "my image v2.raw");
}

TEST(Sha256Sums, LookupByFileNameOrLastComponent) {
  auto sums = parse_sha256sums(kA + "  ./netboot/mini.iso\n" + kB + "  disk.raw.zst\n");
  EXPECT_EQ(*sha256_for(sums, "mini.iso"), kA);
  EXPECT_EQ(*sha256_for(sums, "disk.raw.zst"), kB);
  auto missing = sha256_for(sums, "other.iso");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("no entry for 'other.iso'"), std::string::npos);
}

TEST(Sha256Sums, ConflictingEntriesAreRefused) {
  auto sums = parse_sha256sums(kA + "  a/x.iso\n" + kB + "  b/x.iso\n" + kC + "  y.iso\n" + kC +
                               "  again/y.iso\n");
  auto x = sha256_for(sums, "x.iso");
  ASSERT_FALSE(x.ok());
  EXPECT_NE(x.error().message.find("different digests"), std::string::npos);
  EXPECT_EQ(*sha256_for(sums, "y.iso"), kC);  // listed twice, same digest: fine
}

}  // namespace
}  // namespace slipway::imaging
