#include "common/mac_address.h"

#include <gtest/gtest.h>

namespace slipway {
namespace {

TEST(MacAddress, ParsesCommonForms) {
  auto expected = MacAddress({0x52, 0x54, 0x00, 0xAB, 0xCD, 0xEF});
  EXPECT_EQ(MacAddress::parse("52:54:00:ab:cd:ef"), expected);
  EXPECT_EQ(MacAddress::parse("52-54-00-AB-CD-EF"), expected);
  EXPECT_EQ(MacAddress::parse("525400abcdef"), expected);
  EXPECT_EQ(expected.to_string(), "52:54:00:ab:cd:ef");
}

TEST(MacAddress, RefusesMalformed) {
  for (const char* bad : {"", "52:54:00:ab:cd", "52:54:00:ab:cd:eg", "52:54-00:ab:cd:ef",
                          "52:54:00:ab:cd:ef:", "52545400abcdef", " 52:54:00:ab:cd:ef"}) {
    EXPECT_FALSE(MacAddress::parse(bad).has_value()) << bad;
  }
}

TEST(MacAddress, ZeroAndOrdering) {
  EXPECT_TRUE(MacAddress().is_zero());
  EXPECT_LT(*MacAddress::parse("00:00:00:00:00:01"), *MacAddress::parse("00:00:00:00:01:00"));
}

}  // namespace
}  // namespace slipway
