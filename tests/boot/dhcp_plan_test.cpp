#include "boot/dhcp_plan.h"

#include <gtest/gtest.h>

namespace slipway::boot {
namespace {

BootConfig config() {
  BootConfig c;
  c.public_url = "http://198.18.0.1:8080";
  c.tftp_server = *Ipv4::parse("198.18.0.1");
  return c;
}

NetbootClient client(BootProtocol protocol, Firmware fw, Arch arch, uint16_t code) {
  NetbootClient c;
  c.mac = *MacAddress::parse("52:54:00:00:00:01");
  c.protocol = protocol;
  c.firmware = fw;
  c.arch = arch;
  c.arch_code = code;
  return c;
}

TEST(DhcpPlan, BiosPxeGetsUndionlyOverTftpWithOurMarker) {
  auto a =
      plan_dhcp_boot(config(), client(BootProtocol::kPxe, Firmware::kBios, Arch::kX86, 0), false);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->filename, "undionly.kpxe");
  EXPECT_EQ(a->next_server, Ipv4::parse("198.18.0.1"));
  EXPECT_EQ(a->vendor_class, "PXEClient");
  EXPECT_EQ(a->user_class, "slipway");
  EXPECT_TRUE(a->ipxe_skip_proxydhcp);
}

TEST(DhcpPlan, UefiPxeGetsTheUefiLoader) {
  for (uint16_t code : {7, 9}) {
    auto a = plan_dhcp_boot(
        config(), client(BootProtocol::kPxe, Firmware::kUefi, Arch::kX86_64, code), false);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->filename, "ipxe.efi");
  }
  BootConfig snp = config();
  snp.uefi_loader = "snponly.efi";
  EXPECT_EQ(
      plan_dhcp_boot(snp, client(BootProtocol::kPxe, Firmware::kUefi, Arch::kX86_64, 7), false)
          ->filename,
      "snponly.efi");
}

TEST(DhcpPlan, HttpBootGetsAnHttpUrlAndTheVendorClassEchoed) {
  auto a = plan_dhcp_boot(config(), client(BootProtocol::kHttp, Firmware::kUefi, Arch::kX86_64, 16),
                          false);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->filename, "http://198.18.0.1:8080/assets/ipxe.efi");
  EXPECT_EQ(a->vendor_class, "HTTPClient");
  EXPECT_FALSE(a->next_server);
}

TEST(DhcpPlan, HttpsBootGetsTheLoaderOverHttpsAndIpxeStaysOnHttp) {
  BootConfig https = config();
  https.https_loader_base = "https://198.18.0.1:8443";
  auto a =
      plan_dhcp_boot(https, client(BootProtocol::kHttp, Firmware::kUefi, Arch::kX86_64, 16), false);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->filename, "https://198.18.0.1:8443/assets/ipxe.efi");
  EXPECT_EQ(a->vendor_class, "HTTPClient");
  EXPECT_EQ(a->user_class, "slipway");
  // The iPXE it loads has no TLS: its script URL stays on public_url.
  NetbootClient ipxe = client(BootProtocol::kPxe, Firmware::kUefi, Arch::kX86_64, 7);
  ipxe.ipxe = true;
  ipxe.user_class = "slipway";
  EXPECT_EQ(
      plan_dhcp_boot(https, ipxe, false)->filename.rfind("http://198.18.0.1:8080/boot/ipxe?", 0),
      0u);
  // PXE ROMs are unaffected: TFTP as before.
  EXPECT_EQ(
      plan_dhcp_boot(https, client(BootProtocol::kPxe, Firmware::kUefi, Arch::kX86_64, 7), false)
          ->filename,
      "ipxe.efi");
}

TEST(DhcpPlan, OurIpxeGetsItsScriptUrl) {
  NetbootClient c = client(BootProtocol::kPxe, Firmware::kBios, Arch::kX86, 0);
  c.ipxe = true;
  c.user_class = "slipway";
  c.uuid = Uuid::parse("5a1e0001-0000-4000-8000-000000000001");
  auto a = plan_dhcp_boot(config(), c, false);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->filename,
            "http://198.18.0.1:8080/boot/ipxe?mac=52:54:00:00:00:01"
            "&uuid=5a1e0001-0000-4000-8000-000000000001");
  EXPECT_TRUE(a->user_class.empty());
}

TEST(DhcpPlan, ForeignIpxeIsChainloadedUnlessDisabledOrJustLoaded) {
  NetbootClient c = client(BootProtocol::kPxe, Firmware::kBios, Arch::kX86, 0);
  c.ipxe = true;
  c.user_class = "iPXE";
  EXPECT_EQ(plan_dhcp_boot(config(), c, false)->filename, "undionly.kpxe");
  EXPECT_NE(plan_dhcp_boot(config(), c, true)->filename.find("/boot/ipxe?mac="), std::string::npos);
  BootConfig no_chain = config();
  no_chain.chainload_ipxe = false;
  EXPECT_NE(plan_dhcp_boot(no_chain, c, false)->filename.find("/boot/ipxe?mac="),
            std::string::npos);
}

TEST(DhcpPlan, HttpBootIsUnchangedWithTftpOff) {
  BootConfig no_tftp = config();
  no_tftp.tftp_enabled = false;
  auto a = plan_dhcp_boot(no_tftp, client(BootProtocol::kHttp, Firmware::kUefi, Arch::kX86_64, 16),
                          false);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->filename, "http://198.18.0.1:8080/assets/ipxe.efi");
  EXPECT_EQ(a->vendor_class, "HTTPClient");
}

TEST(DhcpPlan, WithTftpOffForeignIpxeGetsTheLoaderByHttpAndPxeRomsNothing) {
  BootConfig no_tftp = config();
  no_tftp.tftp_enabled = false;
  // A PXE ROM fetches only over TFTP: no boot data, so UEFI firmware goes on to HTTP Boot.
  EXPECT_FALSE(plan_dhcp_boot(
      no_tftp, client(BootProtocol::kPxe, Firmware::kUefi, Arch::kX86_64, 7), false));
  EXPECT_FALSE(
      plan_dhcp_boot(no_tftp, client(BootProtocol::kPxe, Firmware::kBios, Arch::kX86, 0), false));

  NetbootClient uefi = client(BootProtocol::kPxe, Firmware::kUefi, Arch::kX86_64, 7);
  uefi.ipxe = true;
  uefi.user_class = "iPXE";
  auto a = plan_dhcp_boot(no_tftp, uefi, false);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->filename, "http://198.18.0.1:8080/assets/ipxe.efi");
  EXPECT_EQ(a->user_class, "slipway");
  NetbootClient bios = client(BootProtocol::kPxe, Firmware::kBios, Arch::kX86, 0);
  bios.ipxe = true;
  bios.user_class = "iPXE";
  EXPECT_EQ(plan_dhcp_boot(no_tftp, bios, false)->filename,
            "http://198.18.0.1:8080/assets/undionly.kpxe");
  // Right after a loader, and for our own iPXE, the script as before.
  EXPECT_NE(plan_dhcp_boot(no_tftp, uefi, true)->filename.find("/boot/ipxe?mac="),
            std::string::npos);
}

TEST(DhcpPlan, NoBootDataForPlainClientsOrUnsupportedArchitectures) {
  EXPECT_FALSE(plan_dhcp_boot(
      config(), client(BootProtocol::kNone, Firmware::kUnknown, Arch::kUnknown, 0), false));
  EXPECT_FALSE(plan_dhcp_boot(
      config(), client(BootProtocol::kPxe, Firmware::kUefi, Arch::kArm64, 11), false));
}

}  // namespace
}  // namespace slipway::boot
