#include "tftp/negotiation.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <string>
#include <string_view>

namespace slipway::tftp {

namespace {

// Plain decimal only: no sign, no spaces, no hex. Values past uint64_t are not numbers here.
std::optional<uint64_t> parse_decimal(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  if (!std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Each handler returns the value to echo in the OACK, or nullopt to ignore the option.
using Handler = std::optional<std::string> (*)(uint64_t value, uint64_t file_size,
                                               const NegotiationLimits& limits, Negotiated& out);

std::optional<std::string> blksize(uint64_t v, uint64_t, const NegotiationLimits& limits,
                                   Negotiated& out) {
  if (v < kMinBlockSize) return std::nullopt;
  out.blksize = static_cast<uint16_t>(std::min<uint64_t>(v, limits.max_blksize));
  return std::to_string(out.blksize);
}

std::optional<std::string> tsize(uint64_t v, uint64_t file_size, const NegotiationLimits&,
                                 Negotiated&) {
  if (v != 0) return std::nullopt;  // a read request asks with 0 (RFC 2349)
  // An empty file's size is left out: curl (7.88) refuses "tsize 0" in an OACK, and the RFC
  // lets the server omit the option.
  if (file_size == 0) return std::nullopt;
  return std::to_string(file_size);
}

std::optional<std::string> timeout(uint64_t v, uint64_t, const NegotiationLimits&,
                                   Negotiated& out) {
  if (v < 1 || v > 255) return std::nullopt;
  out.timeout_seconds = static_cast<uint8_t>(v);
  return std::to_string(v);
}

std::optional<std::string> windowsize(uint64_t v, uint64_t, const NegotiationLimits& limits,
                                      Negotiated& out) {
  if (v < 1 || v > 65535) return std::nullopt;
  out.windowsize = static_cast<uint16_t>(std::min<uint64_t>(v, limits.max_windowsize));
  return std::to_string(out.windowsize);
}

struct Known {
  std::string_view name;
  Handler handler;
};
constexpr std::array<Known, 4> kKnown{{
    {"blksize", &blksize},
    {"tsize", &tsize},
    {"timeout", &timeout},
    {"windowsize", &windowsize},
}};

}  // namespace

Negotiated negotiate(std::span<const Option> requested, uint64_t file_size,
                     const NegotiationLimits& limits) {
  Negotiated out;
  std::array<bool, kKnown.size()> seen{};
  for (const Option& option : requested) {
    auto known = std::find_if(kKnown.begin(), kKnown.end(),
                              [&](const Known& k) { return k.name == option.name; });
    if (known == kKnown.end()) continue;
    auto index = static_cast<size_t>(known - kKnown.begin());
    // Only the first occurrence counts, whether or not it was acceptable.
    if (seen[index]) continue;
    seen[index] = true;
    auto value = parse_decimal(option.value);
    if (!value) continue;
    if (auto echo = known->handler(*value, file_size, limits, out)) {
      out.oack.push_back(Option{option.name, std::move(*echo)});
    }
  }
  return out;
}

}  // namespace slipway::tftp
