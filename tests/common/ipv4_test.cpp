#include "common/ipv4.h"

#include <gtest/gtest.h>

namespace slipway {
namespace {

TEST(Ipv4, ParsesAndPrints) {
  auto ip = Ipv4::parse("198.18.0.1");
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->value(), 0xC6120001u);
  EXPECT_EQ(ip->to_string(), "198.18.0.1");
  EXPECT_EQ(ip->bytes(), (std::array<uint8_t, 4>{198, 18, 0, 1}));
}

TEST(Ipv4, RefusesMalformed) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-4", "1..2.3", "a.b.c.d",
                          "1.2.3.4 ", "01234.1.1.1", "+1.2.3.4"}) {
    EXPECT_FALSE(Ipv4::parse(bad).has_value()) << bad;
  }
}

TEST(Ipv4Subnet, ContainsAndBroadcast) {
  auto s = Ipv4Subnet::parse("198.18.0.0/24");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->contains(*Ipv4::parse("198.18.0.77")));
  EXPECT_FALSE(s->contains(*Ipv4::parse("198.18.1.1")));
  EXPECT_EQ(s->mask().to_string(), "255.255.255.0");
  EXPECT_EQ(s->broadcast().to_string(), "198.18.0.255");
  EXPECT_EQ(s->to_string(), "198.18.0.0/24");
}

TEST(Ipv4Subnet, RefusesHostBitsAndBadPrefix) {
  EXPECT_FALSE(Ipv4Subnet::parse("198.18.0.1/24"));
  EXPECT_FALSE(Ipv4Subnet::parse("198.18.0.0/33"));
  EXPECT_FALSE(Ipv4Subnet::parse("198.18.0.0/"));
  EXPECT_FALSE(Ipv4Subnet::parse("198.18.0.0"));
  EXPECT_TRUE(Ipv4Subnet::parse("0.0.0.0/0"));
}

}  // namespace
}  // namespace slipway
