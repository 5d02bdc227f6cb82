#pragma once
// ImageWriter: writes a disk image that arrives in pieces (from the network) onto a disk.
//
// It hashes what arrives (SHA-256 of the bytes as stored in the library, compressed ones for
// raw.zst), decompresses zstd when asked, and writes the disk in 1 MiB blocks from offset 0.
// All-zero blocks are not sent over the bus: on a block device they become BLKZEROOUT (the
// device zeroes the range, QEMU with write-zeroes punches a hole), elsewhere explicit zeros.
// An image larger than the disk is refused before anything past the end is written.
//
// Not thread-safe; one image per writer. The fd stays the caller's.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "imaging/agent/stored_stream.h"

namespace slipway::imaging::agent {

class ImageWriter {
 public:
  // `device_bytes`: the disk's size; `block_device`: BLKZEROOUT may be used.
  ImageWriter(int fd, bool zstd_compressed, bool block_device, uint64_t device_bytes);
  ~ImageWriter();
  ImageWriter(const ImageWriter&) = delete;
  ImageWriter& operator=(const ImageWriter&) = delete;

  Status feed(std::span<const uint8_t> data);
  // Writes what is buffered, checks that a zstd stream ended, fsyncs. Returns the SHA-256 (hex)
  // of everything fed.
  Result<std::string> finish();

  uint64_t received() const { return stream_.received(); }
  uint64_t written() const { return offset_ + pending_.size(); }  // disk bytes produced
  uint64_t zeroed() const { return zeroed_; }                     // of which zero ranges

 private:
  Status put(std::span<const uint8_t> disk_bytes);
  Status flush_block(bool last);

  StoredStream stream_;
  int fd_;
  bool block_device_;
  uint64_t device_bytes_;
  uint64_t offset_ = 0;  // disk offset of pending_'s first byte
  uint64_t zeroed_ = 0;
  std::vector<uint8_t> pending_;
};

inline constexpr size_t kImageBlockBytes = 1 << 20;

}  // namespace slipway::imaging::agent
