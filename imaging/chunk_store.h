#pragma once
// ChunkStore: snapshot chunks on the appliance, content-addressed by the SHA-256 of their plain
// bytes and kept zstd-compressed as `ROOT/ab/<sha256>.zst` (the first two hex digits fan out the
// folder).
//
// A chunk is checked before it is stored (decompressed within kMaxChunkBytes, its digest
// compared), written to a temporary file, fsynced, renamed into place and its folder fsynced: a
// crash leaves either the whole chunk or none. Storing a chunk that is already there changes
// nothing (dedup). Reads check the digest again, so a chunk damaged on disk is found, named and
// never handed out as good.
//
// Which chunks are in use is the caller's knowledge (the snapshot records); collect() removes
// the others. Thread-safe for distinct chunks; the caller keeps collect() apart from puts.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace slipway::imaging {

struct ChunkPut {
  uint64_t stored_bytes = 0;  // the compressed file's size
  bool added = false;         // false: it was there already
};

struct ChunkCollect {
  uint64_t removed = 0;
  uint64_t removed_bytes = 0;
  uint64_t kept = 0;
};

class ChunkStore {
 public:
  explicit ChunkStore(std::filesystem::path root);

  // Checks and stores a chunk that arrives zstd-compressed. Refuses a malformed digest, bytes
  // that are not zstd, more than kMaxChunkBytes once decompressed, or a digest mismatch.
  Result<ChunkPut> put_compressed(const std::string& sha256, std::span<const uint8_t> zstd_bytes);
  // Compresses and stores plain bytes (imports, tests).
  Result<ChunkPut> put_plain(std::span<const uint8_t> plain, int level = 3);

  bool has(const std::string& sha256) const;
  std::filesystem::path path_of(const std::string& sha256) const;
  // The stored (compressed) bytes as they are on disk, unchecked; for sending on.
  Result<std::vector<uint8_t>> read_stored(const std::string& sha256) const;
  // The plain bytes after checking them: an error names the chunk and what is wrong (missing,
  // not zstd, too large, digest).
  Result<std::vector<uint8_t>> read_verified(const std::string& sha256) const;
  // Every chunk's digest, in no order.
  Result<std::vector<std::string>> list() const;
  // Removes every chunk for which `in_use` says false (and leftover temporary files).
  Result<ChunkCollect> collect(const std::function<bool(const std::string&)>& in_use);

  const std::filesystem::path& root() const { return root_; }

 private:
  Result<ChunkPut> store(const std::string& sha256, std::span<const uint8_t> zstd_bytes);

  std::filesystem::path root_;
};

// Decompresses one chunk, at most kMaxChunkBytes of output.
Result<std::vector<uint8_t>> decompress_chunk(std::span<const uint8_t> zstd_bytes);

}  // namespace slipway::imaging
