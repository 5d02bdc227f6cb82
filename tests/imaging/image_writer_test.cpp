#include "imaging/agent/image_writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zstd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace slipway::imaging::agent {
namespace {

namespace fs = std::filesystem;

// sha256sum's answer for a file, from the real tool.
std::string sha256sum(const fs::path& file) {
  std::string out;
  FILE* p = popen(("sha256sum " + file.string()).c_str(), "r");
  char buf[128];
  size_t n = fread(buf, 1, sizeof buf, p);
  out.assign(buf, n);
  pclose(p);
  return out.substr(0, 64);
}

class ImageWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("slipway-iw-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    // 3.5 MiB: random data, a zero MiB in the middle, random again, a partial last block.
    std::mt19937 rng(7);
    image_.resize((7u << 20) / 2);
    for (auto& b : image_) b = static_cast<uint8_t>(rng());
    std::fill(image_.begin() + (1 << 20), image_.begin() + (2 << 20), 0);
    std::ofstream(dir_ / "image.raw", std::ios::binary)
        .write(reinterpret_cast<const char*>(image_.data()), static_cast<long>(image_.size()));
  }
  void TearDown() override { fs::remove_all(dir_); }

  int open_disk(uint64_t size) {
    fs::path disk = dir_ / "disk";
    int fd = ::open(disk.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    EXPECT_EQ(::ftruncate(fd, static_cast<off_t>(size)), 0);
    // Garbage where the image has zeros: the writer must overwrite it.
    std::vector<uint8_t> junk(size, 0xAA);
    EXPECT_EQ(::pwrite(fd, junk.data(), junk.size(), 0), static_cast<ssize_t>(junk.size()));
    return fd;
  }

  std::vector<uint8_t> disk_bytes(size_t len) {
    std::ifstream in(dir_ / "disk", std::ios::binary);
    std::vector<uint8_t> out(len);
    in.read(reinterpret_cast<char*>(out.data()), static_cast<long>(len));
    return out;
  }

  // Feeds `data` in uneven pieces, as a network would.
  static Status feed_all(ImageWriter& w, const std::vector<uint8_t>& data) {
    size_t at = 0, step = 1;
    while (at < data.size()) {
      size_t n = std::min(data.size() - at, step);
      if (auto s = w.feed({data.data() + at, n}); !s) return s;
      at += n;
      step = step * 3 % 200003 + 1;
    }
    return {};
  }

  fs::path dir_;
  std::vector<uint8_t> image_;
};

TEST_F(ImageWriterTest, RawImageLandsOnDiskWithItsDigest) {
  int fd = open_disk(8 << 20);
  ImageWriter w(fd, false, false, 8 << 20);
  ASSERT_TRUE(feed_all(w, image_));
  auto digest = w.finish();
  ASSERT_TRUE(digest) << digest.error().message;
  EXPECT_EQ(*digest, sha256sum(dir_ / "image.raw"));
  EXPECT_EQ(disk_bytes(image_.size()), image_);
  EXPECT_EQ(w.received(), image_.size());
  EXPECT_EQ(w.written(), image_.size());
  ::close(fd);
}

TEST_F(ImageWriterTest, ZstdImageIsDecompressedAndHashedAsStored) {
  std::vector<uint8_t> packed(ZSTD_compressBound(image_.size()));
  packed.resize(ZSTD_compress(packed.data(), packed.size(), image_.data(), image_.size(), 3));
  std::ofstream(dir_ / "image.raw.zst", std::ios::binary)
      .write(reinterpret_cast<const char*>(packed.data()), static_cast<long>(packed.size()));
  int fd = open_disk(8 << 20);
  ImageWriter w(fd, true, false, 8 << 20);
  ASSERT_TRUE(feed_all(w, packed));
  auto digest = w.finish();
  ASSERT_TRUE(digest) << digest.error().message;
  EXPECT_EQ(*digest, sha256sum(dir_ / "image.raw.zst"));
  EXPECT_EQ(disk_bytes(image_.size()), image_);
  ::close(fd);
}

TEST_F(ImageWriterTest, TruncatedZstdStreamIsRefused) {
  std::vector<uint8_t> packed(ZSTD_compressBound(image_.size()));
  packed.resize(ZSTD_compress(packed.data(), packed.size(), image_.data(), image_.size(), 3));
  packed.resize(packed.size() / 2);
  int fd = open_disk(8 << 20);
  ImageWriter w(fd, true, false, 8 << 20);
  ASSERT_TRUE(feed_all(w, packed));
  auto digest = w.finish();
  ASSERT_FALSE(digest);
  EXPECT_NE(digest.error().message.find("truncated"), std::string::npos);
  ::close(fd);
}

TEST_F(ImageWriterTest, ImageLargerThanTheDiskIsRefusedBeforeWritingPastIt) {
  int fd = open_disk(2 << 20);
  ImageWriter w(fd, false, false, 2 << 20);
  Status s = feed_all(w, image_);
  if (s) s = w.finish().ok() ? Status{} : Status(Error{"finish"});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("larger than the disk"), std::string::npos) << s.error().message;
  EXPECT_EQ(fs::file_size(dir_ / "disk"), 2u << 20);
  ::close(fd);
}

TEST_F(ImageWriterTest, GarbageIsNotZstd) {
  int fd = open_disk(8 << 20);
  ImageWriter w(fd, true, false, 8 << 20);
  auto s = w.feed({image_.data(), 4096});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("zstd"), std::string::npos);
  ::close(fd);
}

}  // namespace
}  // namespace slipway::imaging::agent
