#include "imaging/agent/disk_layout.h"

#include <gtest/gtest.h>

#include <boost/endian/conversion.hpp>
#include <cstring>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/imaging/disk_file.h"

namespace slipway::imaging::agent {
namespace {

namespace fs = std::filesystem;
using boost::endian::load_little_u32;
using boost::endian::load_little_u64;

constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t kOneGiBSectors = kGiB / kSectorBytes;  // 2097152

Guid guid(const char* text) { return *Guid::parse(text); }

const Guid kDisk = guid("11111111-2222-3333-4444-555555555555");
const std::array<Guid, 3> kUnique = {guid("A1111111-2222-3333-4444-555555555555"),
                                     guid("A2222222-2222-3333-4444-555555555555"),
                                     guid("A3333333-2222-3333-4444-555555555555")};

GptTable parse_primary(const GptLayout& layout) {
  auto parsed = parse_gpt(std::span<const uint8_t>(layout.head).subspan(kSectorBytes));
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message);
  return parsed ? *parsed : GptTable{};
}

std::string error_of(const Result<GptLayout>& r) { return r ? "" : r.error().message; }

TEST(DiskLayoutTest, StandardLayoutParsesBackWithItsPartitions) {
  auto layout = standard_layout(kOneGiBSectors, kDisk, kUnique);
  ASSERT_TRUE(layout) << layout.error().message;
  EXPECT_EQ(layout->head.size(), 34 * kSectorBytes);
  EXPECT_EQ(layout->tail.size(), 33 * kSectorBytes);
  EXPECT_EQ(layout->tail_lba, kOneGiBSectors - 33);

  GptTable t = parse_primary(*layout);
  EXPECT_EQ(t.header.disk_guid, kDisk);
  EXPECT_EQ(t.header.backup_lba, kOneGiBSectors - 1);
  EXPECT_EQ(t.header.first_usable, 34u);
  EXPECT_EQ(t.header.last_usable, kOneGiBSectors - 34);
  EXPECT_EQ(t.header.entry_count, 128u);
  EXPECT_EQ(t.header.entry_size, 128u);
  ASSERT_EQ(t.partitions.size(), 3u);
  const std::array<Guid, 3> types = {bios_boot_type(), efi_system_type(), linux_root_x86_64_type()};
  const std::array<const char*, 3> names = {"bios", "esp", "slipway-root"};
  const std::array<uint64_t, 3> first = {2048, 4096, 4096 + 256 * 2048};
  // The root partition ends before the last 1 MiB boundary ahead of the backup table.
  const std::array<uint64_t, 3> last = {4095, 4096 + 256 * 2048 - 1, kOneGiBSectors - 2048 - 1};
  for (size_t i = 0; i < 3; ++i) {
    const GptPartition& p = t.partitions[i];
    EXPECT_EQ(p.number, i + 1);
    EXPECT_EQ(p.type, types[i]);
    EXPECT_EQ(p.unique, kUnique[i]);
    EXPECT_EQ(p.name, names[i]);
    EXPECT_EQ(p.first_lba, first[i]) << i;
    EXPECT_EQ(p.last_lba, last[i]) << i;
    EXPECT_EQ(layout->partitions[i].first_lba, p.first_lba);
    EXPECT_EQ(layout->partitions[i].last_lba, p.last_lba);
    EXPECT_EQ(layout->partitions[i].number, p.number);
  }
  EXPECT_EQ(kStandardRootPartition, 3u);
  EXPECT_EQ(t.partitions[kStandardBiosPartition - 1].type, bios_boot_type());
  EXPECT_EQ(t.partitions[kStandardEspPartition - 1].type, efi_system_type());
}

// parse_gpt reads only a primary header (at LBA 1, entries after it): the backup's fields are
// checked here byte by byte against the UEFI layout.
TEST(DiskLayoutTest, BackupHeaderMirrorsThePrimaryAndItsCrcsHold) {
  auto layout = standard_layout(kOneGiBSectors, kDisk, kUnique);
  ASSERT_TRUE(layout) << layout.error().message;
  std::span<const uint8_t> tail(layout->tail);
  std::span<const uint8_t> backup_entries = tail.first(32 * kSectorBytes);
  std::span<const uint8_t> backup = tail.subspan(32 * kSectorBytes);
  std::span<const uint8_t> primary = std::span<const uint8_t>(layout->head).subspan(512, 512);
  std::span<const uint8_t> primary_entries =
      std::span<const uint8_t>(layout->head).subspan(1024, 32 * kSectorBytes);

  EXPECT_EQ(std::memcmp(backup.data(), "EFI PART", 8), 0);
  EXPECT_EQ(load_little_u32(backup.data() + 8), 0x00010000u);
  const uint32_t header_size = load_little_u32(backup.data() + 12);
  EXPECT_EQ(header_size, 92u);
  std::vector<uint8_t> zeroed_crc(backup.begin(), backup.begin() + header_size);
  std::memset(zeroed_crc.data() + 16, 0, 4);
  EXPECT_EQ(load_little_u32(backup.data() + 16), crc32(zeroed_crc));
  EXPECT_EQ(load_little_u64(backup.data() + 24), kOneGiBSectors - 1);  // where it is
  EXPECT_EQ(load_little_u64(backup.data() + 32), 1u);                  // the other one
  EXPECT_EQ(load_little_u64(backup.data() + 72), layout->tail_lba);    // its entries
  EXPECT_EQ(load_little_u32(backup.data() + 88), crc32(backup_entries));
  // Usable range, disk GUID, entry count and size: the same as the primary's.
  EXPECT_EQ(std::memcmp(backup.data() + 40, primary.data() + 40, 32), 0);
  EXPECT_EQ(std::memcmp(backup.data() + 80, primary.data() + 80, 12), 0);
  EXPECT_TRUE(std::equal(backup_entries.begin(), backup_entries.end(), primary_entries.begin()));
  // The rest of both header sectors is zero.
  EXPECT_TRUE(std::all_of(backup.begin() + 92, backup.end(), [](uint8_t b) { return b == 0; }));
}

TEST(DiskLayoutTest, ProtectiveMbrCoversTheDiskWithOneEntry) {
  auto layout = standard_layout(kOneGiBSectors, kDisk, kUnique);
  ASSERT_TRUE(layout) << layout.error().message;
  const uint8_t* mbr = layout->head.data();
  EXPECT_TRUE(std::all_of(mbr, mbr + 446, [](uint8_t b) { return b == 0; }));  // no boot code
  const uint8_t entry[16] = {0x00, 0x00, 0x02, 0x00, 0xEE, 0xFF, 0xFF, 0xFF,
                             0x01, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x1F, 0x00};  // 2^21 - 1
  EXPECT_EQ(std::memcmp(mbr + 446, entry, 16), 0);
  EXPECT_TRUE(std::all_of(mbr + 462, mbr + 510, [](uint8_t b) { return b == 0; }));
  EXPECT_EQ(mbr[510], 0x55);
  EXPECT_EQ(mbr[511], 0xAA);
}

TEST(DiskLayoutTest, TheMbrEntryOfADiskOver2TiBIsCapped) {
  const uint64_t sectors = (uint64_t{5} << 40) / kSectorBytes;  // 5 TiB
  auto layout = standard_layout(sectors, kDisk, kUnique);
  ASSERT_TRUE(layout) << layout.error().message;
  EXPECT_EQ(load_little_u32(layout->head.data() + 446 + 12), 0xFFFFFFFFu);
  GptTable t = parse_primary(*layout);
  EXPECT_EQ(t.header.backup_lba, sectors - 1);
  ASSERT_EQ(t.partitions.size(), 3u);
  EXPECT_EQ(t.partitions[2].last_lba, sectors - 2048 - 1);
  // Just under 2 TiB the size is still exact.
  auto small = standard_layout(0xFFFFFFFFu, kDisk, kUnique);
  ASSERT_TRUE(small) << small.error().message;
  EXPECT_EQ(load_little_u32(small->head.data() + 446 + 12), 0xFFFFFFFEu);
}

TEST(DiskLayoutTest, EveryPartitionStartsOnAMebibyte) {
  const std::vector<PartitionSpec> specs = {
      {linux_data_type(), kUnique[0], "one", 1},
      {linux_data_type(), kUnique[1], "odd", 3000},
      {linux_data_type(), kUnique[2], "rest", 0},
  };
  // 20 MiB and 1000 sectors: the rest does not end on a mebibyte of its own.
  const uint64_t sectors = 20 * 2048 + 1000;
  auto layout = build_gpt(sectors, kDisk, specs);
  ASSERT_TRUE(layout) << layout.error().message;
  GptTable t = parse_primary(*layout);
  ASSERT_EQ(t.partitions.size(), 3u);
  EXPECT_EQ(t.partitions[0].first_lba, 2048u);
  EXPECT_EQ(t.partitions[0].last_lba, 2048u);
  EXPECT_EQ(t.partitions[1].first_lba, 4096u);
  EXPECT_EQ(t.partitions[1].last_lba, 4096u + 3000 - 1);
  EXPECT_EQ(t.partitions[2].first_lba, 8192u);
  EXPECT_EQ(t.partitions[2].last_lba, 20u * 2048 - 1);
  for (const auto& p : t.partitions) EXPECT_EQ(p.first_lba % 2048, 0u) << p.number;
  EXPECT_EQ(t.partitions[2].name, "rest");
}

TEST(DiskLayoutTest, TheSameInputGivesTheSameBytes) {
  auto a = standard_layout(kOneGiBSectors, kDisk, kUnique);
  auto b = standard_layout(kOneGiBSectors, kDisk, kUnique);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->head, b->head);
  EXPECT_EQ(a->tail, b->tail);
}

