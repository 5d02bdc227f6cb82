#include "imaging/snapshot_layout.h"

#include <gtest/gtest.h>

namespace slipway::imaging {
namespace {

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kGiB = 1ull << 30;
constexpr const char* kLinux = "0FC63DAF-8483-4772-8E79-3D69D8477DE4";

// The test image's layout: BIOS boot 1 MiB, ESP 256 MiB... here scaled: bios 1 MiB at 1 MiB, ESP
// 64 MiB, root (ext4) to 640 MiB, on a 3 GiB disk.
DiskLayout hybrid_disk() {
  DiskLayout d;
  d.name = "vda";
  d.size_bytes = 3 * kGiB;
  d.partitions = {
      {1, kBiosBootType, "11111111-0000-4000-8000-000000000001", "bios", 2048, 4095, ""},
      {2, kEfiSystemType, "11111111-0000-4000-8000-000000000002", "esp", 4096, 135167, "vfat"},
      {3, kLinux, "11111111-0000-4000-8000-000000000003", "root", 135168, 1310719, "ext4"},
  };
  return d;
}

DiskLayout bios_only_disk() {
  DiskLayout d = hybrid_disk();
  d.partitions.erase(d.partitions.begin() + 1);
  return d;
}

DiskLayout uefi_only_disk() {
  DiskLayout d = hybrid_disk();
  d.partitions.erase(d.partitions.begin());
  return d;
}

TEST(SnapshotLayoutTest, RequiredBytesAreThePartitionsEndAndTheBackupTable) {
  EXPECT_EQ(required_bytes(hybrid_disk()), (1310719 + 1 + 33) * 512);
  DiskLayout raw{"vdb", 5 * kMiB, false, {}};
  EXPECT_EQ(required_bytes(raw), 5 * kMiB);
}

TEST(SnapshotLayoutTest, SameSizeDiskKeepsTheLayoutAndGrowsNothingPastTheDisk) {
  auto plan = plan_layout({hybrid_disk()}, "bios", {{"sda", 3 * kGiB}}, "bios");
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->disks.size(), 1u);
  const MappedDisk& m = plan->disks[0];
  EXPECT_EQ(m.target, "sda");
  EXPECT_TRUE(plan->install_loader.empty());
  // The root ends where the 3 GiB disk's last aligned MiB ends.
  EXPECT_EQ(m.partitions[0], hybrid_disk().partitions[0]);
  EXPECT_EQ(m.partitions[1], hybrid_disk().partitions[1]);
  EXPECT_EQ(m.partitions[2].first_lba, 135168u);
  EXPECT_EQ(m.partitions[2].last_lba, 3 * kGiB / 512 - 2048 - 1);
  EXPECT_EQ(m.grown, 3u);
  EXPECT_TRUE(m.grow_filesystem);
  EXPECT_FALSE(m.created);
}

TEST(SnapshotLayoutTest, LargerDiskGrowsTheLastPartitionAlignedBeforeTheBackupTable) {
  const uint64_t target = 5 * kGiB + 12345 * 512;
  auto plan = plan_layout({hybrid_disk()}, "bios", {{"vda", target}}, "bios");
  ASSERT_TRUE(plan) << plan.error().message;
  const auto& root = plan->disks[0].partitions[2];
  EXPECT_EQ((root.last_lba + 1) % 2048, 0u);
  EXPECT_LE(root.last_lba, target / 512 - 34);
  EXPECT_GT(root.last_lba + 2048, target / 512 - 34);
  EXPECT_EQ(root.unique, "11111111-0000-4000-8000-000000000003");
}

TEST(SnapshotLayoutTest, AFilesystemThatCannotGrowKeepsItsPartitionSize) {
  DiskLayout d = hybrid_disk();
  d.partitions[2].filesystem = "xfs";
  auto plan = plan_layout({d}, "bios", {{"vda", 8 * kGiB}}, "bios");
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->disks[0].partitions[2].last_lba, 1310719u);
  EXPECT_FALSE(plan->disks[0].grown);
  bool said = false;
  for (const auto& n : plan->notes) said |= n.find("(xfs) keeps its size") != std::string::npos;
  EXPECT_TRUE(said);
}

TEST(SnapshotLayoutTest, TooSmallTargetIsRefusedWithWhatIsNeeded) {
  auto plan = plan_layout({hybrid_disk()}, "bios", {{"vda", 512 * kMiB}}, "bios");
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("disk vda needs 671105536 bytes (640 MiB)"),
            std::string::npos)
      << plan.error().message;
  EXPECT_NE(plan.error().message.find("vda 536870912 bytes"), std::string::npos);
}

