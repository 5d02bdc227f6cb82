#include "imaging/chunk_store.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "imaging/sha256.h"
#include "imaging/snapshot_manifest.h"

namespace slipway::imaging {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> bytes(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 31 + (i >> 9));
  return v;
}

std::vector<uint8_t> zstd(const std::vector<uint8_t>& plain) {
  std::vector<uint8_t> out(ZSTD_compressBound(plain.size()));
  out.resize(ZSTD_compress(out.data(), out.size(), plain.data(), plain.size(), 3));
  return out;
}

class ChunkStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("slipway-chunks-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(ChunkStoreTest, AChunkIsStoredOnceAndReadBackChecked) {
  ChunkStore store(root_);
  auto plain = bytes(1 << 20, 7);
  const std::string digest = sha256_hex(plain);
  auto first = store.put_compressed(digest, zstd(plain));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(first->added);
  EXPECT_EQ(first->stored_bytes, fs::file_size(store.path_of(digest)));
  EXPECT_EQ(store.path_of(digest), root_ / digest.substr(0, 2) / (digest + ".zst"));
  auto again = store.put_plain(plain);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(again->added);
  EXPECT_TRUE(store.has(digest));
  auto back = store.read_verified(digest);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, plain);
  auto listed = store.list();
  ASSERT_TRUE(listed);
  EXPECT_EQ(*listed, std::vector<std::string>{digest});
}

TEST_F(ChunkStoreTest, BadChunksAreRefusedAndNothingIsStored) {
  ChunkStore store(root_);
  auto plain = bytes(4096, 1);
  auto packed = zstd(plain);
  const std::string wrong = sha256_hex(bytes(4096, 2));
  auto mismatch = store.put_compressed(wrong, packed);
  ASSERT_FALSE(mismatch);
  EXPECT_NE(mismatch.error().message.find("its bytes have SHA-256 " + sha256_hex(plain)),
            std::string::npos);
  auto garbage = store.put_compressed(sha256_hex(plain), plain);
  ASSERT_FALSE(garbage);
  EXPECT_NE(garbage.error().message.find("not zstd"), std::string::npos) << garbage.error().message;
  auto cut = packed;
  cut.resize(cut.size() / 2);
  auto truncated = store.put_compressed(sha256_hex(plain), cut);
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error().message.find("cut short"), std::string::npos)
      << truncated.error().message;
  auto big = std::vector<uint8_t>(kMaxChunkBytes + 1, 0);
  auto oversized = store.put_compressed(sha256_hex(big), zstd(big));
  ASSERT_FALSE(oversized);
  EXPECT_NE(oversized.error().message.find("more than 4194304 bytes"), std::string::npos);
  EXPECT_FALSE(store.put_compressed("ABC", packed));
  auto listed = store.list();
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty());
}

TEST_F(ChunkStoreTest, AChunkDamagedOnDiskIsNamedWhenRead) {
  ChunkStore store(root_);
  auto plain = bytes(256 << 10, 3);
  auto put = store.put_plain(plain);
  ASSERT_TRUE(put);
  const std::string digest = sha256_hex(plain);
  // Flip one byte in the middle of the compressed file.
  {
    std::fstream f(store.path_of(digest), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(put->stored_bytes / 2));
    char c = 0;
    f.read(&c, 1);
    f.seekp(static_cast<std::streamoff>(put->stored_bytes / 2));
    c = static_cast<char>(c ^ 0x40);
    f.write(&c, 1);
  }
  auto back = store.read_verified(digest);
  ASSERT_FALSE(back);
  EXPECT_NE(back.error().message.find("chunk " + digest + " is damaged"), std::string::npos)
      << back.error().message;
  fs::remove(store.path_of(digest));
  auto gone = store.read_verified(digest);
  ASSERT_FALSE(gone);
  EXPECT_NE(gone.error().message.find("is missing"), std::string::npos);
}

TEST_F(ChunkStoreTest, CollectRemovesOnlyWhatIsNotInUse) {
  ChunkStore store(root_);
  std::vector<std::string> digests;
  for (uint8_t i = 0; i < 6; ++i) {
    auto plain = bytes(8192, i);
    ASSERT_TRUE(store.put_plain(plain));
    digests.push_back(sha256_hex(plain));
  }
  // A temporary file a crash left behind.
  fs::create_directories(root_ / "00");
  std::ofstream(root_ / "00" / ".tmp-leftover") << "x";
  std::set<std::string> used{digests[0], digests[2], digests[5]};
  auto gc = store.collect([&](const std::string& d) { return used.count(d) > 0; });
  ASSERT_TRUE(gc) << gc.error().message;
  EXPECT_EQ(gc->removed, 3u);
  EXPECT_EQ(gc->kept, 3u);
  for (size_t i = 0; i < digests.size(); ++i) {
    EXPECT_EQ(store.has(digests[i]), used.count(digests[i]) > 0) << i;
  }
  EXPECT_FALSE(fs::exists(root_ / "00" / ".tmp-leftover"));
}

}  // namespace
}  // namespace slipway::imaging
