#include "imaging/agent/stored_stream.h"

#include <new>

namespace slipway::imaging::agent {

StoredStream::StoredStream(bool zstd_compressed) {
  if (!zstd_compressed) return;
  zstd_ = ZSTD_createDStream();
  if (zstd_ == nullptr) throw std::bad_alloc();
  ZSTD_initDStream(zstd_);
  out_.resize(ZSTD_DStreamOutSize());
}

StoredStream::~StoredStream() {
  if (zstd_) ZSTD_freeDStream(zstd_);
}

Status StoredStream::feed(std::span<const uint8_t> data, const Sink& sink) {
  const uint64_t first = received_;
  received_ += data.size();
  sha_.update(data);
  if (!zstd_) return sink(data);
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  while (in.pos < in.size) {
    ZSTD_outBuffer out{out_.data(), out_.size(), 0};
    size_t r = ZSTD_decompressStream(zstd_, &out, &in);
    if (ZSTD_isError(r)) {
      return Error{std::string("zstd: ") + ZSTD_getErrorName(r) + " at byte " +
                   std::to_string(first + in.pos) + " of the image"};
    }
    zstd_hint_ = r;
    if (out.pos > 0) {
      if (auto s = sink({out_.data(), out.pos}); !s) return s;
    }
  }
  return {};
}

Status StoredStream::check_complete() const {
  if (zstd_ && zstd_hint_ != 0) {
    return Error{"the zstd stream ends in the middle of a frame: the image is truncated"};
  }
  return {};
}

}  // namespace slipway::imaging::agent
