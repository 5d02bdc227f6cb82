#include "imaging/agent/restore_order.h"

#include <gtest/gtest.h>

namespace slipway::imaging::agent {
namespace {

using nlohmann::json;

json manifest() {
  return {{"version", 1},
          {"name", "snap"},
          {"firmware", "bios"},
          {"disks",
           {{{"name", "vda"},
             {"size_bytes", 64 << 20},
             {"gpt", false},
             {"partitions", json::array()},
             {"regions", json::array()},
             {"chunks", {{0, 4096, std::string(64, 'a')}}}}}}};
}

json order() {
  return {{"snapshot", "snap"},
          {"manifest", manifest()},
          {"boot_mac", "52:54:00:12:34:56"},
          {"captured_macs", {"52:54:00:AA:BB:01"}},
          {"boot_kit",
           {{"boot_img", "/assets/bootkit/boot.img"},
            {"core_img", "/assets/bootkit/core.img"},
            {"efi_loader", "/assets/bootkit/BOOTX64.EFI"},
            {"kernel_args", "console=ttyS0"}}}};
}

TEST(RestoreOrderTest, ParsesTheAppliancesAnswer) {
  auto o = parse_restore_order(order().dump());
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->snapshot, "snap");
  EXPECT_EQ(o->manifest.disks.at(0).chunks.size(), 1u);
  EXPECT_EQ(o->boot_mac.to_string(), "52:54:00:12:34:56");
  ASSERT_EQ(o->captured_macs.size(), 1u);
  EXPECT_EQ(o->captured_macs[0].to_string(), "52:54:00:aa:bb:01");
  ASSERT_TRUE(o->boot_kit);
  EXPECT_EQ(o->boot_kit->core_img, "/assets/bootkit/core.img");
  EXPECT_EQ(o->boot_kit->kernel_args, "console=ttyS0");
}

TEST(RestoreOrderTest, BootKitIsOptional) {
  json o = order();
  o.erase("boot_kit");
  auto parsed = parse_restore_order(o.dump());
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_FALSE(parsed->boot_kit);
}

TEST(RestoreOrderTest, RefusalsNameTheField) {
  auto refused = [](json o) {
    auto r = parse_restore_order(o.dump());
    return r ? std::string("accepted") : r.error().message;
  };
  json o = order();
  o["boot_mac"] = "nope";
  EXPECT_EQ(refused(o), "restore order: 'boot_mac' must be a MAC address");
  o = order();
  o["captured_macs"] = {"52:54:00:aa:bb:01", 7};
  EXPECT_EQ(refused(o), "restore order: 'captured_macs[1]' must be a MAC address");
  o = order();
  o["manifest"]["disks"][0]["chunks"][0][1] = 0;
  EXPECT_NE(refused(o).find("disks[0].chunks[0]"), std::string::npos) << refused(o);
  o = order();
  o["boot_kit"]["kernel_args"] = "a;b";
  EXPECT_EQ(refused(o),
            "restore order: 'boot_kit.kernel_args' holds a character GRUB would read as syntax");
  o = order();
  o["boot_kit"]["core_img"] = "../x";
  EXPECT_EQ(refused(o), "restore order: 'boot_kit.core_img' is not absolute");
  EXPECT_EQ(parse_restore_order("[").error().message, "restore order: not a JSON object");
}

}  // namespace
}  // namespace slipway::imaging::agent
