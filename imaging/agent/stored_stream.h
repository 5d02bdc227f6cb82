#pragma once
// StoredStream: an image as it arrives from the appliance, in pieces. It hashes the bytes as the
// library stores them (compressed ones for .zst) and undoes zstd when the image is compressed,
// handing the decoded bytes on. Shared by the raw image writer and the tarball deploy.
//
// Not thread-safe; one image per stream.

#include <zstd.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "imaging/sha256.h"

namespace slipway::imaging::agent {

class StoredStream {
 public:
  using Sink = std::function<Status(std::span<const uint8_t>)>;

  explicit StoredStream(bool zstd_compressed);
  ~StoredStream();
  StoredStream(const StoredStream&) = delete;
  StoredStream& operator=(const StoredStream&) = delete;

  // Hashes `data` and gives what it decodes to `sink` (in one or more calls); stops at the first
  // error of the sink or of zstd (which names the byte of the image where it failed).
  Status feed(std::span<const uint8_t> data, const Sink& sink);
  // An error when a zstd stream stopped in the middle of a frame: the image is truncated.
  Status check_complete() const;
  // The SHA-256 (hex) of everything fed. REQUIRES: called once, after the last feed.
  std::string sha256_hex() { return sha_.hex_final(); }

  uint64_t received() const { return received_; }

 private:
  Sha256 sha_;
  ZSTD_DStream* zstd_ = nullptr;
  size_t zstd_hint_ = 1;  // ZSTD_decompressStream's return: 0 when a frame just ended
  std::vector<uint8_t> out_;
  uint64_t received_ = 0;
};

}  // namespace slipway::imaging::agent
