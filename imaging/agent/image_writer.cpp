#include "imaging/agent/image_writer.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <openssl/evp.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/hex.h"

namespace slipway::imaging::agent {

struct ImageWriter::Impl {
  EVP_MD_CTX* sha = nullptr;
  ZSTD_DStream* zstd = nullptr;
  size_t zstd_hint = 1;  // ZSTD_decompressStream's return: 0 when a frame just ended
  std::vector<uint8_t> out;
  ~Impl() {
    if (sha) EVP_MD_CTX_free(sha);
    if (zstd) ZSTD_freeDStream(zstd);
  }
};

ImageWriter::ImageWriter(int fd, bool zstd_compressed, bool block_device, uint64_t device_bytes)
    : impl_(std::make_unique<Impl>()),
      fd_(fd),
      block_device_(block_device),
      device_bytes_(device_bytes) {
  impl_->sha = EVP_MD_CTX_new();
  EVP_DigestInit_ex(impl_->sha, EVP_sha256(), nullptr);
  if (zstd_compressed) {
    impl_->zstd = ZSTD_createDStream();
    ZSTD_initDStream(impl_->zstd);
    impl_->out.resize(ZSTD_DStreamOutSize());
  }
  pending_.reserve(kImageBlockBytes);
}

ImageWriter::~ImageWriter() = default;

Status ImageWriter::feed(std::span<const uint8_t> data) {
  received_ += data.size();
  EVP_DigestUpdate(impl_->sha, data.data(), data.size());
  if (!impl_->zstd) return put(data);
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  while (in.pos < in.size) {
    ZSTD_outBuffer out{impl_->out.data(), impl_->out.size(), 0};
    size_t r = ZSTD_decompressStream(impl_->zstd, &out, &in);
    if (ZSTD_isError(r)) {
      return Error{std::string("zstd: ") + ZSTD_getErrorName(r) + " at byte " +
                   std::to_string(received_ - data.size() + in.pos) + " of the image"};
    }
    impl_->zstd_hint = r;
    if (auto s = put({impl_->out.data(), out.pos}); !s) return s;
  }
  return {};
}

Status ImageWriter::put(std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    size_t take = std::min(bytes.size(), kImageBlockBytes - pending_.size());
    pending_.insert(pending_.end(), bytes.begin(), bytes.begin() + take);
    bytes = bytes.subspan(take);
    if (pending_.size() == kImageBlockBytes) {
      if (auto s = flush_block(false); !s) return s;
    }
  }
  return {};
}

Status ImageWriter::flush_block(bool /*last*/) {
  if (pending_.empty()) return {};
  if (offset_ + pending_.size() > device_bytes_) {
    return Error{"the image is larger than the disk (" + std::to_string(device_bytes_) +
                 " bytes): it goes on past byte " + std::to_string(offset_ + pending_.size())};
  }
  const bool zero = std::all_of(pending_.begin(), pending_.end(), [](uint8_t b) { return !b; });
  bool done = false;
  if (zero && block_device_) {
    uint64_t range[2] = {offset_, pending_.size()};
    if (ioctl(fd_, BLKZEROOUT, range) == 0) {
      done = true;
      zeroed_ += pending_.size();
    }
  }
  size_t at = 0;
  while (!done && at < pending_.size()) {
    ssize_t n =
        pwrite(fd_, pending_.data() + at, pending_.size() - at, static_cast<off_t>(offset_ + at));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Error{"writing the disk at byte " + std::to_string(offset_ + at) + ": " +
                   (n < 0 ? std::strerror(errno) : "no progress")};
    }
    at += static_cast<size_t>(n);
  }
  offset_ += pending_.size();
  pending_.clear();
  return {};
}

Result<std::string> ImageWriter::finish() {
  if (impl_->zstd && impl_->zstd_hint != 0) {
    return Error{"the zstd stream ends in the middle of a frame: the image is truncated"};
  }
  if (auto s = flush_block(true); !s) return s.error();
  if (fsync(fd_) != 0 && errno != EINVAL) {
    return Error{std::string("fsync of the disk: ") + std::strerror(errno)};
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->sha, digest, &len);
  return hex::encode(std::span<const uint8_t>(digest, len));
}

}  // namespace slipway::imaging::agent
