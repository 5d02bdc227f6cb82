#pragma once
// FileRangeBody: a Beast body that streams a byte range of an open file with pread(), so one
// file descriptor can serve a Range request without seeking shared state.

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>
#include <cstdint>
#include <memory>
#include <utility>

#include "common/unique_fd.h"

namespace slipway::http {

struct FileRangeBody {
  struct value_type {
    std::shared_ptr<UniqueFd> file;
    uint64_t offset = 0;
    uint64_t length = 0;
  };

  static uint64_t size(const value_type& body) { return body.length; }

  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;
    static constexpr size_t kChunk = 64 * 1024;

    template <bool isRequest, class Fields>
    writer(const boost::beast::http::header<isRequest, Fields>&, const value_type& body)
        : body_(body) {}

    // The buffer comes with the first get(): the plain-TCP server sends the body with
    // sendfile() and never asks, so it never pays for one.
    void init(boost::beast::error_code& ec) {
      sent_ = 0;
      ec = {};
    }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec);

   private:
    const value_type& body_;
    std::unique_ptr<char[]> buffer_;
    uint64_t sent_ = 0;
  };
};

}  // namespace slipway::http
