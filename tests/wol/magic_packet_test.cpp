#include "wol/magic_packet.h"

#include <gtest/gtest.h>

namespace slipway::wol {
namespace {

const MacAddress kMac = *MacAddress::parse("52:54:00:12:34:56");

TEST(MagicPacket, EncodesSyncAndSixteenCopies) {
  auto bytes = encode({kMac, {}});
  ASSERT_TRUE(bytes);
  ASSERT_EQ(bytes->size(), kMagicPacketSize);
  for (int i = 0; i < 6; ++i) EXPECT_EQ((*bytes)[i], 0xFF);
  for (int copy = 0; copy < 16; ++copy) {
    EXPECT_EQ((*bytes)[6 + copy * 6], 0x52);
    EXPECT_EQ((*bytes)[6 + copy * 6 + 5], 0x56);
  }
}

TEST(MagicPacket, RoundTripsWithPasswords) {
  for (std::vector<uint8_t> pw : {std::vector<uint8_t>{}, {1, 2, 3, 4}, {1, 2, 3, 4, 5, 6}}) {
    MagicPacket p{kMac, pw};
    auto bytes = encode(p);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(decode(*bytes), p);
  }
  EXPECT_FALSE(encode({kMac, {1, 2, 3}}));
}

TEST(MagicPacket, FindsThePacketAfterAHeader) {
  auto bytes = *encode({kMac, {}});
  std::vector<uint8_t> framed = {0xAA, 0xBB, 0xFF};
  framed.insert(framed.end(), bytes.begin(), bytes.end());
  auto p = decode(framed);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->target, kMac);
}

TEST(MagicPacket, RefusesBrokenRepetition) {
  auto bytes = *encode({kMac, {}});
  bytes[6 + 7 * 6] ^= 1;
  EXPECT_FALSE(decode(bytes));
  bytes.resize(50);
  EXPECT_FALSE(decode(bytes));
}

TEST(MagicPacket, ParsesPasswordsAsOperatorsWriteThem) {
  using Bytes = std::vector<uint8_t>;
  EXPECT_EQ(parse_password("01:02:03:04:05:06"), (Bytes{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(parse_password("0A-0b-0C-0d"), (Bytes{10, 11, 12, 13}));
  EXPECT_EQ(parse_password("deadbeef"), (Bytes{0xde, 0xad, 0xbe, 0xef}));
  for (const char* bad : {"", "01:02:03", "01:02:03:04:05", "01:02-03:04", "0102:304",
                          "01:02:03:04:", "0g:02:03:04", "010203040", "01:02:03:04:05:06:07"}) {
    EXPECT_FALSE(parse_password(bad)) << bad;
  }
}

}  // namespace
}  // namespace slipway::wol
