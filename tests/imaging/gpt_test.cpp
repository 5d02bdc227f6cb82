#include "imaging/agent/gpt.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/imaging/disk_file.h"

namespace slipway::imaging::agent {
namespace {

namespace fs = std::filesystem;
using testutil::read_at;
using testutil::run;
using testutil::write_at;

// A disk image with the test image's layout, partitioned by sfdisk (util-linux).
class GptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    disk_ = testutil::temp_disk("slipway-gpt");
    testutil::make_sparse_file(disk_, 8 << 20);
    run("printf 'label: gpt\\n"
        "size=1MiB, type=21686148-6449-6E6F-744E-656564454649, name=bios\\n"
        "size=2MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=esp\\n"
        "type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name=slipway-root\\n' | sfdisk -q " +
        disk_.string());
  }
  void TearDown() override { fs::remove(disk_); }

  GptTable table() {
    auto head = read_at(disk_, kSectorBytes, kSectorBytes);
    size_t need = gpt_bytes_needed(head);
    EXPECT_GT(need, kSectorBytes);
    auto parsed = parse_gpt(read_at(disk_, kSectorBytes, need));
    EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message);
    return parsed ? *parsed : GptTable{};
  }

  fs::path disk_;
};

TEST_F(GptTest, ReadsWhatSfdiskWrote) {
  GptTable t = table();
  ASSERT_EQ(t.partitions.size(), 3u);
  EXPECT_EQ(t.partitions[0].type, bios_boot_type());
  EXPECT_EQ(t.partitions[1].type, efi_system_type());
  EXPECT_EQ(t.partitions[2].type, linux_root_x86_64_type());
  EXPECT_EQ(t.partitions[2].number, 3u);
  EXPECT_EQ(t.partitions[2].name, "slipway-root");
  EXPECT_EQ(t.partitions[0].first_lba, 2048u);
  EXPECT_EQ(t.header.backup_lba, (8u << 20) / kSectorBytes - 1);
  auto dump = nlohmann::json::parse(run("sfdisk --json " + disk_.string()));
  EXPECT_EQ(dump["partitiontable"]["id"].get<std::string>(), t.header.disk_guid.to_string());
}

TEST_F(GptTest, BackupMovesToTheEndOfALargerDiskAndSfdiskAgrees) {
  GptTable t = table();
  const uint64_t bigger = 24u << 20;
  fs::resize_file(disk_, bigger);
  auto rewrite = relocate_backup(t, bigger / kSectorBytes);
  ASSERT_TRUE(rewrite) << rewrite.error().message;
  write_at(disk_, rewrite->backup_entries_lba * kSectorBytes, rewrite->backup_entries);
  write_at(disk_, bigger - kSectorBytes, rewrite->backup_header);
  write_at(disk_, kSectorBytes, rewrite->primary_header);
  auto mbr = resize_protective_mbr(read_at(disk_, 0, kSectorBytes), bigger / kSectorBytes);
  ASSERT_TRUE(mbr);
  write_at(disk_, 0, *mbr);
  // sfdisk --verify checks both headers, both entry arrays and their CRCs, and the protective
  // MBR's size.
  std::string verify = run("sfdisk --verify " + disk_.string() + " 2>&1");
  EXPECT_NE(verify.find("No errors detected"), std::string::npos) << verify;
  EXPECT_EQ(verify.find("mismatch"), std::string::npos) << verify;
  EXPECT_EQ(verify.find("corrupt"), std::string::npos) << verify;
  auto dump = nlohmann::json::parse(run("sfdisk --json " + disk_.string()));
  EXPECT_EQ(dump["partitiontable"]["lastlba"].get<uint64_t>(), bigger / kSectorBytes - 34);
  GptTable again = table();
  EXPECT_EQ(again.header.backup_lba, bigger / kSectorBytes - 1);
  EXPECT_EQ(again.partitions.size(), 3u);
}

TEST_F(GptTest, ADiskTooSmallForAPartitionIsRefusedNamingIt) {
  GptTable t = table();
  auto rewrite = relocate_backup(t, (5u << 20) / kSectorBytes);
  ASSERT_FALSE(rewrite);
  EXPECT_NE(rewrite.error().message.find("partition 3"), std::string::npos)
      << rewrite.error().message;
}

TEST_F(GptTest, CorruptHeaderOrEntriesAreRefused) {
  auto head = read_at(disk_, kSectorBytes, kSectorBytes);
  auto bytes = read_at(disk_, kSectorBytes, gpt_bytes_needed(head));
  auto bad_header = bytes;
  bad_header[40] ^= 1;  // first usable LBA
  EXPECT_FALSE(parse_gpt(bad_header));
  auto bad_entries = bytes;
  bad_entries[kSectorBytes + 40] ^= 1;  // partition 1's last LBA
  auto r = parse_gpt(bad_entries);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("entries"), std::string::npos);
  auto short_read = bytes;
  short_read.resize(kSectorBytes * 2);
  EXPECT_FALSE(parse_gpt(short_read));
  std::vector<uint8_t> zeros(kSectorBytes * 40, 0);
  EXPECT_FALSE(parse_gpt(zeros));
  EXPECT_EQ(gpt_bytes_needed(zeros), 0u);
}

TEST_F(GptTest, ProtectiveMbrKeepsItsBootCode) {
  auto lba0 = read_at(disk_, 0, kSectorBytes);
  lba0[0] = 0xEB;  // boot code, as GRUB's boot.img has there
  auto mbr = resize_protective_mbr(lba0, 1000);
  ASSERT_TRUE(mbr);
  EXPECT_EQ((*mbr)[0], 0xEB);
  EXPECT_EQ((*mbr)[446 + 12], (1000 - 1) & 0xFF);
  EXPECT_EQ((*mbr)[446 + 13], (1000 - 1) >> 8);
  std::vector<uint8_t> no_mbr(kSectorBytes, 0);
  EXPECT_FALSE(resize_protective_mbr(no_mbr, 1000));
}

TEST(GuidTest, TextRoundTripsInMixedEndianOrder) {
  auto g = Guid::parse("4f68bce3-e8cd-4db1-96e7-fbcaf984b709");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->bytes[0], 0xe3);  // the first group is little-endian on disk
  EXPECT_EQ(g->bytes[8], 0x96);
  EXPECT_EQ(g->to_string(), "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709");
  EXPECT_FALSE(Guid::parse("4f68bce3-e8cd-4db1-96e7-fbcaf984b70"));
  EXPECT_FALSE(Guid::parse("4f68bce3xe8cd-4db1-96e7-fbcaf984b709"));
  EXPECT_FALSE(Guid::parse("zf68bce3-e8cd-4db1-96e7-fbcaf984b709"));
}

TEST(PartitionNameTest, FollowsTheKernelsNaming) {
  EXPECT_EQ(partition_device_name("vda", 3), "vda3");
  EXPECT_EQ(partition_device_name("sda", 1), "sda1");
  EXPECT_EQ(partition_device_name("nvme0n1", 3), "nvme0n1p3");
  EXPECT_EQ(partition_device_name("mmcblk0", 2), "mmcblk0p2");
}

}  // namespace
}  // namespace slipway::imaging::agent