TEST(SnapshotLayoutTest, ADiskSmallerThanTheSourceButLargerThanItsPartitionsFits) {
  auto plan = plan_layout({hybrid_disk()}, "bios", {{"vda", 1 * kGiB}}, "bios");
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->disks[0].target_bytes, 1 * kGiB);
}

TEST(SnapshotLayoutTest, SeveralDisksTakeTheSmallestTargetThatHoldsEach) {
  DiskLayout data{"vdb", 10 * kGiB, false, {}};
  auto plan = plan_layout({hybrid_disk(), data}, "bios",
                          {{"sda", 20 * kGiB}, {"sdb", 2 * kGiB}, {"sdc", 11 * kGiB}}, "bios");
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->disks[0].target, "sdb");  // the boot disk's 640 MiB fit on the 2 GiB disk
  EXPECT_EQ(plan->disks[1].target, "sdc");  // the raw 10 GiB disk on the 11 GiB one
  EXPECT_FALSE(plan->disks[1].grown);
  // Two captured disks, one target: refused, naming the one that found no place.
  auto refused = plan_layout({hybrid_disk(), data}, "bios", {{"sda", 20 * kGiB}}, "bios");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("disk vda"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("none left"), std::string::npos);
}

TEST(SnapshotLayoutTest, BiosToUefiWithAnEspInstallsTheUefiLoader) {
  auto plan = plan_layout({hybrid_disk()}, "bios", {{"vda", 4 * kGiB}}, "uefi");
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->install_loader, "uefi");
  EXPECT_FALSE(plan->disks[0].created);
  EXPECT_EQ(plan->disks[0].partitions.size(), 3u);
}

TEST(SnapshotLayoutTest, BiosToUefiWithoutAnEspAddsOneAtTheEnd) {
  auto plan = plan_layout({bios_only_disk()}, "bios", {{"vda", 4 * kGiB}}, "uefi");
  ASSERT_TRUE(plan) << plan.error().message;
  const MappedDisk& m = plan->disks[0];
  ASSERT_EQ(m.partitions.size(), 3u);
  const auto& esp = m.partitions[2];
  EXPECT_EQ(esp.type, kEfiSystemType);
  EXPECT_EQ(esp.number, 4u);
  EXPECT_EQ(m.created, 4u);
  EXPECT_EQ((esp.last_lba - esp.first_lba + 1) * 512, kNewEspBytes);
  EXPECT_EQ(esp.last_lba, 4 * kGiB / 512 - 2048 - 1);
  const auto& root = m.partitions[1];
  EXPECT_EQ(root.last_lba + 1, esp.first_lba);  // the root grows up to the new ESP
  EXPECT_EQ(m.grown, 3u);
}

TEST(SnapshotLayoutTest, BiosToUefiWithoutRoomForAnEspIsRefused) {
  // The root ends 1 MiB before the end of a 640 MiB disk: no 256 MiB for an ESP.
  auto plan = plan_layout({bios_only_disk()}, "bios", {{"vda", 700 * kMiB}}, "uefi");
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("with a new 256 MiB EFI system partition for UEFI"),
            std::string::npos)
      << plan.error().message;
}

TEST(SnapshotLayoutTest, UefiToBiosAddsABiosBootPartitionBeforeTheFirst) {
  auto plan = plan_layout({uefi_only_disk()}, "uefi", {{"vda", 4 * kGiB}}, "bios");
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->install_loader, "bios");
  const MappedDisk& m = plan->disks[0];
  ASSERT_EQ(m.partitions.size(), 3u);
  const auto& bios = m.partitions.back();
  EXPECT_EQ(bios.type, kBiosBootType);
  EXPECT_EQ(bios.first_lba, 40u);
  EXPECT_EQ(bios.last_lba, 4095u);  // up to the ESP, the first partition
  EXPECT_EQ(m.created, bios.number);
}

TEST(SnapshotLayoutTest, UefiToBiosWithoutAGapIsRefused) {
  DiskLayout d = uefi_only_disk();
  d.partitions[0].first_lba = 34;
  auto plan = plan_layout({d}, "uefi", {{"vda", 4 * kGiB}}, "bios");
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("UEFI to BIOS needs a BIOS boot partition"),
            std::string::npos)
      << plan.error().message;
}

TEST(SnapshotLayoutTest, UnknownFirmwareKeepsTheLoader) {
  auto plan = plan_layout({bios_only_disk()}, "bios", {{"vda", 4 * kGiB}}, "unknown");
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_TRUE(plan->install_loader.empty());
}

TEST(SnapshotLayoutTest, NoDisksIsAnError) {
  EXPECT_FALSE(plan_layout({}, "bios", {{"vda", kGiB}}, "bios"));
}

}  // namespace
}  // namespace slipway::imaging
