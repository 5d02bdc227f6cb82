#include "imaging/agent/install_plan.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace slipway::imaging::agent {
namespace {

using nlohmann::json;

json good_plan() {
  return {
      {"plan",
       {{"machine", "web1"},
        {"profile", "debian"},
        {"image",
         {{"name", "debian-12"},
          {"path", "/images/sha256/" + std::string(64, 'a')},
          {"sha256", std::string(64, 'a')},
          {"format", "raw.zst"},
          {"size", 1234}}},
        {"files", json::array({{{"path", "/etc/hostname"}, {"content", "web1\n"}, {"mode", 0644}},
                               {{"path", "/root/.ssh/authorized_keys"},
                                {"content", "ssh-ed25519 AAAA"},
                                {"mode", 0600}}})}}}};
}

TEST(InstallPlanTest, ParsesWhatTheApplianceSends) {
  auto plan = parse_install_plan(good_plan().dump());
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->machine, "web1");
  EXPECT_EQ(plan->image.format, "raw.zst");
  EXPECT_EQ(plan->image.size, 1234u);
  ASSERT_EQ(plan->files.size(), 2u);
  EXPECT_EQ(plan->files[1].mode, 0600u);
  EXPECT_EQ(plan->files[0].content, "web1\n");
}

json tarball_plan() {
  json doc = good_plan();
  doc["plan"]["image"]["format"] = "tar.zst";
  doc["plan"]["tarball"] = {{"boot_img", "/assets/bootkit/boot.img"},
                            {"core_img", "/assets/bootkit/core.img"},
                            {"efi_loader", "/assets/bootkit/BOOTX64.EFI"},
                            {"kernel_args", "console=ttyS0,115200n8 quiet"}};
  return doc;
}

TEST(InstallPlanTest, TarballsComeWithWhatMakesTheDiskBoot) {
  auto plan = parse_install_plan(tarball_plan().dump());
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_TRUE(plan->is_tarball());
  ASSERT_TRUE(plan->tarball);
  EXPECT_EQ(plan->tarball->core_img, "/assets/bootkit/core.img");
  EXPECT_EQ(plan->tarball->kernel_args, "console=ttyS0,115200n8 quiet");
  EXPECT_FALSE(parse_install_plan(good_plan().dump())->tarball) << "raw images need none";

  const std::pair<const char*, json> refused[] = {
      {"/plan/tarball", nullptr},
      {"/plan/tarball/boot_img", "bootkit/boot.img"},
      {"/plan/tarball/efi_loader", 7},
      {"/plan/tarball/kernel_args", "quiet; reboot"},
      {"/plan/tarball/kernel_args", "a\nb"},
  };
  for (const auto& [pointer, value] : refused) {
    json doc = tarball_plan();
    doc[json::json_pointer(pointer)] = value;
    auto p = parse_install_plan(doc.dump());
    ASSERT_FALSE(p) << pointer;
    EXPECT_NE(p.error().message.find("tarball"), std::string::npos) << p.error().message;
  }
}

TEST(InstallPlanTest, RefusesWhatItCannotDoSafelyNamingTheField) {
  struct Case {
    const char* pointer;
    json value;
    const char* expect;
  };
  const Case cases[] = {
      {"/plan/image/format", "qcow2", "qcow2"},
      {"/plan/image/sha256", "ABC", "image.sha256"},
      {"/plan/image/path", "images/x", "image.path"},
      {"/plan/image/size", -1, "image.size"},
      {"/plan/files/0/path", "/etc/../shadow", "files[0].path"},
      {"/plan/files/0/path", "etc/hostname", "files[0].path"},
      {"/plan/files/1/path", "/root//x", "files[1].path"},
      {"/plan/files/0/mode", 070000, "files[0].mode"},
      {"/plan/files", "none", "'files'"},
      {"/plan/machine", 3, "'machine'"},
  };
  for (const auto& c : cases) {
    json doc = good_plan();
    doc[json::json_pointer(c.pointer)] = c.value;
    auto plan = parse_install_plan(doc.dump());
    ASSERT_FALSE(plan) << c.pointer;
    EXPECT_NE(plan.error().message.find(c.expect), std::string::npos)
        << c.pointer << ": " << plan.error().message;
  }
  EXPECT_FALSE(parse_install_plan("not json"));
  EXPECT_FALSE(parse_install_plan("{}"));
}

TEST(InstallPlanTest, PicksTheFirstFixedWritableDisk) {
  std::vector<DiskInfo> disks = {
      {"vdb", 10 << 20, false, false}, {"loop0", 10 << 20, false, false},
      {"sr0", 700 << 20, true, false}, {"vda", 20 << 20, false, false},
      {"ram0", 4 << 20, false, false}, {"nbd0", 0, false, false},
  };
  auto d = pick_install_disk(disks);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->name, "vda");
  disks[3].read_only = true;
  EXPECT_EQ(pick_install_disk(disks)->name, "vdb");
  EXPECT_FALSE(pick_install_disk({{"loop1", 1 << 20, false, false}, {"sda", 0, false, false}}));
}

}  // namespace
}  // namespace slipway::imaging::agent
