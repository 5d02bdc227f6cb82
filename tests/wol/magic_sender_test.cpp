#include "wol/magic_sender.h"

#include <gtest/gtest.h>

// Socket-free checks: what fails before a packet leaves. Sending on real links is covered by
// tests/integration/wol_test.sh.

namespace slipway::wol {
namespace {

const MacAddress kMac = *MacAddress::parse("52:54:00:12:34:56");

TEST(UdpMagicSender, RefusesAMissingInterfaceAndABadPassword) {
  UdpMagicSender pinned({Ipv4(0xC612003F), kDiscardPort, "nosuch0"});
  EXPECT_EQ(pinned.describe(), "udp 198.18.0.63:9 dev nosuch0");
  auto status = pinned.send({kMac, {}});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, "wol: no such interface \"nosuch0\"");
  UdpMagicSender plain({});
  EXPECT_FALSE(plain.send({kMac, {1, 2, 3}}));
}

TEST(InterfaceMac, ReadsTheLoopbackAsNotEthernet) {
  auto mac = interface_mac("lo");
  ASSERT_FALSE(mac);
  EXPECT_EQ(mac.error().message, "wol: lo is not an Ethernet interface");
  EXPECT_FALSE(interface_mac("nosuch0"));
}

TEST(RawMagicSender, RefusesAMissingInterface) {
  auto sender = RawMagicSender::open("nosuch0");
  ASSERT_FALSE(sender);
  EXPECT_EQ(sender.error().message, "wol: no such interface \"nosuch0\"");
}

}  // namespace
}  // namespace slipway::wol

namespace slipway::wol {
namespace {

TEST(CheckLink, LoopbackIsUpAndAMissingInterfaceIsNamed) {
  EXPECT_TRUE(check_link("lo"));
  auto missing = check_link("nosuch0");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "wol: no such interface \"nosuch0\"");
}

}  // namespace
}  // namespace slipway::wol
