#pragma once
// Which bytes of a filesystem are in use, read from its own allocation maps, so a snapshot
// captures only those (free blocks come back as zeros on restore).
//
//   - ext2/3/4: the block bitmap of every group; a group whose bitmap was never initialised
//     (BLOCK_UNINIT) counts its superblock backup, descriptor blocks and any group's bitmaps and
//     inode table that live in it, as the kernel does. A filesystem that needs journal recovery,
//     or uses meta_bg, is not read this way (nullopt: capture it raw), since its bitmap may not
//     tell the whole truth.
//   - FAT16 and FAT32: the reserved sectors, the FATs, the FAT16 root folder, and every cluster
//     whose FAT entry is not free. FAT12 is left to a raw capture.
//
// Pure: the filesystem is read through a callback (a partition of a disk, a file in tests).

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace slipway::imaging::agent {

struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;
  bool operator==(const ByteRange&) const = default;
};

struct UsedBlocks {
  std::string filesystem;  // "ext4" (ext2/3/4 alike: "ext2", "ext3", "ext4"), "vfat"
  std::string uuid;        // ext: the filesystem UUID; FAT: the volume id "ABCD-EF01"
  uint64_t block_bytes = 0;
  std::vector<ByteRange> ranges;  // sorted, merged, inside the filesystem
  uint64_t used_bytes() const;
};

// Reads `out.size()` bytes at `offset` of the filesystem; an error when it cannot.
using ReadAt = std::function<Status(uint64_t offset, std::span<uint8_t> out)>;

// The used ranges of the filesystem on `size_bytes` bytes, nullopt when it is none this reads
// (or one it must not trust, see above), an error when reading fails or the maps are
// inconsistent with the size.
Result<std::optional<UsedBlocks>> used_blocks(const ReadAt& read, uint64_t size_bytes);

// Sorts `ranges` and merges the ones that overlap or touch; empty ones go.
void normalize_ranges(std::vector<ByteRange>& ranges);

}  // namespace slipway::imaging::agent
