#pragma once
// What the snapshot library's tests share: chunk contents, a one-disk manifest over them, and a
// library on a temporary SQLite file with the agent's side of a capture.

#include <gtest/gtest.h>
#include <zstd.h>

#include <algorithm>
#include <vector>

#include "imaging/sha256.h"
#include "imaging/snapshot_library.h"
#include "tests/common/test_dir.h"

namespace slipway::imaging::testutil {

using inventory::Outcome;

inline std::vector<uint8_t> content(uint8_t seed, size_t n = 64 << 10) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed * 37 + i * 13 + (i >> 7));
  return v;
}

inline std::vector<uint8_t> zstd(const std::vector<uint8_t>& plain) {
  std::vector<uint8_t> out(ZSTD_compressBound(plain.size()));
  out.resize(ZSTD_compress(out.data(), out.size(), plain.data(), plain.size(), 3));
  return out;
}

// A one-disk manifest whose chunks hold `chunks` at consecutive 64 KiB offsets.
inline SnapshotManifest manifest_of(const std::vector<std::vector<uint8_t>>& chunks) {
  SnapshotManifest m;
  m.machine = "web1";
  m.firmware = "bios";
  CapturedDisk d;
  d.layout = {"vda", 64 << 20, false, {}};
  d.regions = {{"disk", 0, 64 << 20, "raw", "", "", 64 << 20}};
  for (size_t i = 0; i < chunks.size(); ++i) {
    d.chunks.push_back(
        {i * (64 << 10), static_cast<uint32_t>(chunks[i].size()), sha256_hex(chunks[i])});
  }
  m.disks.push_back(d);
  return m;
}

class SnapshotLibraryTest : public ::testing::Test {
 protected:
  SnapshotLibraryTest() : db_(dir_ / "slipway.db"), library_(db_, dir_.path(), clock_) {}

  // The agent's side of a capture: ask which chunks are missing, send those, complete.
  Outcome<SnapshotRecord> capture(const std::string& name,
                                  const std::vector<std::vector<uint8_t>>& chunks,
                                  size_t* sent = nullptr) {
    auto begun = library_.begin(name, "web1", "deployed");
    if (!begun) return begun.refusal();
    std::vector<std::string> digests;
    for (const auto& c : chunks) digests.push_back(sha256_hex(c));
    auto missing = library_.pin(begun->name, digests);
    if (!missing) return missing.refusal();
    for (const auto& c : chunks) {
      if (std::find(missing->begin(), missing->end(), sha256_hex(c)) == missing->end()) continue;
      auto put = library_.add_chunk(begun->name, sha256_hex(c), zstd(c));
      if (!put) return put.refusal();
      if (sent) ++*sent;
    }
    return library_.complete(begun->name, manifest_of(chunks));
  }

  slipway::testutil::TestDir dir_;
  ManualClock clock_;
  sqlite::Database db_;
  SnapshotLibrary library_;
};

}  // namespace slipway::imaging::testutil
