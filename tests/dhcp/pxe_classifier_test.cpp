#include "dhcp/pxe_classifier.h"

#include <gtest/gtest.h>

#include "tests/dhcp/packet_builder.h"

namespace slipway::dhcp {
namespace {

constexpr const char* kUuid = "5a1e0001-0000-4000-8000-000000000001";

TEST(PxeClassifier, BiosPxeRom) {
  Packet p = testutil::client_packet(MessageType::kDiscover, "52:54:00:00:00:01");
  testutil::add_pxe(p, 0, kUuid);
  NetbootClient c = classify(p);
  EXPECT_EQ(c.protocol, BootProtocol::kPxe);
  EXPECT_EQ(c.firmware, Firmware::kBios);
  EXPECT_EQ(c.arch, Arch::kX86);
  EXPECT_EQ(c.arch_code, 0);
  ASSERT_TRUE(c.uuid);
  EXPECT_EQ(c.uuid->to_string(), kUuid);
  EXPECT_FALSE(c.ipxe);
  EXPECT_TRUE(c.is_netboot());
}

TEST(PxeClassifier, UefiX64AndEfiBc) {
  for (uint16_t arch : {7, 9}) {
    Packet p = testutil::client_packet(MessageType::kDiscover, "52:54:00:00:00:02");
    testutil::add_pxe(p, arch, kUuid);
    NetbootClient c = classify(p);
    EXPECT_EQ(c.firmware, Firmware::kUefi) << arch;
    EXPECT_EQ(c.arch, Arch::kX86_64) << arch;
  }
}

TEST(PxeClassifier, UefiHttpBoot) {
  Packet p = testutil::client_packet(MessageType::kDiscover, "52:54:00:00:00:03");
  p.options.set_string(opt::kVendorClass, "HTTPClient:Arch:00016:UNDI:003000");
  p.options.set_u16(opt::kClientArch, 16);
  NetbootClient c = classify(p);
  EXPECT_EQ(c.protocol, BootProtocol::kHttp);
  EXPECT_EQ(c.firmware, Firmware::kUefi);
  EXPECT_EQ(c.arch, Arch::kX86_64);
}

TEST(PxeClassifier, ArchFromVendorClassWhenOption93IsMissing) {
  Packet p = testutil::client_packet(MessageType::kDiscover, "52:54:00:00:00:04");
  p.options.set_string(opt::kVendorClass, "PXEClient:Arch:00007:UNDI:003016");
  NetbootClient c = classify(p);
  EXPECT_EQ(c.arch_code, 7);
  EXPECT_EQ(c.firmware, Firmware::kUefi);
}

TEST(PxeClassifier, IpxeByUserClassOrEncapsulatedOptions) {
  Packet p = testutil::client_packet(MessageType::kDiscover, "52:54:00:00:00:05");
  testutil::add_pxe(p, 0, kUuid);
  testutil::add_ipxe(p);
  NetbootClient c = classify(p);
  EXPECT_TRUE(c.ipxe);
  EXPECT_EQ(c.user_class, "iPXE");

  Packet marked = testutil::client_packet(MessageType::kDiscover, "52:54:00:00:00:05");
  testutil::add_ipxe(marked, "slipway");
  EXPECT_TRUE(classify(marked).ipxe);
  EXPECT_EQ(classify(marked).user_class, "slipway");
}

TEST(PxeClassifier, Rfc3004UserClassIsUnwrapped) {
  Packet p = testutil::client_packet(MessageType::kDiscover, "52:54:00:00:00:06");
  p.options.set(opt::kUserClass, {4, 'i', 'P', 'X', 'E'});
  EXPECT_EQ(classify(p).user_class, "iPXE");
  EXPECT_TRUE(classify(p).ipxe);
}

TEST(PxeClassifier, PlaceholderOrMalformedUuidIsNotAnIdentity) {
  Packet p = testutil::client_packet(MessageType::kDiscover, "52:54:00:00:00:07");
  testutil::add_pxe(p, 0, "00000000-0000-0000-0000-000000000000");
  EXPECT_FALSE(classify(p).uuid);
  p.options.set(opt::kClientMachineId, {0, 1, 2, 3});  // too short
  EXPECT_FALSE(classify(p).uuid);
  p.options.set(opt::kClientMachineId, std::vector<uint8_t>(17, 1));  // type must be 0
  p.options.set(opt::kClientMachineId, [] {
    std::vector<uint8_t> v(17, 1);
    v[0] = 1;
    return v;
  }());
  EXPECT_FALSE(classify(p).uuid);
}

TEST(PxeClassifier, PlainDhcpClientIsNotNetboot) {
  Packet p = testutil::client_packet(MessageType::kDiscover, "52:54:00:00:00:08");
  p.options.set_string(opt::kVendorClass, "MSFT 5.0");
  NetbootClient c = classify(p);
  EXPECT_FALSE(c.is_netboot());
  EXPECT_EQ(c.protocol, BootProtocol::kNone);
}

TEST(PxeClassifier, ArchTableKnowsTheCommonTypes) {
  EXPECT_EQ(find_arch(11)->arch, Arch::kArm64);
  EXPECT_TRUE(find_arch(19)->http);
  EXPECT_FALSE(find_arch(4242));
}

}  // namespace
}  // namespace slipway::dhcp
