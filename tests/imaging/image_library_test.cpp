#include "imaging/image_library.h"

#include <gtest/gtest.h>

#include <fstream>

#include "imaging/sha256.h"
#include "tests/common/test_dir.h"

namespace slipway::imaging {
namespace {

namespace fs = std::filesystem;
using Kind = inventory::Refusal::Kind;

class ImageLibraryTest : public ::testing::Test {
 protected:
  ImageLibraryTest() : db_(dir_ / "slipway.db"), library_(db_, dir_.path(), clock_) {}

  // A file in tmp/ as an importer leaves it.
  NewImage staged(const std::string& name, const std::string& content) {
    fs::path file = library_.tmp_dir() / (name + ".content");
    std::ofstream(file, std::ios::binary) << content;
    NewImage image;
    image.name = name;
    image.sha256 = sha256_hex(std::string_view(content));
    image.size = content.size();
    image.format = ImageFormat::kRaw;
    image.source = "http://198.18.0.1/" + name + ".raw";
    image.verified = true;
    image.file = file;
    return image;
  }

  testutil::TestDir dir_;
  ManualClock clock_;
  sqlite::Database db_;
  ImageLibrary library_;
};

TEST_F(ImageLibraryTest, StoresContentByDigest) {
  NewImage image = staged("debian-12", "disk one");
  auto added = library_.add(image);
  ASSERT_TRUE(added.ok()) << added.refusal().message;
  EXPECT_EQ(added->name, "debian-12");
  EXPECT_EQ(added->sha256, sha256_hex(std::string_view("disk one")));
  EXPECT_EQ(added->imported_at, clock_.now());
  EXPECT_TRUE(added->verified);
  fs::path stored = dir_.path() / "images" / "sha256" / added->sha256;
  EXPECT_EQ(library_.content_path(added->sha256), stored);
  EXPECT_TRUE(fs::is_regular_file(stored));
  EXPECT_FALSE(fs::exists(image.file));  // moved, not copied
  EXPECT_EQ(*sha256_file(stored), added->sha256);
  EXPECT_EQ(image_url_path(*added), "/images/sha256/" + added->sha256);
}

TEST_F(ImageLibraryTest, FindsByNameOrDigest) {
  auto added = library_.add(staged("web", "web disk"));
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(library_.find("web"), *added);
  EXPECT_EQ(library_.find(added->sha256), *added);
  EXPECT_EQ(library_.find("sha256:" + added->sha256), *added);
  EXPECT_FALSE(library_.find("db"));
  EXPECT_FALSE(library_.find(std::string(64, '0')));
  EXPECT_FALSE(library_.find(""));
}

TEST_F(ImageLibraryTest, NamesAreUniqueAndValidated) {
  ASSERT_TRUE(library_.add(staged("web", "a")).ok());
  auto again = library_.add(staged("web", "b"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.refusal().kind, Kind::kConflict);
  EXPECT_NE(again.refusal().message.find("'web' is taken"), std::string::npos);
  EXPECT_EQ(library_.list().size(), 1u);

  for (const std::string& bad :
       std::vector<std::string>{"", "Web", "-web", "web/1", "web 1", "jobs", std::string(64, 'a'),
                                std::string(64, 'x')}) {
    EXPECT_TRUE(invalid_image_name(bad)) << bad;
  }
  for (const std::string& good :
       std::vector<std::string>{"debian-12", "ubuntu_24.04", "a", std::string(63, 'x')}) {
    EXPECT_FALSE(invalid_image_name(good)) << good;
  }
  auto refused = library_.add(staged("Bad Name", "c"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.refusal().kind, Kind::kInvalid);
}

TEST_F(ImageLibraryTest, RemoveKeepsContentAnotherNameShares) {
  auto one = library_.add(staged("one", "same bytes"));
  auto two = library_.add(staged("two", "same bytes"));
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_EQ(one->sha256, two->sha256);
  fs::path stored = library_.content_path(one->sha256);

  auto removed = library_.remove("one");
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->name, "one");
  EXPECT_TRUE(fs::exists(stored)) << "'two' still names this content";
  EXPECT_EQ(library_.find(one->sha256)->name, "two");

  ASSERT_TRUE(library_.remove("two").ok());
  EXPECT_FALSE(fs::exists(stored));
  EXPECT_TRUE(library_.list().empty());

  auto unknown = library_.remove("two");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.refusal().kind, Kind::kNotFound);
  EXPECT_NE(unknown.refusal().message.find("no image 'two'"), std::string::npos);
}

TEST_F(ImageLibraryTest, IsoTreeMovesWithItsContent) {
  NewImage iso = staged("installer", "iso bytes");
  iso.format = ImageFormat::kIso;
  fs::path tree = library_.tmp_dir() / "installer.tree";
  fs::create_directories(tree / "install.amd");
  std::ofstream(tree / "install.amd" / "vmlinuz") << "kernel";
  iso.tree = tree;
  iso.kernel = "install.amd/vmlinuz";
  iso.initrd = "install.amd/initrd.gz";
  auto added = library_.add(iso);
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added->format, ImageFormat::kIso);
  EXPECT_EQ(added->kernel, "install.amd/vmlinuz");
  EXPECT_TRUE(fs::exists(library_.tree_path(added->sha256) / "install.amd" / "vmlinuz"));
  EXPECT_EQ(tree_url_path(*added, *added->kernel),
            "/images/trees/" + added->sha256 + "/install.amd/vmlinuz");
  ASSERT_TRUE(library_.remove("installer").ok());
  EXPECT_FALSE(fs::exists(library_.tree_path(added->sha256)));
}

TEST_F(ImageLibraryTest, RecordsSurviveReopeningAndOrphansAreRemoved) {
  auto kept = library_.add(staged("kept", "kept bytes"));
  ASSERT_TRUE(kept.ok());
  std::string orphan = sha256_hex(std::string_view("orphan"));
  std::ofstream(library_.content_path(orphan)) << "orphan";
  std::ofstream(library_.tmp_dir() / "leftover") << "x";
  std::ofstream(library_.partial_dir() / "some-url") << "half";

  ImageLibrary reopened(db_, dir_.path(), clock_);
  EXPECT_EQ(reopened.find("kept"), *kept);
  EXPECT_TRUE(fs::exists(reopened.content_path(kept->sha256)));
  EXPECT_FALSE(fs::exists(reopened.content_path(orphan)));
  EXPECT_FALSE(fs::exists(reopened.tmp_dir() / "leftover"));
  EXPECT_TRUE(fs::exists(reopened.partial_dir() / "some-url")) << "partials are kept to resume";
}

}  // namespace
}  // namespace slipway::imaging