TEST(DiskLayoutTest, ADiskTooSmallIsRefusedNamingThePartition) {
  // 1 + 1 + 256 MiB and the tables: no mebibyte left for the root partition.
  const uint64_t tight = (2 + 256) * 2048 + 2048;
  auto r = standard_layout(tight, kDisk, kUnique);
  ASSERT_FALSE(r);
  EXPECT_NE(error_of(r).find("partition 3"), std::string::npos) << error_of(r);
  EXPECT_TRUE(standard_layout(tight + 2048, kDisk, kUnique));
  auto esp = standard_layout(200 * 2048, kDisk, kUnique);
  ASSERT_FALSE(esp);
  EXPECT_NE(error_of(esp).find("partition 2 (esp"), std::string::npos) << error_of(esp);
  // No room even for the two tables.
  auto tiny = build_gpt(67, kDisk, {});
  ASSERT_FALSE(tiny);
  EXPECT_NE(error_of(tiny).find("too small"), std::string::npos) << error_of(tiny);
  auto empty = build_gpt(68, kDisk, {});
  ASSERT_TRUE(empty) << error_of(empty);
  EXPECT_EQ(parse_primary(*empty).header.last_usable, 34u);
}

TEST(DiskLayoutTest, SizesThatWouldOverflowAreRefused) {
  const std::vector<PartitionSpec> huge = {
      {linux_data_type(), kUnique[0], "a", 2048},
      {linux_data_type(), kUnique[1], "b", std::numeric_limits<uint64_t>::max()},
  };
  auto r = build_gpt(kOneGiBSectors, kDisk, huge);
  ASSERT_FALSE(r);
  EXPECT_NE(error_of(r).find("partition 2"), std::string::npos) << error_of(r);
  auto disk = build_gpt(std::numeric_limits<uint64_t>::max(), kDisk, {});
  ASSERT_FALSE(disk);
  EXPECT_NE(error_of(disk).find("64-bit"), std::string::npos) << error_of(disk);
  // The largest disk whose bytes fit 64 bits still works.
  EXPECT_TRUE(standard_layout(std::numeric_limits<uint64_t>::max() / kSectorBytes, kDisk, kUnique));
}

