#pragma once
// Restoring one captured disk onto a target disk, as plan_layout() mapped it:
//
//  1. the new partition table is worked out first (the plan's partitions at the snapshot's
//     positions, each partition's and the disk's GUID kept, the backup table at the end of the
//     TARGET disk); a table that cannot be written refuses before anything is written;
//  2. every chunk is fetched, decompressed (at most kMaxChunkBytes) and its SHA-256 checked
//     BEFORE it is written at its disk offset; the partition tables at both ends are wiped just
//     before the first write;
//  3. what no chunk covers is zeroed where it matters: all of a raw region, and in a
//     filesystem region the blocks its (restored) bitmaps call used (a used block of zeros was
//     never sent); free blocks are left alone;
//  4. the table is written last, with the captured MBR boot code (bytes 0..439 of the head) in
//     front of a correct protective MBR.
// A bad chunk (missing, not zstd, too long, wrong digest) stops the restore naming the chunk;
// its bytes are never written, and when writing had begun the partition tables are wiped again
// so that a half-restored disk does not boot.
//
// Pure apart from the injected target and chunk source: tests restore into image files.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "imaging/agent/disk_layout.h"
#include "imaging/agent/fs_used_blocks.h"
#include "imaging/snapshot_layout.h"
#include "imaging/snapshot_manifest.h"

namespace slipway::imaging::agent {

// The disk being restored (a block device in the agent, a file in tests).
struct RestoreTarget {
  uint64_t size_bytes = 0;
  ReadAt read;
  std::function<Status(uint64_t offset, std::span<const uint8_t> bytes)> write;
  std::function<Status(uint64_t offset, uint64_t length)> zero;
};

// A chunk as stored: one zstd frame (the appliance's GET /api/v1/agent/chunks/SHA).
using ChunkSource = std::function<Result<std::vector<uint8_t>>(const std::string& sha256)>;

// The chunk's plain bytes from `source`, checked against `ref` (length and SHA-256); the error
// names the chunk.
Result<std::vector<uint8_t>> fetch_chunk(const ChunkSource& source, const ChunkRef& ref);

// The partition table for `mapped` (plan_layout's entry for `disk`) on its target: refuses a
// disk GUID or partition GUID that does not parse (a partition the plan created must have been
// given one), and whatever encode_gpt() refuses.
Result<GptLayout> restored_table(const CapturedDisk& disk, const MappedDisk& mapped);

struct RestoreCounts {
  uint64_t chunk_bytes = 0;  // plain chunk bytes written
  uint64_t zeroed = 0;       // bytes zeroed where no chunk was
};

// Restores `disk` onto `target` (steps 1-4 above). `progress` gets the chunk bytes written so far.
Result<RestoreCounts> restore_disk(const CapturedDisk& disk, const MappedDisk& mapped,
                                   const ChunkSource& source, const RestoreTarget& target,
                                   const std::function<void(uint64_t)>& progress);

// The parts of [offset, offset + length) that no chunk covers (chunks sorted by offset).
std::vector<ByteRange> uncovered(const std::vector<ChunkRef>& chunks, ByteRange range);

}  // namespace slipway::imaging::agent
