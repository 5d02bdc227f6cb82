#include "imaging/agent/bios_boot.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "imaging/agent/disk_layout.h"
#include "imaging/agent/gpt.h"
#include "tests/imaging/disk_file.h"

namespace slipway::imaging::agent {
namespace {

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(i * 7 + seed);
  return out;
}

std::vector<uint8_t> synthetic_boot_img() {
  auto img = pattern(512, 1);
  img[510] = 0x55;
  img[511] = 0xAA;
  return img;
}

// LBA 0 of a disk with the standard layout, with a disk signature, as the installer finds it.
std::vector<uint8_t> protective_mbr() {
  const Guid disk = *Guid::parse("11111111-2222-3333-4444-555555555555");
  const std::array<Guid, 3> unique = {*Guid::parse("A1111111-2222-3333-4444-555555555555"),
                                      *Guid::parse("A2222222-2222-3333-4444-555555555555"),
                                      *Guid::parse("A3333333-2222-3333-4444-555555555555")};
  auto layout = standard_layout(uint64_t{1} << 21, disk, unique);
  EXPECT_TRUE(layout);
  std::vector<uint8_t> lba0(layout->head.begin(), layout->head.begin() + 512);
  lba0[440] = 0xDE;
  lba0[441] = 0xAD;
  return lba0;
}

// `value` as `bytes` little-endian bytes at `at`, as the shell's put_le writes it.
void put_le(std::vector<uint8_t>& b, size_t at, size_t bytes, uint64_t value) {
  for (size_t i = 0; i < bytes; ++i) b[at + i] = static_cast<uint8_t>(value >> (8 * i));
}

// What image/build-test-image.sh's bios_embed writes, step by step: boot.img with the core's
// LBA at 0x5c and NOPs at 0x66, its first 440 bytes over LBA 0; core.img at the partition with
// first + 1 at 0x1f4 (the file's last partial sector padded by the zeros already on the disk).
struct ShellResult {
  std::vector<uint8_t> lba0;
  std::vector<uint8_t> core;
};
ShellResult what_bios_embed_writes(std::vector<uint8_t> boot_img, std::vector<uint8_t> core_img,
                                   uint64_t first, std::vector<uint8_t> lba0) {
  put_le(core_img, 0x1f4, 8, first + 1);
  core_img.resize((core_img.size() + 511) / 512 * 512, 0);
  put_le(boot_img, 0x5c, 8, first);
  boot_img[0x66] = 0x90;
  boot_img[0x67] = 0x90;
  std::copy_n(boot_img.begin(), 440, lba0.begin());
  return {lba0, core_img};
}

TEST(BiosBootTest, BootCodeGoesInFrontOfTheProtectiveMbr) {
  const auto boot = synthetic_boot_img();
  const auto core = pattern(3 * 512 + 100, 9);
  const auto lba0 = protective_mbr();
  auto r = embed_grub_bios(boot, core, 2048, 2048, lba0);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->lba0.size(), 512u);
  // Code from boot.img, except the core's LBA (2048 = 0x800) and the two NOPs.
  for (size_t i = 0; i < 440; ++i) {
    if (i >= 0x5c && i < 0x64) continue;
    if (i == 0x66 || i == 0x67) continue;
    EXPECT_EQ(r->lba0[i], boot[i]) << i;
  }
  const std::vector<uint8_t> lba_field(r->lba0.begin() + 0x5c, r->lba0.begin() + 0x64);
  EXPECT_EQ(lba_field, (std::vector<uint8_t>{0x00, 0x08, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(r->lba0[0x66], 0x90);
  EXPECT_EQ(r->lba0[0x67], 0x90);
  // Disk signature, the 0xEE entry and 55 AA: the disk's own.
  EXPECT_TRUE(std::equal(r->lba0.begin() + 440, r->lba0.end(), lba0.begin() + 440));
  EXPECT_EQ(r->lba0[440], 0xDE);
  EXPECT_EQ(r->lba0[446 + 4], 0xEE);
}

TEST(BiosBootTest, CoreIsPaddedAndItsFirstBlocklistPointsAfterItsFirstSector) {
  const auto core = pattern(3 * 512 + 100, 9);
  const uint64_t first = 0x0102030405;  // every byte of the field tells
  auto r = embed_grub_bios(synthetic_boot_img(), core, first, 2048, protective_mbr());
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->core.size(), 4 * 512u);
  for (size_t i = 0; i < core.size(); ++i) {
    if (i >= 0x1f4 && i < 0x1fc) continue;
    EXPECT_EQ(r->core[i], core[i]) << i;
  }
  const std::vector<uint8_t> blocklist(r->core.begin() + 0x1f4, r->core.begin() + 0x1fc);
  EXPECT_EQ(blocklist, (std::vector<uint8_t>{0x06, 0x04, 0x03, 0x02, 0x01, 0, 0, 0}));
  EXPECT_TRUE(std::all_of(r->core.begin() + static_cast<std::ptrdiff_t>(core.size()), r->core.end(),
                          [](uint8_t b) { return b == 0; }));
  // A core of whole sectors is not padded.
  auto whole = embed_grub_bios(synthetic_boot_img(), pattern(1024, 3), 34, 2, protective_mbr());
  ASSERT_TRUE(whole) << whole.error().message;
  EXPECT_EQ(whole->core.size(), 1024u);
}

TEST(BiosBootTest, BadInputIsRefused) {
  const auto boot = synthetic_boot_img();
  const auto core = pattern(2 * 512, 5);
  const auto lba0 = protective_mbr();
  EXPECT_TRUE(embed_grub_bios(boot, core, 2048, 2, lba0));

  auto short_boot = boot;
  short_boot.pop_back();
  EXPECT_FALSE(embed_grub_bios(short_boot, core, 2048, 2048, lba0));
  auto long_boot = boot;
  long_boot.push_back(0);
  EXPECT_FALSE(embed_grub_bios(long_boot, core, 2048, 2048, lba0));
  auto unsigned_boot = boot;
  unsigned_boot[511] = 0;
  auto r = embed_grub_bios(unsigned_boot, core, 2048, 2048, lba0);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("55 AA"), std::string::npos) << r.error().message;

  EXPECT_FALSE(embed_grub_bios(boot, {}, 2048, 2048, lba0));
  EXPECT_FALSE(embed_grub_bios(boot, pattern(511, 5), 2048, 2048, lba0));
  auto big = embed_grub_bios(boot, pattern(2 * 512 + 1, 5), 2048, 2, lba0);
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message.find("do not fit"), std::string::npos) << big.error().message;