// Distinct non-zero GUIDs for `n` partitions.
std::vector<PartitionSpec> small_partitions(size_t n) {
  std::vector<PartitionSpec> specs(n);
  for (size_t i = 0; i < n; ++i) {
    specs[i].type = linux_data_type();
    specs[i].unique.bytes[0] = static_cast<uint8_t>(i + 1);
    specs[i].unique.bytes[1] = static_cast<uint8_t>((i + 1) >> 8);
    specs[i].name = "p" + std::to_string(i + 1);
    specs[i].sectors = 2048;
  }
  return specs;
}

TEST(DiskLayoutTest, AtMost128Partitions) {
  const uint64_t sectors = 200 * 2048;
  auto full = build_gpt(sectors, kDisk, small_partitions(128));
  ASSERT_TRUE(full) << error_of(full);
  GptTable t = parse_primary(*full);
  ASSERT_EQ(t.partitions.size(), 128u);
  EXPECT_EQ(t.partitions[127].number, 128u);
  EXPECT_EQ(t.partitions[127].name, "p128");
  EXPECT_EQ(t.partitions[127].first_lba, 128u * 2048);
  auto over = build_gpt(sectors, kDisk, small_partitions(129));
  ASSERT_FALSE(over);
  EXPECT_NE(error_of(over).find("129 partitions"), std::string::npos) << error_of(over);
}

