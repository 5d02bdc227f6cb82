#include "common/http_conditional.h"

#include <array>
#include <cstdio>

namespace slipway::http {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "W/\"x\"" and "\"x\"" compare equal weakly; only two strong tags compare equal strongly.
std::string_view opaque(std::string_view tag) {
  if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
  return tag;
}

bool is_weak(std::string_view tag) { return tag.substr(0, 2) == "W/"; }

bool etag_list_matches(std::string_view list, std::string_view etag) {
  list = trim(list);
  if (list == "*") return true;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view tag = trim(list.substr(0, comma));
    if (!tag.empty() && opaque(tag) == opaque(etag)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

std::optional<time_t> parse_with(const std::string& text, const char* format) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), format, &tm);
  if (!end || *end != '\0') return std::nullopt;
  return timegm(&tm);
}

}  // namespace

FileValidators file_validators(uint64_t size, int64_t mtime_ns) {
  char tag[64];
  std::snprintf(tag, sizeof tag, "\"%llx-%llx\"", static_cast<unsigned long long>(size),
                static_cast<unsigned long long>(mtime_ns));
  return {tag, static_cast<time_t>(mtime_ns / 1'000'000'000)};
}

std::string http_date(time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

std::optional<time_t> parse_http_date(std::string_view text) {
  text = trim(text);
  if (text.empty() || text.size() > 64) return std::nullopt;
  std::string s(text);
  // strptime's %a/%b take any case and %Z is not portable: the zone must be literally GMT.
  static constexpr std::array<const char*, 3> kFormats = {
      "%a, %d %b %Y %H:%M:%S GMT",  // IMF-fixdate
      "%A, %d-%b-%y %H:%M:%S GMT",  // RFC 850
      "%a %b %e %H:%M:%S %Y",       // asctime
  };
  for (const char* f : kFormats) {
    if (auto t = parse_with(s, f)) return t;
  }
  return std::nullopt;
}

bool not_modified(std::string_view if_none_match, std::string_view if_modified_since,
                  const FileValidators& file) {
  if (!trim(if_none_match).empty()) return etag_list_matches(if_none_match, file.etag);
  if (trim(if_modified_since).empty()) return false;
  auto since = parse_http_date(if_modified_since);
  return since && file.modified <= *since;
}

bool range_applies(std::string_view if_range, const FileValidators& file) {
  if_range = trim(if_range);
  if (if_range.empty()) return true;
  if (if_range.front() == '"' || is_weak(if_range)) {
    return !is_weak(if_range) && !is_weak(file.etag) && if_range == file.etag;
  }
  auto date = parse_http_date(if_range);
  return date && *date == file.modified;
}

}  // namespace slipway::http
