#include "imaging/snapshot_archive.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/imaging/snapshot_fixture.h"

namespace slipway::imaging {
namespace {

namespace fs = std::filesystem;
using Kind = inventory::Refusal::Kind;
using testutil::content;

class SnapshotArchiveTest : public testutil::SnapshotLibraryTest {
 protected:
  fs::path file_ = dir_ / "out" / "web1-a.tar";
  SnapshotArchiveTest() { fs::create_directories(file_.parent_path()); }
};

// tar reads the export: the manifest first, then each distinct chunk once.
TEST_F(SnapshotArchiveTest, AnExportIsATarOfTheManifestAndEachChunkOnce) {
  ASSERT_TRUE(capture("web1-a", {content(1), content(2), content(1)}).ok());
  auto stats = export_snapshot(library_, "web1-a", file_);
  ASSERT_TRUE(stats.ok()) << stats.refusal().message;
  EXPECT_EQ(stats->chunks, 2u);
  EXPECT_EQ(stats->bytes, fs::file_size(file_));
  std::string listing;
  FILE* p = ::popen(("tar -tf " + file_.string()).c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[256];
  while (fgets(buf, sizeof buf, p)) listing += buf;
  EXPECT_EQ(::pclose(p), 0);
  EXPECT_EQ(listing, "manifest.json\nchunks/" + sha256_hex(content(1)) + ".zst\nchunks/" +
                         sha256_hex(content(2)) + ".zst\n");
  EXPECT_FALSE(fs::exists(file_.string() + ".tmp"));
}

TEST_F(SnapshotArchiveTest, ExportedThenDeletedThenImportedIsTheSameSnapshot) {
  ASSERT_TRUE(capture("web1-a", {content(1), content(2)}).ok());
  auto before = library_.manifest("web1-a");
  ASSERT_TRUE(export_snapshot(library_, "web1-a", file_).ok());
  ASSERT_TRUE(library_.remove("web1-a").ok());
  EXPECT_TRUE(library_.chunks().list()->empty());

  uint64_t last = 0;
  auto back = import_snapshot(library_, file_, "", [&](uint64_t done, uint64_t) { last = done; });
  ASSERT_TRUE(back.ok()) << back.refusal().message;
  EXPECT_EQ(back->name, "web1-a");
  EXPECT_EQ(back->state, SnapshotState::kComplete);
  EXPECT_EQ(back->machine, "web1");
  EXPECT_EQ(last, 2u);
  EXPECT_EQ(encode_manifest(*library_.manifest("web1-a")), encode_manifest(*before));
  EXPECT_TRUE(library_.verify("web1-a")->bad.empty());

  auto renamed = import_snapshot(library_, file_, "web1-copy");
  ASSERT_TRUE(renamed.ok()) << renamed.refusal().message;
  EXPECT_EQ(renamed->new_bytes, 0u);  // every chunk was there already
  auto again = import_snapshot(library_, file_, "");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.refusal().kind, Kind::kConflict);
}

// A chunk whose bytes do not match its name: refused, and nothing of the import is left.
TEST_F(SnapshotArchiveTest, ADamagedExportIsRefusedAndLeavesNothing) {
  ASSERT_TRUE(capture("web1-a", {content(1), content(2)}).ok());
  ASSERT_TRUE(export_snapshot(library_, "web1-a", file_).ok());
  ASSERT_TRUE(library_.remove("web1-a").ok());
  // Swap the two chunks' contents: both names now hold the other's (valid zstd) bytes.
  fs::path unpacked = dir_ / "unpacked";
  fs::create_directories(unpacked);
  ASSERT_EQ(std::system(("tar -xf " + file_.string() + " -C " + unpacked.string()).c_str()), 0);
  fs::path a = unpacked / "chunks" / (sha256_hex(content(1)) + ".zst");
  fs::path b = unpacked / "chunks" / (sha256_hex(content(2)) + ".zst");
  fs::rename(a, unpacked / "swap");
  fs::rename(b, a);
  fs::rename(unpacked / "swap", b);
  ASSERT_EQ(std::system(
                ("tar -cf " + file_.string() + " -C " + unpacked.string() + " manifest.json chunks")
                    .c_str()),
            0);
  auto r = import_snapshot(library_, file_, "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.refusal().kind, Kind::kInvalid);
  EXPECT_NE(r.refusal().message.find(sha256_hex(content(1))), std::string::npos)
      << r.refusal().message;
  EXPECT_FALSE(library_.find("web1-a"));
  EXPECT_TRUE(library_.chunks().list()->empty());
}

TEST_F(SnapshotArchiveTest, AFileThatIsNoExportIsRefusedByName) {
  std::ofstream(file_) << "not a tar";
  auto r = import_snapshot(library_, file_, "");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.refusal().message.find(file_.string()), std::string::npos);
  EXPECT_TRUE(library_.list().empty());
  auto missing = export_snapshot(library_, "nope", file_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.refusal().kind, Kind::kNotFound);
}

}  // namespace
}  // namespace slipway::imaging
