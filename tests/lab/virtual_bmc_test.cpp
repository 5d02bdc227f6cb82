#include "tests/lab/virtual_bmc.h"

#include <gtest/gtest.h>

#include "wol/wake_frame.h"

namespace slipway::lab {
namespace {

const MacAddress kA = *MacAddress::parse("52:54:00:60:00:0a");
const MacAddress kB = *MacAddress::parse("52:54:00:60:00:0b");

TEST(MachineSpec, ParsesMacPasswordAndCommand) {
  auto plain = parse_machine_spec("52:54:00:60:00:0a=touch /tmp/a=b");
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(plain->mac, kA);
  EXPECT_TRUE(plain->password.empty());
  EXPECT_EQ(plain->command, "touch /tmp/a=b");

  auto secured = parse_machine_spec("52-54-00-60-00-0B/01:02:03:04=start-vm b");
  ASSERT_TRUE(secured) << secured.error().message;
  EXPECT_EQ(secured->mac, kB);
  EXPECT_EQ(secured->password, (std::vector<uint8_t>{1, 2, 3, 4}));
  EXPECT_EQ(secured->command, "start-vm b");
}

TEST(MachineSpec, RefusesMalformedSpecs) {
  for (const char* bad :
       {"", "52:54:00:60:00:0a", "52:54:00:60:00:0a=", "nomac=cmd", "52:54:00:60:00:0a/0102=cmd"}) {
    EXPECT_FALSE(parse_machine_spec(bad)) << bad;
  }
}

TEST(VirtualBmc, WakesEachMachineOnceOnItsOwnPacket) {
  VirtualBmc bmc({{kA, {}, "a"}, {kB, {}, "b"}});
  auto first = bmc.on_packet({kB, {}});
  EXPECT_EQ(first.verdict, Verdict::kWake);
  ASSERT_NE(first.machine, nullptr);
  EXPECT_EQ(first.machine->command, "b");
  EXPECT_EQ(bmc.on_packet({kB, {}}).verdict, Verdict::kAlreadyWoken);
  EXPECT_EQ(bmc.on_packet({kA, {}}).verdict, Verdict::kWake);
}

TEST(VirtualBmc, AMachineThatPoweredOffWakesAgain) {
  VirtualBmc bmc({{kA, {}, "a"}, {kB, {}, "b"}});
  EXPECT_EQ(bmc.on_packet({kA, {}}).verdict, Verdict::kWake);
  EXPECT_EQ(bmc.on_packet({kB, {}}).verdict, Verdict::kWake);
  bmc.powered_off(kA);
  EXPECT_EQ(bmc.on_packet({kA, {}}).verdict, Verdict::kWake);
  EXPECT_EQ(bmc.on_packet({kA, {}}).verdict, Verdict::kAlreadyWoken);
  EXPECT_EQ(bmc.on_packet({kB, {}}).verdict, Verdict::kAlreadyWoken);
}

TEST(VirtualBmc, IgnoresUnknownMacs) {
  VirtualBmc bmc({{kA, {}, "a"}});
  auto decision = bmc.on_packet({kB, {}});
  EXPECT_EQ(decision.verdict, Verdict::kUnknownMac);
  EXPECT_EQ(decision.machine, nullptr);
}

TEST(VirtualBmc, NeedsTheConfiguredPasswordExactly) {
  VirtualBmc bmc({{kA, {1, 2, 3, 4, 5, 6}, "a"}, {kB, {}, "b"}});
  EXPECT_EQ(bmc.on_packet({kA, {}}).verdict, Verdict::kWrongPassword);
  EXPECT_EQ(bmc.on_packet({kA, {1, 2, 3, 4}}).verdict, Verdict::kWrongPassword);
  EXPECT_EQ(bmc.on_packet({kA, {1, 2, 3, 4, 5, 7}}).verdict, Verdict::kWrongPassword);
  EXPECT_EQ(bmc.on_packet({kA, {1, 2, 3, 4, 5, 6}}).verdict, Verdict::kWake);
  // A machine without a password ignores one in the packet, as a NIC does.
  EXPECT_EQ(bmc.on_packet({kB, {9, 9, 9, 9}}).verdict, Verdict::kWake);
}

TEST(VirtualBmc, DecidesOnFramesAsCaptured) {
  VirtualBmc bmc({{kA, {}, "a"}});
  auto frame = *wol::build_wake_frame(kB, {kA, {}});
  auto seen = wol::parse_wake_frame(frame);
  ASSERT_TRUE(seen);
  EXPECT_EQ(bmc.on_packet(seen->packet).verdict, Verdict::kWake);
}

}  // namespace
}  // namespace slipway::lab
