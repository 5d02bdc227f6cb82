#include "tftp/negotiation.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace slipway::tftp {
namespace {

Negotiated run(std::vector<Option> options, uint64_t size = 1000, NegotiationLimits limits = {}) {
  return negotiate(options, size, limits);
}

TEST(NegotiationTest, NoOptionsMeansNoOackAndDefaults) {
  auto n = run({});
  EXPECT_TRUE(n.oack.empty());
  EXPECT_EQ(n.blksize, 512);
  EXPECT_EQ(n.windowsize, 1);
  EXPECT_FALSE(n.timeout_seconds.has_value());
}

TEST(NegotiationTest, AcceptsBlksizeInRange) {
  auto n = run({{"blksize", "1468"}});
  EXPECT_EQ(n.blksize, 1468);
  EXPECT_EQ(n.oack, (std::vector<Option>{{"blksize", "1468"}}));
  EXPECT_EQ(run({{"blksize", "8"}}).blksize, 8);
  EXPECT_EQ(run({{"blksize", "65464"}}).blksize, 65464);
}

TEST(NegotiationTest, ClampsBlksizeToTheServerMaximum) {
  auto n = run({{"blksize", "70000"}});
  EXPECT_EQ(n.blksize, 65464);
  EXPECT_EQ(n.oack, (std::vector<Option>{{"blksize", "65464"}}));

  NegotiationLimits small;
  small.max_blksize = 1468;
  auto m = run({{"blksize", "65464"}}, 1000, small);
  EXPECT_EQ(m.blksize, 1468);
  EXPECT_EQ(m.oack, (std::vector<Option>{{"blksize", "1468"}}));
  EXPECT_EQ(run({{"blksize", "99999999999999999999"}}).blksize, 512);  // not a uint64: ignored
}

TEST(NegotiationTest, IgnoresBlksizeBelowEight) {
  for (const char* v : {"0", "1", "7"}) {
    auto n = run({{"blksize", v}});
    EXPECT_EQ(n.blksize, 512) << v;
    EXPECT_TRUE(n.oack.empty()) << v;
  }
}

TEST(NegotiationTest, IgnoresValuesThatAreNotPlainDecimals) {
  for (const char* v : {"", "abc", "-1", "+1024", " 1024", "1024 ", "0x400", "1e3", "10.5"}) {
    auto n = run({{"blksize", v}, {"windowsize", v}, {"timeout", v}, {"tsize", v}});
    EXPECT_TRUE(n.oack.empty()) << "'" << v << "'";
    EXPECT_EQ(n.blksize, 512);
    EXPECT_EQ(n.windowsize, 1);
  }
  EXPECT_EQ(run({{"blksize", "01024"}}).blksize, 1024);  // leading zeros are still decimal
}

TEST(NegotiationTest, AnswersTsizeZeroWithTheFileSize) {
  auto n = run({{"tsize", "0"}}, 123456789012ull);
  EXPECT_EQ(n.oack, (std::vector<Option>{{"tsize", "123456789012"}}));
  EXPECT_TRUE(run({{"tsize", "0"}}, 0).oack.empty());  // curl refuses "tsize 0" in an OACK
  EXPECT_TRUE(run({{"tsize", "5"}}).oack.empty());     // only the RRQ form "0" is answered
}

TEST(NegotiationTest, TimeoutRange) {
  EXPECT_FALSE(run({{"timeout", "0"}}).timeout_seconds.has_value());
  EXPECT_FALSE(run({{"timeout", "256"}}).timeout_seconds.has_value());
  EXPECT_TRUE(run({{"timeout", "256"}}).oack.empty());
  auto one = run({{"timeout", "1"}});
  EXPECT_EQ(one.timeout_seconds, 1);
  EXPECT_EQ(one.oack, (std::vector<Option>{{"timeout", "1"}}));
  EXPECT_EQ(run({{"timeout", "255"}}).timeout_seconds, 255);
}

TEST(NegotiationTest, WindowsizeRangeAndClamp) {
  EXPECT_TRUE(run({{"windowsize", "0"}}).oack.empty());
  EXPECT_TRUE(run({{"windowsize", "65536"}}).oack.empty());
  EXPECT_EQ(run({{"windowsize", "1"}}).oack, (std::vector<Option>{{"windowsize", "1"}}));
  EXPECT_EQ(run({{"windowsize", "16"}}).windowsize, 16);
  auto big = run({{"windowsize", "65535"}});
  EXPECT_EQ(big.windowsize, 64);
  EXPECT_EQ(big.oack, (std::vector<Option>{{"windowsize", "64"}}));
  NegotiationLimits limits;
  limits.max_windowsize = 4;
  EXPECT_EQ(run({{"windowsize", "8"}}, 0, limits).windowsize, 4);
}

TEST(NegotiationTest, UnknownOptionsAreIgnored) {
  auto n = run({{"utimeout", "50000"}, {"multicast", ""}, {"rollover", "0"}, {"blksize", "1024"}});
  EXPECT_EQ(n.oack, (std::vector<Option>{{"blksize", "1024"}}));
  EXPECT_TRUE(run({{"x-pxe", "1"}}).oack.empty());
}

TEST(NegotiationTest, OnlyTheFirstOccurrenceOfANameCounts) {
  auto n = run({{"blksize", "1024"}, {"blksize", "2048"}});
  EXPECT_EQ(n.blksize, 1024);
  EXPECT_EQ(n.oack, (std::vector<Option>{{"blksize", "1024"}}));
  // A refused first occurrence is not replaced by a later acceptable one.
  auto m = run({{"blksize", "4"}, {"blksize", "2048"}});
  EXPECT_EQ(m.blksize, 512);
  EXPECT_TRUE(m.oack.empty());
}

TEST(NegotiationTest, OackKeepsTheClientsOrder) {
  auto n = run({{"windowsize", "4"}, {"tsize", "0"}, {"timeout", "3"}, {"blksize", "1468"}}, 77);
  EXPECT_EQ(n.oack,
            (std::vector<Option>{
                {"windowsize", "4"}, {"tsize", "77"}, {"timeout", "3"}, {"blksize", "1468"}}));
  EXPECT_EQ(n.blksize, 1468);
  EXPECT_EQ(n.windowsize, 4);
  EXPECT_EQ(n.timeout_seconds, 3);
}

}  // namespace
}  // namespace slipway::tftp
