#include "imaging/snapshot_library.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <fstream>

#include "imaging/sha256.h"
#include "tests/common/test_dir.h"
#include "tests/imaging/snapshot_fixture.h"

namespace slipway::imaging {
namespace {

namespace fs = std::filesystem;
using Kind = inventory::Refusal::Kind;
using inventory::Outcome;
using testutil::content;
using testutil::manifest_of;
using testutil::SnapshotLibraryTest;
using testutil::zstd;

TEST_F(SnapshotLibraryTest, ACaptureRecordsSizesAndAContainerTarReads) {
  auto done = capture("web1-a", {content(1), content(2), content(1)});
  ASSERT_TRUE(done.ok()) << done.refusal().message;
  EXPECT_EQ(done->state, SnapshotState::kComplete);
  EXPECT_EQ(done->machine, "web1");
  EXPECT_EQ(done->previous_state, "deployed");
  EXPECT_EQ(done->logical_bytes, 3u * (64 << 10));
  EXPECT_EQ(done->chunk_count, 3u);
  EXPECT_EQ(done->stored_bytes, done->new_bytes);  // two distinct chunks, both new
  EXPECT_EQ(done->stored_bytes,
            fs::file_size(library_.chunks().path_of(sha256_hex(content(1)))) +
                fs::file_size(library_.chunks().path_of(sha256_hex(content(2)))));
  // The container is a tar that tar itself reads.
  const fs::path tar = library_.container_path("web1-a");
  const std::string cmd =
      "tar -xOf " + tar.string() + " manifest.json > " + (dir_.path() / "m.json").string();
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream in(dir_.path() / "m.json");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto parsed = parse_manifest(text);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->name, "web1-a");
  EXPECT_EQ(parsed->disks[0].chunks,
            manifest_of({content(1), content(2), content(1)}).disks[0].chunks);
  auto back = library_.manifest("web1-a");
  ASSERT_TRUE(back.ok()) << back.refusal().message;
  EXPECT_EQ(to_json(*back), to_json(*parsed));
}

TEST_F(SnapshotLibraryTest, ASecondSnapshotSendsAndStoresOnlyWhatChanged) {
  size_t first_sent = 0, second_sent = 0;
  auto first = capture("a", {content(1), content(2), content(3), content(4)}, &first_sent);
  ASSERT_TRUE(first.ok());
  auto second = capture("b", {content(1), content(2), content(9), content(4)}, &second_sent);
  ASSERT_TRUE(second.ok()) << second.refusal().message;
  EXPECT_EQ(first_sent, 4u);
  EXPECT_EQ(second_sent, 1u);
  EXPECT_EQ(second->logical_bytes, first->logical_bytes);
  EXPECT_EQ(second->new_bytes, fs::file_size(library_.chunks().path_of(sha256_hex(content(9)))));
  EXPECT_LT(second->new_bytes * 3, first->new_bytes);
}

TEST_F(SnapshotLibraryTest, CompleteRefusesAManifestWithAChunkNeverSent) {
  auto begun = library_.begin("a", "web1", "deployed");
  ASSERT_TRUE(begun.ok());
  ASSERT_TRUE(library_.add_chunk("a", sha256_hex(content(1)), zstd(content(1))).ok());
  auto done = library_.complete("a", manifest_of({content(1), content(2)}));
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.refusal().kind, Kind::kConflict);
  EXPECT_NE(done.refusal().message.find("chunk " + sha256_hex(content(2)) + " was never sent"),
            std::string::npos);
  EXPECT_EQ(library_.find("a")->state, SnapshotState::kCapturing);
  EXPECT_FALSE(fs::exists(library_.container_path("a")));
}

TEST_F(SnapshotLibraryTest, AnInterruptedCaptureResumesWithWhatItSent) {
  auto begun = library_.begin("first-name", "web1", "deployed");
  ASSERT_TRUE(begun.ok());
  ASSERT_TRUE(library_.add_chunk("first-name", sha256_hex(content(1)), zstd(content(1))).ok());
  // The machine rebooted; the capture starts again under another requested name.
  auto again = library_.begin("second-name", "web1", "deployed");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->name, "first-name");
  auto missing = library_.pin("first-name", {sha256_hex(content(1)), sha256_hex(content(2))});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(*missing, std::vector<std::string>{sha256_hex(content(2))});
}