TEST(DiskLayoutTest, BadSpecsAreRefused) {
  auto with = [](auto change) {
    std::vector<PartitionSpec> specs = small_partitions(3);
    change(specs);
    return build_gpt(kOneGiBSectors, kDisk, specs);
  };
  const auto rest_first = with([](auto& s) { s[0].sectors = 0; });
  EXPECT_NE(error_of(rest_first).find("not the last"), std::string::npos) << error_of(rest_first);
  EXPECT_TRUE(with([](auto& s) { s[2].sectors = 0; }));
  EXPECT_FALSE(with([](auto& s) { s[1].type = Guid{}; }));
  EXPECT_FALSE(with([](auto& s) { s[1].unique = Guid{}; }));
  EXPECT_FALSE(with([](auto& s) { s[2].unique = s[0].unique; }));
  EXPECT_FALSE(with([](auto& s) { s[2].unique = kDisk; }));
  EXPECT_FALSE(with([](auto& s) { s[0].sectors = 0; }));
  EXPECT_FALSE(with([](auto& s) { s[0].name = std::string(37, 'x'); }));
  EXPECT_TRUE(with([](auto& s) { s[0].name = std::string(36, 'x'); }));
  EXPECT_FALSE(with([](auto& s) { s[0].name = "caf\xc3\xa9"; }));
  EXPECT_FALSE(with([](auto& s) { s[0].name = "tab\there"; }));
  EXPECT_FALSE(build_gpt(kOneGiBSectors, Guid{}, small_partitions(1)));
}

// The bytes written into a sparse 1 GiB file, checked by util-linux (sfdisk: both headers, both
// entry arrays, their CRCs, the protective MBR) and GPT fdisk (sgdisk -v: the same and overlaps,
// alignment).
class DiskLayoutFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    disk_ = testutil::temp_disk("slipway-layout");
    testutil::make_sparse_file(disk_, kGiB);
    auto layout = standard_layout(kOneGiBSectors, kDisk, kUnique);
    ASSERT_TRUE(layout) << layout.error().message;
    testutil::write_at(disk_, 0, layout->head);
    testutil::write_at(disk_, layout->tail_lba * kSectorBytes, layout->tail);
  }
  void TearDown() override { fs::remove(disk_); }

  fs::path disk_;
};

TEST_F(DiskLayoutFileTest, SfdiskAndSgdiskFindNoProblems) {
  std::string verify = testutil::run("sfdisk --verify " + disk_.string() + " 2>&1");
  EXPECT_NE(verify.find("No errors detected"), std::string::npos) << verify;
  EXPECT_EQ(verify.find("mismatch"), std::string::npos) << verify;
  EXPECT_EQ(verify.find("corrupt"), std::string::npos) << verify;
  std::string sgdisk = testutil::run("sgdisk -v " + disk_.string() + " 2>&1");
  EXPECT_NE(sgdisk.find("No problems found"), std::string::npos) << sgdisk;
  EXPECT_EQ(sgdisk.find("Caution"), std::string::npos) << sgdisk;
  EXPECT_EQ(sgdisk.find("Warning"), std::string::npos) << sgdisk;
}

TEST_F(DiskLayoutFileTest, SfdiskReadsThePartitionsAsBuilt) {
  auto dump = nlohmann::json::parse(testutil::run("sfdisk --json " + disk_.string()));
  const auto& table = dump["partitiontable"];
  EXPECT_EQ(table["label"], "gpt");
  EXPECT_EQ(table["id"], kDisk.to_string());
  EXPECT_EQ(table["firstlba"], 34);
  EXPECT_EQ(table["lastlba"], kOneGiBSectors - 34);
  const auto& parts = table["partitions"];
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0]["start"], 2048);
  EXPECT_EQ(parts[0]["size"], 2048);
  EXPECT_EQ(parts[0]["type"], bios_boot_type().to_string());
  EXPECT_EQ(parts[0]["uuid"], kUnique[0].to_string());
  EXPECT_EQ(parts[0]["name"], "bios");
  EXPECT_EQ(parts[1]["start"], 4096);
  EXPECT_EQ(parts[1]["size"], 256 * 2048);
  EXPECT_EQ(parts[1]["type"], efi_system_type().to_string());
  EXPECT_EQ(parts[1]["name"], "esp");
  EXPECT_EQ(parts[2]["start"], 4096 + 256 * 2048);
  EXPECT_EQ(parts[2]["size"], kOneGiBSectors - 2048 - (4096 + 256 * 2048));
  EXPECT_EQ(parts[2]["type"], linux_root_x86_64_type().to_string());
  EXPECT_EQ(parts[2]["uuid"], kUnique[2].to_string());
  EXPECT_EQ(parts[2]["name"], "slipway-root");
}

