#pragma once
// ByteWriter: appends network-order fields to a growable buffer.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace slipway {

class ByteWriter {
 public:
  ByteWriter() = default;
  explicit ByteWriter(size_t reserve) { buf_.reserve(reserve); }

  void u8(uint8_t v) { buf_.push_back(v); }
  void u16(uint16_t v) {
    buf_.push_back(static_cast<uint8_t>(v >> 8));
    buf_.push_back(static_cast<uint8_t>(v));
  }
  void u32(uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) buf_.push_back(static_cast<uint8_t>(v >> shift));
  }
  void bytes(std::span<const uint8_t> data) { buf_.insert(buf_.end(), data.begin(), data.end()); }
  void text(std::string_view s) { buf_.insert(buf_.end(), s.begin(), s.end()); }
  void fill(size_t n, uint8_t v) { buf_.insert(buf_.end(), n, v); }
  // Writes exactly n bytes: data truncated or zero-padded to fit a fixed-width field.
  void fixed(std::span<const uint8_t> data, size_t n) {
    size_t take = data.size() < n ? data.size() : n;
    bytes(data.first(take));
    fill(n - take, 0);
  }

  size_t size() const { return buf_.size(); }
  const std::vector<uint8_t>& data() const { return buf_; }
  std::vector<uint8_t> take() { return std::move(buf_); }

 private:
  std::vector<uint8_t> buf_;
};

}  // namespace slipway
