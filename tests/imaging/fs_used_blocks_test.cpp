// The used-block reader against filesystems made and checked by their own tools (e2fsprogs,
// dosfstools, mtools): what it calls used covers everything dumpe2fs calls used, and a copy of
// only those bytes onto zeros is a filesystem that fsck passes, with every file intact, even
// though the original's free blocks held a deleted file's bytes.
#include "imaging/agent/fs_used_blocks.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace slipway::imaging::agent {
namespace {

namespace fs = std::filesystem;

int run(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

std::string output_of(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_pattern(const fs::path& p, size_t n, uint32_t seed) {
  std::string s(n, '\0');
  uint32_t x = seed;
  for (auto& c : s) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  std::ofstream(p, std::ios::binary) << s;
}

class FsUsedBlocksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("slipway-fsused-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "tree/etc/deep");
    write_pattern(dir_ / "tree/big.bin", 3 << 20, 1);
    write_pattern(dir_ / "tree/etc/hostname", 13, 2);
    write_pattern(dir_ / "tree/etc/deep/middle.bin", 200 << 10, 3);
    write_pattern(dir_ / "tree/doomed.bin", 2 << 20, 4);  // deleted after the copy
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result<std::optional<UsedBlocks>> read_image(const fs::path& image) {
    int fd = ::open(image.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    ReadAt read = [fd](uint64_t offset, std::span<uint8_t> out) -> Status {
      ssize_t n = ::pread(fd, out.data(), out.size(), static_cast<off_t>(offset));
      if (n != static_cast<ssize_t>(out.size())) return Error{"short read"};
      return {};
    };
    auto used = used_blocks(read, fs::file_size(image));
    ::close(fd);
    return used;
  }

  // A file of the image's size holding only the used ranges (zeros elsewhere).
  fs::path copy_used(const fs::path& image, const UsedBlocks& used) {
    fs::path copy = image.string() + ".used";
    std::ifstream in(image, std::ios::binary);
    { std::ofstream out(copy, std::ios::binary); }
    fs::resize_file(copy, fs::file_size(image));
    std::fstream out(copy, std::ios::in | std::ios::out | std::ios::binary);
    std::string buf;
    for (const auto& r : used.ranges) {
      buf.resize(r.length);
      in.seekg(static_cast<std::streamoff>(r.offset));
      in.read(buf.data(), static_cast<std::streamsize>(r.length));
      out.seekp(static_cast<std::streamoff>(r.offset));
      out.write(buf.data(), static_cast<std::streamsize>(r.length));
    }
    return copy;
  }

  void check_ext(const std::string& mkfs_args, const std::string& expect_fs) {
    const fs::path img = dir_ / "ext.img";
    ASSERT_EQ(run("mke2fs -q -F " + mkfs_args + " -d " + (dir_ / "tree").string() + " " +
                  img.string() + " 80M"),
              0);
    ASSERT_EQ(run("debugfs -w -R 'rm /doomed.bin' " + img.string()), 0);
    auto used = read_image(img);
    ASSERT_TRUE(used) << used.error().message;
    ASSERT_TRUE(used->has_value());
    const UsedBlocks& u = **used;
    EXPECT_EQ(u.filesystem, expect_fs);
    EXPECT_EQ(u.uuid, output_of("blkid -o value -s UUID " + img.string()).substr(0, 36));

    // Every block dumpe2fs calls used is in the ranges.
    const std::string dump = output_of("dumpe2fs " + img.string() + " 2>/dev/null");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(dump, m, std::regex("Block count: +([0-9]+)")));
    const uint64_t blocks = std::stoull(m[1]);
    std::set<uint64_t> free_blocks;
    std::regex free_line("  Free blocks: ([0-9, -]*)");
    for (auto it = std::sregex_iterator(dump.begin(), dump.end(), free_line);
         it != std::sregex_iterator(); ++it) {
      std::stringstream list((*it)[1].str());
      std::string item;
      while (std::getline(list, item, ',')) {
        if (item.find_first_of("0123456789") == std::string::npos) continue;
        uint64_t a = std::stoull(item), b = a;
        if (auto dash = item.find('-'); dash != std::string::npos)
          b = std::stoull(item.substr(dash + 1));
        for (uint64_t x = a; x <= b; ++x) free_blocks.insert(x);
      }
    }
    ASSERT_GT(free_blocks.size(), 0u);
    auto in_ranges = [&](uint64_t blk) {
      for (const auto& r : u.ranges) {
        if (blk * u.block_bytes >= r.offset && blk * u.block_bytes < r.offset + r.length)
          return true;
      }
      return false;
    };
    uint64_t used_by_tool = 0, extra = 0;
    for (uint64_t b = 0; b < blocks; ++b) {
      bool tool_used = free_blocks.count(b) == 0;
      bool ours = in_ranges(b);
      used_by_tool += tool_used;
      EXPECT_TRUE(!tool_used || ours) << "block " << b << " is used but not captured";
      extra += ours && !tool_used;
    }
    EXPECT_EQ(extra, 0u) << "blocks captured that dumpe2fs calls free";
    EXPECT_EQ(u.used_bytes(), used_by_tool * u.block_bytes);
    EXPECT_LT(u.used_bytes(), fs::file_size(img) / 4);  // the deleted 2 MiB are not in it

    // Only the used bytes on zeros: fsck passes and every file is intact.
    const fs::path copy = copy_used(img, u);
    EXPECT_EQ(run("e2fsck -fn " + copy.string()), 0);
    for (const char* f : {"/big.bin", "/etc/hostname", "/etc/deep/middle.bin"}) {
      EXPECT_EQ(
          output_of("debugfs -R 'cat " + std::string(f) + "' " + copy.string() + " 2>/dev/null"),
          file_bytes(dir_ / "tree" / std::string(f).substr(1)))
          << f;
    }
  }

  void check_fat(const std::string& fat_bits, const std::string& kib) {
    const fs::path img = dir_ / "fat.img";
    ASSERT_EQ(run("mkfs.fat -F " + fat_bits + " -i 1234ABCD -C " + img.string() + " " + kib), 0);
    ASSERT_EQ(run("mcopy -s -i " + img.string() + " " + (dir_ / "tree").string() + "/* ::/"), 0);
    ASSERT_EQ(run("mdel -i " + img.string() + " ::/doomed.bin"), 0);
    auto used = read_image(img);
    ASSERT_TRUE(used) << used.error().message;
    ASSERT_TRUE(used->has_value());
    const UsedBlocks& u = **used;
    EXPECT_EQ(u.filesystem, "vfat");
    EXPECT_EQ(u.uuid, "1234-ABCD");
    EXPECT_GE(u.used_bytes(), (3u << 20) + (200u << 10));
    EXPECT_LT(u.used_bytes(), (3u << 20) + (200u << 10) + (2u << 20));
    const fs::path copy = copy_used(img, u);
    EXPECT_EQ(run("fsck.fat -n " + copy.string()), 0);
    for (const char* f : {"big.bin", "etc/hostname", "etc/deep/middle.bin"}) {
      const fs::path out = dir_ / "out.bin";
      fs::remove(out);
      ASSERT_EQ(run("mcopy -n -i " + copy.string() + " ::/" + f + " " + out.string()), 0) << f;
      EXPECT_EQ(file_bytes(out), file_bytes(dir_ / "tree" / f)) << f;
    }
  }

  fs::path dir_;
};

TEST_F(FsUsedBlocksTest, Ext4WithFlexBgAndUninitialisedGroups) {
  check_ext("-t ext4 -b 4096", "ext4");
}
TEST_F(FsUsedBlocksTest, Ext4WithOneKiBBlocks) { check_ext("-t ext4 -b 1024", "ext4"); }
TEST_F(FsUsedBlocksTest, Ext2WithoutChecksums) { check_ext("-t ext2 -b 4096", "ext2"); }
TEST_F(FsUsedBlocksTest, Fat32) { check_fat("32", "300000"); }
TEST_F(FsUsedBlocksTest, Fat16) { check_fat("16", "64000"); }

TEST_F(FsUsedBlocksTest, AnExtFilesystemNeedingRecoveryIsLeftToARawCapture) {
  const fs::path img = dir_ / "ext.img";
  ASSERT_EQ(run("mke2fs -q -F -t ext4 " + img.string() + " 16M"), 0);
  // Set INCOMPAT_RECOVER (0x4) in s_feature_incompat (superblock offset 0x60).
  std::fstream f(img, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(1024 + 0x60);
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c | 0x4);
  f.seekp(1024 + 0x60);
  f.write(&c, 1);
  f.close();
  auto used = read_image(img);
  ASSERT_TRUE(used) << used.error().message;
  EXPECT_FALSE(used->has_value());
}

TEST_F(FsUsedBlocksTest, NoFilesystemAndFat12AreLeftToARawCapture) {
  const fs::path noise = dir_ / "noise.img";
  write_pattern(noise, 1 << 20, 9);
  auto none = read_image(noise);
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_FALSE(none->has_value());
  const fs::path fat12 = dir_ / "fat12.img";
  ASSERT_EQ(run("mkfs.fat -F 12 -C " + fat12.string() + " 1024"), 0);
  auto small = read_image(fat12);
  ASSERT_TRUE(small) << small.error().message;
  EXPECT_FALSE(small->has_value());
}

TEST_F(FsUsedBlocksTest, AFilesystemLargerThanItsPartitionIsAnError) {
  const fs::path img = dir_ / "ext.img";
  ASSERT_EQ(run("mke2fs -q -F -t ext4 " + img.string() + " 16M"), 0);
  fs::resize_file(img, 8 << 20);
  auto used = read_image(img);
  ASSERT_FALSE(used);
  EXPECT_NE(used.error().message.find("larger than its partition"), std::string::npos);
}

TEST(NormalizeRangesTest, SortsMergesAndDropsEmpty) {
  std::vector<ByteRange> r{{100, 10}, {0, 10}, {10, 5}, {50, 0}, {105, 20}, {200, 1}};
  normalize_ranges(r);
  EXPECT_EQ(r, (std::vector<ByteRange>{{0, 15}, {100, 25}, {200, 1}}));
}

}  // namespace
}  // namespace slipway::imaging::agent
