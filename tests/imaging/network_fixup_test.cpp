#include "imaging/agent/network_fixup.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/imaging/disk_file.h"

namespace slipway::imaging::agent {
namespace {

namespace fs = std::filesystem;

const MacAddress kOld = *MacAddress::parse("52:54:00:aa:bb:01");
const MacAddress kOld2 = *MacAddress::parse("52:54:00:aa:bb:02");
const MacAddress kBoot = *MacAddress::parse("52:54:00:12:34:56");

TEST(ReplaceMacsTest, ReplacesEveryCapturedMacKeepingItsCase) {
  auto r = replace_macs(
      "[Match]\nMACAddress=52:54:00:aa:bb:01\n# also 52:54:00:AA:BB:02 and 52:54:00:Aa:bB:01\n",
      {kOld, kOld2}, kBoot);
  EXPECT_EQ(r.text,
            "[Match]\nMACAddress=52:54:00:12:34:56\n# also 52:54:00:12:34:56 and "
            "52:54:00:12:34:56\n");
  EXPECT_EQ(r.replaced, 3u);
  auto upper = replace_macs("ATTR{address}==\"52:54:00:AA:BB:01\"", {kOld},
                            *MacAddress::parse("52:54:00:ab:cd:ef"));
  EXPECT_EQ(upper.text, "ATTR{address}==\"52:54:00:AB:CD:EF\"");
}

TEST(ReplaceMacsTest, LeavesOtherMacsAndLongerAddressesAlone) {
  const std::string text =
      "macaddress: 52:54:00:aa:bb:03\n"
      "ib: 80:00:52:54:00:aa:bb:01\n"  // the captured MAC inside a longer address
      "x 52:54:00:aa:bb:01:ff\n"       // followed by more hex
      "y 52:54:00:aa:bb:0\n"           // too short
      "z 52-54-00-aa-bb-01\n";         // not the colon form
  auto r = replace_macs(text, {kOld}, kBoot);
  EXPECT_EQ(r.text, text);
  EXPECT_EQ(r.replaced, 0u);
  EXPECT_EQ(replace_macs("", {kOld}, kBoot).text, "");
  EXPECT_EQ(replace_macs("52:54:00:aa:bb:01", {kOld}, kBoot).text, "52:54:00:12:34:56");
}

TEST(ReplaceMacsTest, BootMacAlreadyThereCountsNoChange) {
  auto r = replace_macs("hwaddress 52:54:00:12:34:56\n", {kBoot}, kBoot);
  EXPECT_EQ(r.text, "hwaddress 52:54:00:12:34:56\n");
  EXPECT_EQ(r.replaced, 0u);
}

class FixNetworkMacsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testutil::fresh_test_dir("slipway-netfix");
    for (const char* d :
         {"etc/systemd/network", "etc/udev/rules.d", "etc/netplan", "etc/network"}) {
      fs::create_directories(root_ / d);
    }
  }
  void TearDown() override { fs::remove_all(root_); }
  void put(const std::string& rel, const std::string& text, mode_t mode = 0644) {
    std::ofstream(root_ / rel) << text;
    ::chmod((root_ / rel).c_str(), mode);
  }
  std::string get(const std::string& rel) {
    std::ifstream in(root_ / rel);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  fs::path root_;
};

TEST_F(FixNetworkMacsTest, RewritesTheKnownFilesKeepingTheirMode) {
  put("etc/systemd/network/10-lan.network", "[Match]\nMACAddress=52:54:00:aa:bb:01\n", 0600);
  put("etc/systemd/network/10-lan.link",
      "[Match]\nMACAddress=52:54:00:AA:BB:01\n[Link]\nName=lan0\n");
  put("etc/udev/rules.d/70-persistent-net.rules",
      "SUBSYSTEM==\"net\", ATTR{address}==\"52:54:00:aa:bb:02\", NAME=\"eth1\"\n");
  put("etc/netplan/50-cloud-init.yaml",
      "network:\n  ethernets:\n    eth0:\n      match:\n        macaddress: 52:54:00:aa:bb:01\n",
      0600);
  put("etc/network/interfaces", "iface eth0 inet dhcp\n  hwaddress ether 52:54:00:aa:bb:01\n");
  put("etc/systemd/network/README", "52:54:00:aa:bb:01\n");  // not a pattern
  put("etc/netplan/other.yaml", "network: {version: 2}\n");  // nothing to change
  put("outside.network", "52:54:00:aa:bb:01\n");
  fs::create_symlink(root_ / "outside.network", root_ / "etc/systemd/network/20-link.network");

  auto changed = fix_network_macs(root_.string(), {kOld, kOld2}, kBoot);
  ASSERT_TRUE(changed) << changed.error().message;
  EXPECT_EQ(*changed, (std::vector<std::string>{
                          "etc/netplan/50-cloud-init.yaml", "etc/network/interfaces",
                          "etc/systemd/network/10-lan.link", "etc/systemd/network/10-lan.network",
                          "etc/udev/rules.d/70-persistent-net.rules"}));
  EXPECT_EQ(get("etc/systemd/network/10-lan.network"), "[Match]\nMACAddress=52:54:00:12:34:56\n");
  EXPECT_EQ(get("etc/systemd/network/10-lan.link"),
            "[Match]\nMACAddress=52:54:00:12:34:56\n[Link]\nName=lan0\n");
  EXPECT_NE(get("etc/udev/rules.d/70-persistent-net.rules").find("52:54:00:12:34:56"),
            std::string::npos);
  EXPECT_NE(get("etc/netplan/50-cloud-init.yaml").find("macaddress: 52:54:00:12:34:56"),
            std::string::npos);
  EXPECT_EQ(get("etc/network/interfaces"),
            "iface eth0 inet dhcp\n  hwaddress ether 52:54:00:12:34:56\n");
  EXPECT_EQ(get("etc/systemd/network/README"), "52:54:00:aa:bb:01\n");
  EXPECT_EQ(get("outside.network"), "52:54:00:aa:bb:01\n");  // the link was not followed
  EXPECT_TRUE(fs::is_symlink(root_ / "etc/systemd/network/20-link.network"));
  struct stat st {};
  ASSERT_EQ(::stat((root_ / "etc/systemd/network/10-lan.network").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  ASSERT_EQ(::stat((root_ / "etc/network/interfaces").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  EXPECT_FALSE(fs::exists(root_ / "etc/network/interfaces.slipway-new"));
}

TEST_F(FixNetworkMacsTest, TreeWithoutNetworkFilesChangesNothing) {
  fs::remove_all(root_ / "etc");
  auto changed = fix_network_macs(root_.string(), {kOld}, kBoot);
  ASSERT_TRUE(changed);
  EXPECT_TRUE(changed->empty());
}

}  // namespace
}  // namespace slipway::imaging::agent
