#include "common/file_range_body.h"

#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <cerrno>

namespace slipway::http {

boost::optional<std::pair<FileRangeBody::writer::const_buffers_type, bool>>
FileRangeBody::writer::get(boost::beast::error_code& ec) {
  uint64_t left = body_.length - sent_;
  if (left == 0) {
    ec = {};
    return boost::none;
  }
  if (!buffer_) buffer_ = std::make_unique_for_overwrite<char[]>(kChunk);
  size_t want = left < kChunk ? static_cast<size_t>(left) : kChunk;
  ssize_t n;
  do {
    n = ::pread(body_.file->get(), buffer_.get(), want, static_cast<off_t>(body_.offset + sent_));
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    ec = boost::beast::error_code(errno, boost::system::generic_category());
    return boost::none;
  }
  if (n == 0) {
    // The file shrank under us: fail the response rather than send short content.
    ec = boost::beast::http::error::short_read;
    return boost::none;
  }
  sent_ += static_cast<uint64_t>(n);
  ec = {};
  return std::make_pair(boost::asio::const_buffer(buffer_.get(), static_cast<size_t>(n)),
                        sent_ < body_.length);
}

}  // namespace slipway::http
