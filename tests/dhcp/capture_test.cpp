// Real packets from real clients (tests/dhcp/captures, see its README): the codec and the
// classifier must read them as what they are.

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "dhcp/packet.h"
#include "dhcp/pxe_classifier.h"

namespace slipway::dhcp {
namespace {

Packet load(const std::string& name) {
  std::ifstream in(std::string(SLIPWAY_SOURCE_DIR) + "/tests/dhcp/captures/" + name + ".bin",
                   std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  EXPECT_FALSE(bytes.empty()) << name;
  auto parsed = parse(bytes);
  EXPECT_TRUE(std::holds_alternative<Packet>(parsed)) << name;
  return std::holds_alternative<Packet>(parsed) ? std::get<Packet>(parsed) : Packet{};
}

constexpr const char* kBiosUuid = "5a1e00ca-0000-4000-8000-000000000001";
constexpr const char* kUefiUuid = "5a1e00ca-0000-4000-8000-000000000002";

TEST(Captures, SeabiosIpxeRom) {
  for (const char* name : {"bios-ipxe-rom-discover", "bios-ipxe-rom-request"}) {
    Packet p = load(name);
    NetbootClient c = classify(p);
    EXPECT_EQ(c.mac.to_string(), "52:54:00:ca:00:01") << name;
    EXPECT_EQ(c.protocol, BootProtocol::kPxe) << name;
    EXPECT_EQ(c.firmware, Firmware::kBios) << name;
    EXPECT_TRUE(c.ipxe) << name;
    EXPECT_EQ(c.user_class, "iPXE") << name;
    ASSERT_TRUE(c.uuid) << name;
    EXPECT_EQ(c.uuid->to_string(), kBiosUuid) << name;  // option 97 in SMBIOS byte order
  }
  EXPECT_EQ(load("bios-ipxe-rom-discover").message_type(), MessageType::kDiscover);
  EXPECT_EQ(load("bios-ipxe-rom-request").message_type(), MessageType::kRequest);
}

TEST(Captures, ChainloadedUndionlyEchoesOurMarker) {
  NetbootClient c = classify(load("bios-ipxe-chainloaded-discover"));
  EXPECT_TRUE(c.ipxe);
  EXPECT_EQ(c.user_class, "slipway");
  EXPECT_EQ(c.uuid->to_string(), kBiosUuid);
}

TEST(Captures, OvmfFirmwarePxe) {
  NetbootClient c = classify(load("uefi-firmware-pxe-discover"));
  EXPECT_EQ(c.mac.to_string(), "52:54:00:ca:00:02");
  EXPECT_EQ(c.protocol, BootProtocol::kPxe);
  EXPECT_EQ(c.firmware, Firmware::kUefi);
  EXPECT_EQ(c.arch, Arch::kX86_64);
  EXPECT_EQ(c.arch_code, 7);
  EXPECT_FALSE(c.ipxe);
  ASSERT_TRUE(c.uuid);
  EXPECT_EQ(c.uuid->to_string(), kUefiUuid);
}

TEST(Captures, OvmfHttpBoot) {
  // From e2e.http_boot (OVMF with its PXE off): what makes an answer carry "HTTPClient".
  for (const char* name : {"uefi-firmware-http-discover", "uefi-firmware-http-request"}) {
    NetbootClient c = classify(load(name));
    EXPECT_EQ(c.mac.to_string(), "52:54:00:e2:68:92") << name;
    EXPECT_EQ(c.protocol, BootProtocol::kHttp) << name;
    EXPECT_EQ(c.vendor_class, "HTTPClient:Arch:00016:UNDI:003000") << name;
    EXPECT_EQ(c.firmware, Firmware::kUefi) << name;
    EXPECT_EQ(c.arch, Arch::kX86_64) << name;
    EXPECT_EQ(c.arch_code, 16) << name;
    EXPECT_FALSE(c.ipxe) << name;
    ASSERT_TRUE(c.uuid) << name;
    EXPECT_EQ(c.uuid->to_string(), "5a1e00e2-6874-4000-8000-0000a097f774") << name;
  }
}

TEST(Captures, IpxeEfiDoesNotEchoTheMarker) {
  // Why BootService also remembers recent loader ACKs: ipxe.efi asks as a plain iPXE.
  NetbootClient c = classify(load("uefi-ipxe-efi-unmarked-discover"));
  EXPECT_TRUE(c.ipxe);
  EXPECT_EQ(c.user_class, "iPXE");
  EXPECT_EQ(c.firmware, Firmware::kUefi);
  EXPECT_EQ(c.uuid->to_string(), kUefiUuid);
}

TEST(Captures, RuntimeUdhcpcIsNotANetbootClient) {
  for (const char* name : {"bios-runtime-udhcpc-discover", "uefi-runtime-udhcpc-request"}) {
    NetbootClient c = classify(load(name));
    EXPECT_FALSE(c.is_netboot()) << name;
    EXPECT_EQ(c.vendor_class, "slipway-runtime") << name;
  }
}

TEST(Captures, EveryCaptureSurvivesARoundTrip) {
  for (const char* name : {"bios-ipxe-rom-discover", "bios-ipxe-chainloaded-request",
                           "uefi-firmware-pxe-request", "uefi-ipxe-efi-unmarked-request",
                           "bios-runtime-udhcpc-request", "uefi-firmware-http-request"}) {
    Packet p = load(name);
    auto again = parse(serialize(p));
    ASSERT_TRUE(std::holds_alternative<Packet>(again)) << name;
    EXPECT_EQ(std::get<Packet>(again).options.entries(), p.options.entries()) << name;
  }
}

}  // namespace
}  // namespace slipway::dhcp
