#include "common/byte_reader.h"

#include <gtest/gtest.h>

#include <vector>

#include "common/byte_writer.h"

namespace slipway {
namespace {

TEST(ByteReader, ReadsBigEndianFields) {
  std::vector<uint8_t> data = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
  ByteReader r(data);
  EXPECT_EQ(r.u8(), 0x01);
  EXPECT_EQ(r.u16(), 0x0203);
  EXPECT_EQ(r.u32(), 0x04050607u);
  EXPECT_TRUE(r.empty());
}

TEST(ByteReader, ShortReadFailsAndDoesNotMove) {
  std::vector<uint8_t> data = {0xAA, 0xBB, 0xCC};
  ByteReader r(data);
  EXPECT_FALSE(r.u32().has_value());
  EXPECT_EQ(r.position(), 0u);
  EXPECT_FALSE(r.bytes(4).has_value());
  EXPECT_FALSE(r.skip(4));
  EXPECT_EQ(r.u16(), 0xAABB);
  EXPECT_FALSE(r.u16().has_value());
  EXPECT_EQ(r.u8(), 0xCC);
  EXPECT_FALSE(r.u8().has_value());
}

TEST(ByteWriter, FixedPadsAndTruncates) {
  ByteWriter w;
  std::vector<uint8_t> three = {1, 2, 3};
  w.fixed(three, 5);
  w.fixed(three, 2);
  EXPECT_EQ(w.data(), (std::vector<uint8_t>{1, 2, 3, 0, 0, 1, 2}));
}

TEST(ByteWriter, RoundTripsThroughReader) {
  ByteWriter w;
  w.u8(7);
  w.u16(0xBEEF);
  w.u32(0xDEADBEEF);
  w.text("hi");
  auto bytes = w.take();
  ByteReader r(bytes);
  EXPECT_EQ(r.u8(), 7);
  EXPECT_EQ(r.u16(), 0xBEEF);
  EXPECT_EQ(r.u32(), 0xDEADBEEFu);
  auto rest = r.rest();
  EXPECT_EQ(std::string(rest.begin(), rest.end()), "hi");
}

}  // namespace
}  // namespace slipway
