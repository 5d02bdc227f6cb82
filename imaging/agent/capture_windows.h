#pragma once
// How a captured region is cut into chunks: windows of kMaxChunkBytes at fixed offsets from the
// region's start (so the same content at the same place gives the same chunk in every snapshot
// of every machine), each with the byte ranges to read; the rest of a window is zeros. Windows
// with nothing to read are left out. Pure.

#include <cstdint>
#include <vector>

#include "imaging/agent/fs_used_blocks.h"

namespace slipway::imaging::agent {

struct CaptureWindow {
  uint64_t offset = 0;           // on the disk
  uint64_t length = 0;           // up to kMaxChunkBytes; shorter at the region's end
  std::vector<ByteRange> reads;  // disk offsets, inside the window; the rest is zeros
  bool operator==(const CaptureWindow&) const = default;
};

// `used`: sorted, merged ranges relative to the region's start (fs_used_blocks); a raw region
// passes one range covering all of it.
std::vector<CaptureWindow> capture_windows(uint64_t region_offset, uint64_t region_length,
                                           const std::vector<ByteRange>& used,
                                           uint64_t window_bytes);

}  // namespace slipway::imaging::agent
