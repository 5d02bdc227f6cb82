#include "common/url.h"

#include <gtest/gtest.h>

namespace slipway::url {
namespace {

TEST(Url, DecodesEscapes) {
  EXPECT_EQ(decode("a%20b%3Ac"), "a b:c");
  EXPECT_EQ(decode("a+b", true), "a b");
  EXPECT_EQ(decode("a+b", false), "a+b");
}

TEST(Url, RefusesBadEscapesAndNul) {
  EXPECT_FALSE(decode("%"));
  EXPECT_FALSE(decode("%2"));
  EXPECT_FALSE(decode("%zz"));
  EXPECT_FALSE(decode("a%00b"));
  EXPECT_FALSE(decode(std::string_view("a\0b", 3)));  // found by the fuzzer
}

TEST(Url, ParsesQuery) {
  auto q = parse_query("mac=52%3A54%3A00%3Aaa%3Abb%3Acc&uuid=&x&mac=last");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->at("mac"), "last");
  EXPECT_EQ(q->at("uuid"), "");
  EXPECT_EQ(q->at("x"), "");
  EXPECT_FALSE(parse_query("a=%G1"));
}

TEST(Url, EncodesReserved) { EXPECT_EQ(encode("a b/c:d"), "a%20b%2Fc%3Ad"); }

TEST(UrlHost, TakesTheHostOfAnAbsoluteUrl) {
  EXPECT_EQ(host_of("http://198.18.0.1:8080/boot/ipxe?mac=x"), "198.18.0.1");
  EXPECT_EQ(host_of("https://boot.example.test/"), "boot.example.test");
  EXPECT_EQ(host_of("http://user:pw@seed:80"), "seed");
  EXPECT_EQ(host_of("http://[fe80::1]:8080/x"), "fe80::1");
  EXPECT_EQ(host_of("/relative/path"), "");
  EXPECT_EQ(host_of("http://[broken"), "");
}

}  // namespace
}  // namespace slipway::url
