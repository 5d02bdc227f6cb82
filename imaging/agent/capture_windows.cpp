#include "imaging/agent/capture_windows.h"

#include <algorithm>

namespace slipway::imaging::agent {

std::vector<CaptureWindow> capture_windows(uint64_t region_offset, uint64_t region_length,
                                           const std::vector<ByteRange>& used,
                                           uint64_t window_bytes) {
  std::vector<CaptureWindow> out;
  if (window_bytes == 0) return out;
  for (const auto& r : used) {
    uint64_t begin = std::min(r.offset, region_length);
    const uint64_t end = std::min(r.offset + r.length, region_length);
    while (begin < end) {
      const uint64_t window = begin / window_bytes * window_bytes;
      const uint64_t window_end = std::min(window + window_bytes, region_length);
      const uint64_t piece_end = std::min(end, window_end);
      if (out.empty() || out.back().offset != region_offset + window) {
        out.push_back({region_offset + window, window_end - window, {}});
      }
      out.back().reads.push_back({region_offset + begin, piece_end - begin});
      begin = piece_end;
    }
  }
  return out;
}

}  // namespace slipway::imaging::agent
