#include "common/http_range.h"

#include <charconv>
#include <optional>

namespace slipway::http {
namespace {

std::optional<uint64_t> parse_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [next, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || next != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

ByteRange parse_range(std::string_view header, uint64_t size) {
  ByteRange whole;
  header = trim(header);
  constexpr std::string_view kUnit = "bytes=";
  if (header.substr(0, kUnit.size()) != kUnit) return whole;
  std::string_view spec = trim(header.substr(kUnit.size()));
  if (spec.find(',') != std::string_view::npos) return whole;
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return whole;
  std::string_view first_text = trim(spec.substr(0, dash));
  std::string_view last_text = trim(spec.substr(dash + 1));

  ByteRange r;
  r.kind = ByteRange::Kind::kPartial;
  if (first_text.empty()) {
    // Suffix range: the last N bytes.
    auto n = parse_number(last_text);
    if (!n) return whole;
    if (*n == 0 || size == 0) return {ByteRange::Kind::kUnsatisfiable, 0, 0};
    uint64_t take = *n < size ? *n : size;
    r.first = size - take;
    r.last = size - 1;
    return r;
  }
  auto first = parse_number(first_text);
  if (!first) return whole;
  std::optional<uint64_t> last;
  if (!last_text.empty()) {
    last = parse_number(last_text);
    if (!last || *last < *first) return whole;
  }
  if (*first >= size) return {ByteRange::Kind::kUnsatisfiable, 0, 0};
  r.first = *first;
  r.last = (!last || *last >= size) ? size - 1 : *last;
  return r;
}

}  // namespace slipway::http
