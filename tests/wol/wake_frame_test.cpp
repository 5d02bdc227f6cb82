#include "wol/wake_frame.h"

#include <gtest/gtest.h>

#include "common/byte_writer.h"

namespace slipway::wol {
namespace {

const MacAddress kTarget = *MacAddress::parse("52:54:00:12:34:56");
const MacAddress kSource = *MacAddress::parse("52:54:00:aa:bb:cc");

// An Ethernet/IPv4/UDP frame around `payload` (checksums zero: the parser does not read them).
std::vector<uint8_t> udp_frame(uint16_t port, const std::vector<uint8_t>& payload,
                               uint16_t fragment = 0, size_t padding = 0) {
  ByteWriter w;
  w.fill(6, 0xFF);
  w.bytes(kSource.bytes());
  w.u16(0x0800);
  w.u8(0x45);
  w.u8(0);
  w.u16(static_cast<uint16_t>(20 + 8 + payload.size()));
  w.u16(0);
  w.u16(fragment);
  w.u8(64);
  w.u8(17);
  w.u16(0);
  w.bytes(std::vector<uint8_t>{198, 18, 60, 1, 198, 18, 60, 255});
  w.u16(40000);
  w.u16(port);
  w.u16(static_cast<uint16_t>(8 + payload.size()));
  w.u16(0);
  w.bytes(payload);
  w.fill(padding, 0);
  return w.take();
}

TEST(WakeFrame, BuildsABroadcastFrameWithTheWakeEtherType) {
  MagicPacket packet{kTarget, {1, 2, 3, 4, 5, 6}};
  auto frame = build_wake_frame(kSource, packet);
  ASSERT_TRUE(frame);
  ASSERT_EQ(frame->size(), 14 + kMagicPacketSize + 6);
  std::vector<uint8_t> header(frame->begin(), frame->begin() + 14);
  EXPECT_EQ(header, (std::vector<uint8_t>{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x52, 0x54, 0x00,
                                          0xaa, 0xbb, 0xcc, 0x08, 0x42}));
  std::vector<uint8_t> payload(frame->begin() + 14, frame->end());
  EXPECT_EQ(payload, *encode(packet));
  EXPECT_FALSE(build_wake_frame(kSource, {kTarget, {1, 2}}));
}

TEST(WakeFrame, ReadsBackTheRawForm) {
  for (std::vector<uint8_t> pw : {std::vector<uint8_t>{}, {9, 8, 7, 6}}) {
    auto seen = parse_wake_frame(*build_wake_frame(kSource, {kTarget, pw}));
    ASSERT_TRUE(seen);
    EXPECT_EQ(seen->form, WakeForm::kRaw);
    EXPECT_EQ(seen->source, kSource);
    EXPECT_EQ(seen->udp_port, 0);
    EXPECT_EQ(seen->packet, (MagicPacket{kTarget, pw}));
  }
}

TEST(WakeFrame, ReadsTheRawFormBehindAVlanTag) {
  auto frame = *build_wake_frame(kSource, {kTarget, {}});
  std::vector<uint8_t> tagged(frame.begin(), frame.begin() + 12);
  tagged.insert(tagged.end(), {0x81, 0x00, 0x00, 0x0A});
  tagged.insert(tagged.end(), frame.begin() + 12, frame.end());
  auto seen = parse_wake_frame(tagged);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->packet.target, kTarget);
}

TEST(WakeFrame, ReadsTheUdpFormOnPortsNineAndSeven) {
  auto payload = *encode({kTarget, {1, 2, 3, 4}});
  for (uint16_t port : {9, 7}) {
    auto seen = parse_wake_frame(udp_frame(port, payload));
    ASSERT_TRUE(seen);
    EXPECT_EQ(seen->form, WakeForm::kUdp);
    EXPECT_EQ(seen->udp_port, port);
    EXPECT_EQ(seen->packet, (MagicPacket{kTarget, {1, 2, 3, 4}}));
  }
}

TEST(WakeFrame, PaddingIsNotTakenForAPassword) {
  auto seen = parse_wake_frame(udp_frame(9, *encode({kTarget, {}}), 0, 4));
  ASSERT_TRUE(seen);
  EXPECT_TRUE(seen->packet.password.empty());
}

TEST(WakeFrame, IgnoresOtherPortsFragmentsAndTruncation) {
  auto payload = *encode({kTarget, {}});
  EXPECT_FALSE(parse_wake_frame(udp_frame(67, payload)));
  EXPECT_FALSE(parse_wake_frame(udp_frame(9, payload, 0x2000)));  // more fragments
  auto frame = udp_frame(9, payload);
  for (size_t size = 0; size < frame.size(); ++size) {
    EXPECT_FALSE(parse_wake_frame(std::span(frame).first(size))) << size;
  }
  auto raw = *build_wake_frame(kSource, {kTarget, {}});
  raw[13] = 0x43;  // another EtherType
  EXPECT_FALSE(parse_wake_frame(raw));
}

}  // namespace
}  // namespace slipway::wol