TEST_F(SnapshotLibraryTest, RemovingASnapshotKeepsEveryChunkAnotherUses) {
  ASSERT_TRUE(capture("a", {content(1), content(2)}).ok());
  ASSERT_TRUE(capture("b", {content(2), content(3)}).ok());
  // A capture in progress pins content(4) and content(1).
  ASSERT_TRUE(library_.begin("c", "web2", "deployed").ok());
  ASSERT_TRUE(library_.add_chunk("c", sha256_hex(content(4)), zstd(content(4))).ok());
  auto pinned = library_.pin("c", {sha256_hex(content(1))});
  ASSERT_TRUE(pinned.ok());
  EXPECT_TRUE(pinned->empty());
  auto gone = library_.remove("a");
  ASSERT_TRUE(gone.ok()) << gone.refusal().message;
  EXPECT_EQ(gone->removed, 0u);  // content(1) is pinned by c, content(2) used by b
  auto gone_b = library_.remove("b");
  ASSERT_TRUE(gone_b.ok());
  EXPECT_EQ(gone_b->removed, 2u);  // content(2) and content(3)
  EXPECT_TRUE(library_.chunks().has(sha256_hex(content(1))));
  EXPECT_TRUE(library_.chunks().has(sha256_hex(content(4))));
  EXPECT_FALSE(library_.chunks().has(sha256_hex(content(2))));
  EXPECT_FALSE(fs::exists(library_.container_path("b")));
  EXPECT_EQ(library_.remove("b").refusal().kind, Kind::kNotFound);
}

TEST_F(SnapshotLibraryTest, VerifyNamesADamagedChunk) {
  ASSERT_TRUE(capture("a", {content(1), content(2)}).ok());
  auto clean = library_.verify("a");
  ASSERT_TRUE(clean.ok());
  EXPECT_EQ(clean->checked, 2u);
  EXPECT_TRUE(clean->bad.empty());
  const fs::path victim = library_.chunks().path_of(sha256_hex(content(2)));
  {
    std::fstream f(victim, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(victim) / 2));
    f.put('\x5a');
  }
  uint64_t last_progress = 0;
  auto dirty = library_.verify("a", [&](uint64_t done, uint64_t) { last_progress = done; });
  ASSERT_TRUE(dirty.ok());
  ASSERT_EQ(dirty->bad.size(), 1u);
  EXPECT_NE(dirty->bad[0].find("chunk " + sha256_hex(content(2)) + " is damaged"),
            std::string::npos)
      << dirty->bad[0];
  EXPECT_EQ(last_progress, 2u);
}

TEST_F(SnapshotLibraryTest, NamesAndStatesAreChecked) {
  EXPECT_EQ(library_.begin("Bad Name", "web1", "ready").refusal().kind, Kind::kInvalid);
  ASSERT_TRUE(capture("a", {content(1)}).ok());
  EXPECT_EQ(library_.begin("a", "web2", "ready").refusal().kind, Kind::kConflict);
  EXPECT_EQ(library_.add_chunk("a", sha256_hex(content(5)), zstd(content(5))).refusal().kind,
            Kind::kConflict);  // complete: no more chunks
  EXPECT_EQ(library_.pin("nope", {}).refusal().kind, Kind::kNotFound);
  ASSERT_TRUE(library_.begin("b", "web2", "ready").ok());
  EXPECT_EQ(library_.add_chunk("b", sha256_hex(content(5)), zstd(content(6))).refusal().kind,
            Kind::kInvalid);
  auto failed = library_.fail("b", "the disk vanished");
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->state, SnapshotState::kFailed);
  EXPECT_EQ(failed->error, "the disk vanished");
  EXPECT_EQ(library_.manifest("b").refusal().kind, Kind::kConflict);
}

TEST_F(SnapshotLibraryTest, RecordsSurviveReopening) {
  ASSERT_TRUE(capture("a", {content(1), content(2)}).ok());
  auto before = library_.list();
  sqlite::Database db2(dir_ / "slipway.db");
  SnapshotLibrary reopened(db2, dir_.path(), clock_);
  EXPECT_EQ(reopened.list(), before);
  auto clean = reopened.verify("a");
  ASSERT_TRUE(clean.ok());
  EXPECT_TRUE(clean->bad.empty());
}

// A restore under way is remembered per machine, survives a restart, and keeps its snapshot.
TEST_F(SnapshotLibraryTest, ARestoreUnderWayIsRecordedAndHoldsItsSnapshot) {
  ASSERT_TRUE(capture("web1-a", {content(1)}).ok());
  auto started = library_.start_restore("web1-a", 7);
  ASSERT_TRUE(started.ok()) << started.refusal().message;
  {
    SnapshotLibrary reopened(db_, dir_.path(), clock_);
    ASSERT_TRUE(reopened.restore_for(7));
    EXPECT_EQ(reopened.restore_for(7)->name, "web1-a");
  }
  EXPECT_FALSE(library_.restore_for(8));
  auto refused = library_.remove("web1-a");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.refusal().kind, Kind::kConflict);
  EXPECT_TRUE(library_.chunks().has(sha256_hex(content(1))));
  ASSERT_TRUE(library_.end_restore(7));
  EXPECT_FALSE(library_.restore_for(7));
  EXPECT_TRUE(library_.remove("web1-a").ok());
  EXPECT_EQ(library_.start_restore("web1-a", 7).refusal().kind, Kind::kNotFound);
}

}  // namespace
}  // namespace slipway::imaging
