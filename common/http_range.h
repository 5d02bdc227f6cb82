#pragma once
// Parsing of the HTTP Range request header (RFC 9110 section 14), for a single byte range.
// Pure: no I/O, no Beast.

#include <cstdint>
#include <string_view>

namespace slipway::http {

struct ByteRange {
  enum class Kind {
    kWhole,          // no Range header, an unsupported unit, or several ranges: send 200 + all
    kPartial,        // send 206 with [first, last]
    kUnsatisfiable,  // send 416 with Content-Range: bytes */size
  };
  Kind kind = Kind::kWhole;
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive
  uint64_t length() const { return last - first + 1; }
};

// `header` is the value of the Range header (may be empty); `size` the size of the file.
// Malformed headers are ignored (whole file), as the RFC allows.
ByteRange parse_range(std::string_view header, uint64_t size);

}  // namespace slipway::http
