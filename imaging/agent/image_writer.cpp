#include "imaging/agent/image_writer.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace slipway::imaging::agent {

ImageWriter::ImageWriter(int fd, bool zstd_compressed, bool block_device, uint64_t device_bytes)
    : stream_(zstd_compressed), fd_(fd), block_device_(block_device), device_bytes_(device_bytes) {
  pending_.reserve(kImageBlockBytes);
}

ImageWriter::~ImageWriter() = default;

Status ImageWriter::feed(std::span<const uint8_t> data) {
  return stream_.feed(data,
                      [this](std::span<const uint8_t> disk_bytes) { return put(disk_bytes); });
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
  if (auto s = stream_.check_complete(); !s) return s.error();
  if (auto s = flush_block(true); !s) return s.error();
  if (fsync(fd_) != 0 && errno != EINVAL) {
    return Error{std::string("fsync of the disk: ") + std::strerror(errno)};
  }
  return stream_.sha256_hex();
}

}  // namespace slipway::imaging::agent
