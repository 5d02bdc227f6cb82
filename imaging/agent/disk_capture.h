#pragma once
// Capturing one disk for a snapshot: its GPT read into a DiskLayout, its regions ("head" before
// the first partition, raw; each partition by its filesystem's used blocks, or raw when the
// filesystem is none fs_used_blocks.h reads), cut into chunk windows (capture_windows.h), each
// window read, hashed (SHA-256 of the plain bytes) and, when the sink lacks it, compressed
// (zstd level 3) and handed over. A disk without a GPT is one raw region.
//
// Pure apart from the injected reads and sink: tests capture image files into a map.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "imaging/agent/capture_windows.h"
#include "imaging/agent/fs_used_blocks.h"
#include "imaging/snapshot_manifest.h"

namespace slipway::imaging::agent {

// Where captured chunks go: the appliance (capture.cpp), a map in tests.
class ChunkSink {
 public:
  virtual ~ChunkSink() = default;
  // Of `sha256` (distinct digests, at most kMaxMissingBatch), the ones the sink lacks.
  virtual Result<std::vector<std::string>> missing(const std::vector<std::string>& sha256) = 0;
  // Stores one chunk: the digest of its plain bytes, the bytes as one zstd frame.
  virtual Status put(const std::string& sha256, std::span<const uint8_t> zstd_frame) = 0;
};

inline constexpr size_t kMaxMissingBatch = 1024;  // the appliance's limit per question
inline constexpr int kChunkZstdLevel = 3;

struct DiskCapture {
  CapturedDisk disk;                   // layout, GUID, regions; chunks filled by capture_chunks
  std::vector<CaptureWindow> windows;  // of every region, by offset
  uint64_t bytes_to_read = 0;          // what the windows read (progress total)
  bool mbr_boot_code = false;          // LBA 0's boot code area is not all zeros
};

// Reads the disk's layout and decides what to read. `window_bytes`: the appliance's chunk size
// (1..kMaxChunkBytes). Fails only when the disk cannot be read; a damaged GPT or filesystem
// means a raw capture of what it covers.
Result<DiskCapture> plan_disk_capture(const ReadAt& read, const std::string& name,
                                      uint64_t size_bytes, uint64_t window_bytes);

// Reads every window (`batch` of them at a time are held in memory), leaves out all-zero ones,
// asks the sink which are missing and puts those; fills capture.disk.chunks (by offset).
// `progress` gets the bytes read so far on this disk.
Status capture_chunks(const ReadAt& read, DiskCapture& capture, ChunkSink& sink,
                      const std::function<void(uint64_t)>& progress, size_t batch = 16);

// What boots the captured machine: "grub-bios" when a disk has a BIOS boot partition or MBR boot
// code, "grub-efi" when one has an EFI system partition, both joined with "+", else "none".
std::string detect_boot_loader(std::span<const DiskCapture> disks);

// The chunk's plain bytes as one zstd frame.
Result<std::vector<uint8_t>> compress_chunk(std::span<const uint8_t> plain);

}  // namespace slipway::imaging::agent