// With the primary header gone, sgdisk recovers the table from the backup alone.
TEST_F(DiskLayoutFileTest, TheBackupAloneHoldsTheTable) {
  testutil::write_at(disk_, kSectorBytes, std::vector<uint8_t>(33 * kSectorBytes, 0));
  // sgdisk -v reports the damage (and exits non-zero) and checks the backup's CRCs.
  std::string out = testutil::run("sgdisk -v " + disk_.string() + " 2>&1; true");
  EXPECT_NE(out.find("Main header: ERROR"), std::string::npos) << out;
  EXPECT_NE(out.find("Backup header: OK"), std::string::npos) << out;
  EXPECT_NE(out.find("Backup partition table: OK"), std::string::npos) << out;
  std::string print = testutil::run("sgdisk -p " + disk_.string() + " 2>&1; true");
  EXPECT_NE(print.find("slipway-root"), std::string::npos) << print;
  EXPECT_NE(print.find(kDisk.to_string()), std::string::npos) << print;
}

TEST(DiskLayoutTest, EncodeGptKeepsPlacedPartitionsWhereTheyAre) {
  const std::vector<GptPartition> parts = {
      {3, linux_root_x86_64_type(), kUnique[2], 20480, 40959, "root"},
      {1, bios_boot_type(), kUnique[0], 2048, 4095, "bios"},
  };
  auto layout = encode_gpt(kOneGiBSectors, kDisk, parts);
  ASSERT_TRUE(layout) << error_of(layout);
  const GptTable table = parse_primary(*layout);
  ASSERT_EQ(table.partitions.size(), 2u);
  EXPECT_EQ(table.partitions[0].number, 1u);
  EXPECT_EQ(table.partitions[1].number, 3u);  // entry 2 stays empty
  EXPECT_EQ(table.partitions[1].first_lba, 20480u);
  EXPECT_EQ(table.partitions[1].last_lba, 40959u);
  EXPECT_EQ(table.partitions[1].unique, kUnique[2]);
  EXPECT_EQ(table.header.backup_lba, kOneGiBSectors - 1);
  EXPECT_EQ(layout->tail_lba, kOneGiBSectors - kGptTableSectors);
}

TEST(DiskLayoutTest, EncodeGptRefusesWhatCannotBeATable) {
  const GptPartition a{1, linux_data_type(), kUnique[0], 2048, 4095, "a"};
  GptPartition b{2, linux_data_type(), kUnique[1], 4000, 8191, "b"};
  EXPECT_EQ(error_of(encode_gpt(kOneGiBSectors, kDisk, {a, b})),
            "GPT: partition 2 overlaps partition 1");
  b.first_lba = 4096;
  b.last_lba = kOneGiBSectors - 33;  // on the backup entries
  EXPECT_NE(error_of(encode_gpt(kOneGiBSectors, kDisk, {a, b})).find("outside the usable"),
            std::string::npos);
  b.last_lba = 8191;
  b.number = 1;
  EXPECT_EQ(error_of(encode_gpt(kOneGiBSectors, kDisk, {a, b})), "GPT: partition 1 appears twice");
  b.number = 2;
  b.unique = Guid{};
  EXPECT_EQ(error_of(encode_gpt(kOneGiBSectors, kDisk, {a, b})),
            "GPT: partition 2 has an all-zero GUID");
  EXPECT_EQ(error_of(encode_gpt(kOneGiBSectors, Guid{}, {a})), "GPT: the disk GUID is all zeros");
}

TEST(DiskLayoutTest, KeepBootCodeCopiesOnlyTheCodeArea) {
  auto layout = encode_gpt(kOneGiBSectors, kDisk, {});
  ASSERT_TRUE(layout);
  const std::vector<uint8_t> mbr_before(layout->head.begin(), layout->head.begin() + 512);
  std::vector<uint8_t> lba0(512, 0xCC);
  keep_boot_code(layout->head, lba0);
  for (size_t i = 0; i < 512; ++i) {
    EXPECT_EQ(layout->head[i], i < kMbrBootCodeBytes ? 0xCC : mbr_before[i]) << i;
  }
}

}  // namespace
}  // namespace slipway::imaging::agent