  EXPECT_FALSE(embed_grub_bios(boot, core, 0, 2048, lba0));
  EXPECT_FALSE(embed_grub_bios(boot, core, 2048, 2048, std::vector<uint8_t>(511, 0)));
}

// embed_grub_bios and the shell's steps agree on every byte.
void expect_same_as_bios_embed(const std::vector<uint8_t>& boot, const std::vector<uint8_t>& core,
                               uint64_t first) {
  const auto lba0 = protective_mbr();
  auto r = embed_grub_bios(boot, core, first, 2048, lba0);
  ASSERT_TRUE(r) << r.error().message;
  auto expected = what_bios_embed_writes(boot, core, first, lba0);
  EXPECT_EQ(r->lba0, expected.lba0);
  EXPECT_EQ(r->core, expected.core);
}

TEST(BiosBootTest, SyntheticImagesGiveWhatTheShellFunctionWrites) {
  expect_same_as_bios_embed(synthetic_boot_img(), pattern(5 * 512 + 3, 11), 2048);
  expect_same_as_bios_embed(synthetic_boot_img(), pattern(512, 11), 0x123456789A);
}

std::vector<uint8_t> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// GRUB 2.06's own boot.img (grub-pc-bin) and a core.img made as build-test-image.sh makes it
// (grub-mkimage from grub-common); scripts/deps.sh installs both.
TEST(BiosBootTest, RealGrubImagesGiveWhatTheShellFunctionWrites) {
  const auto boot = read_file("/usr/lib/grub/i386-pc/boot.img");
  ASSERT_EQ(boot.size(), 512u);
  // GRUB 2.06 boot.S: "jmp .+0x65" (EB 63) at the start and, at 0x66, the "jmp 3f" (EB 05) over
  // the drive check that the NOPs replace.
  EXPECT_EQ(boot[0], 0xEB);
  EXPECT_EQ(boot[0x66], 0xEB);
  EXPECT_EQ(boot[0x67], 0x05);

  const auto core_path = testutil::temp_disk("slipway-core");
  testutil::run("grub-mkimage -O i386-pc -o " + core_path.string() +
                " -p /boot/grub biosdisk part_gpt ext2 search_fs_uuid");
  const auto core = read_file(core_path);
  std::filesystem::remove(core_path);
  ASSERT_GT(core.size(), 512u);
  expect_same_as_bios_embed(boot, core, 2048);
  // grub-mkimage's own part of the first blocklist: the sectors after the first one.
  auto r = embed_grub_bios(boot, core, 2048, 2048, protective_mbr());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->core[0x1fc] | (r->core[0x1fd] << 8), r->core.size() / 512 - 1);
}

}  // namespace
}  // namespace slipway::imaging::agent
