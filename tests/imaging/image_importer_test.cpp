#include "imaging/image_importer.h"

#include <gtest/gtest.h>

#include <fstream>

#include "imaging/sha256.h"
#include "tests/common/test_dir.h"
#include "tests/imaging/iso_builder.h"

namespace slipway::imaging {
namespace {

namespace fs = std::filesystem;

class ImporterTest : public ::testing::Test {
 protected:
  ImporterTest() {
    fs::create_directories(dir_ / "tmp");
    fs::create_directories(dir_ / "partial");
    disk_ = std::string(4096, '\0');
    disk_[510] = '\x55';
    disk_[511] = '\xaa';
    std::ofstream(dir_ / "disk.raw", std::ios::binary) << disk_;
  }

  Result<NewImage> import(ImportRequest r) {
    return run_import(r, ImportPaths{dir_ / "tmp", dir_ / "partial", "job1"}, FetchOptions{},
                      nullptr, [this](const std::string& n) { notes_.push_back(n); });
  }

  size_t files_in_tmp() const {
    return static_cast<size_t>(std::distance(fs::directory_iterator(dir_ / "tmp"), {}));
  }

  testutil::TestDir dir_;
  std::string disk_;
  std::vector<std::string> notes_;
};

TEST_F(ImporterTest, VerifiedFileImport) {
  std::string digest = sha256_hex(std::string_view(disk_));
  auto image = import({(dir_ / "disk.raw").string(), "disk", digest, std::nullopt});
  ASSERT_TRUE(image.ok()) << image.error().message;
  EXPECT_TRUE(image->verified);
  EXPECT_EQ(image->sha256, digest);
  EXPECT_EQ(image->size, disk_.size());
  EXPECT_EQ(image->format, ImageFormat::kRaw);
  EXPECT_EQ(image->file.parent_path(), dir_ / "tmp");
  EXPECT_EQ(*sha256_file(image->file), digest);
  EXPECT_TRUE(fs::exists(dir_ / "disk.raw")) << "the source file is left alone";
}

TEST_F(ImporterTest, UnverifiedImportSaysSo) {
  auto image = import({(dir_ / "disk.raw").string(), "disk", std::nullopt, std::nullopt});
  ASSERT_TRUE(image.ok());
  EXPECT_FALSE(image->verified);
  EXPECT_EQ(image->sha256, sha256_hex(std::string_view(disk_)));
  ASSERT_EQ(notes_.size(), 1u);
  EXPECT_NE(notes_[0].find("unverified"), std::string::npos);
}

TEST_F(ImporterTest, MismatchIsRefusedAndDiscarded) {
  auto image = import({(dir_ / "disk.raw").string(), "disk", std::string(64, 'a'), std::nullopt});
  ASSERT_FALSE(image.ok());
  EXPECT_NE(image.error().message.find("SHA-256 mismatch: expected aaaa"), std::string::npos);
  EXPECT_EQ(files_in_tmp(), 0u);
}

TEST_F(ImporterTest, DigestFromASha256SumsFile) {
  std::ofstream(dir_ / "SHA256SUMS") << "# sums\n"
                                     << std::string(64, 'b') << "  other.raw\n"
                                     << sha256_hex(std::string_view(disk_)) << " *disk.raw\n";
  auto image =
      import({(dir_ / "disk.raw").string(), "disk", std::nullopt, (dir_ / "SHA256SUMS").string()});
  ASSERT_TRUE(image.ok()) << image.error().message;
  EXPECT_TRUE(image->verified);

  std::ofstream(dir_ / "OTHERSUMS") << std::string(64, 'b') << "  other.raw\n";
  auto missing =
      import({(dir_ / "disk.raw").string(), "disk", std::nullopt, (dir_ / "OTHERSUMS").string()});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("no entry for 'disk.raw'"), std::string::npos);
}

TEST_F(ImporterTest, UnsupportedFormatIsRefusedAndDiscarded) {
  std::ofstream(dir_ / "notes.txt") << "just text, not a disk";
  auto image = import({(dir_ / "notes.txt").string(), "notes", std::nullopt, std::nullopt});
  ASSERT_FALSE(image.ok());
  EXPECT_NE(image.error().message.find("not an image"), std::string::npos);
  EXPECT_EQ(files_in_tmp(), 0u);
}

TEST_F(ImporterTest, IsoIsExtractedWithItsBootFiles) {
  ASSERT_TRUE(
      testutil::make_iso(dir_ / "ubuntu.iso", {{"casper/vmlinuz", "K"}, {"casper/initrd", "I"}}));
  auto image = import({(dir_ / "ubuntu.iso").string(), "ubuntu", std::nullopt, std::nullopt});
  ASSERT_TRUE(image.ok()) << image.error().message;
  EXPECT_EQ(image->format, ImageFormat::kIso);
  ASSERT_TRUE(image->tree);
  EXPECT_TRUE(fs::exists(*image->tree / "casper/vmlinuz"));
  EXPECT_EQ(image->kernel, "casper/vmlinuz");
  EXPECT_EQ(image->initrd, "casper/initrd");
}

TEST_F(ImporterTest, MissingFileIsAnError) {
  auto image = import({(dir_ / "nope.raw").string(), "nope", std::nullopt, std::nullopt});
  ASSERT_FALSE(image.ok());
  EXPECT_NE(image.error().message.find("nope.raw"), std::string::npos);
}

TEST(ImportNames, FromTheSource) {
  EXPECT_EQ(source_file_name("http://h/a/disk.raw.zst?sig=1#x"), "disk.raw.zst");
  EXPECT_EQ(source_file_name("https://h/my%20disk.img"), "my disk.img");
  EXPECT_EQ(source_file_name("/srv/images/debian-12.iso"), "debian-12.iso");
  EXPECT_EQ(default_image_name("http://h/Debian-12.5.0-amd64-netinst.iso"),
            "debian-12.5.0-amd64-netinst");
  EXPECT_EQ(default_image_name("/srv/rootfs.tar.zst"), "rootfs");
  EXPECT_EQ(default_image_name("https://h/my%20disk.raw.zst"), "my-disk");
  EXPECT_EQ(default_image_name("http://h/"), "");
  EXPECT_EQ(partial_path("/p", "http://a/x"), partial_path("/p", "http://a/x"));
  EXPECT_NE(partial_path("/p", "http://a/x"), partial_path("/p", "http://a/y"));
}

}  // namespace
}  // namespace slipway::imaging
