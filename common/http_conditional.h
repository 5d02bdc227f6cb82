#pragma once
// Validators and conditional requests for files (RFC 9110 sections 8.8, 13): the ETag and
// Last-Modified a file is served with, and what If-None-Match, If-Modified-Since and If-Range
// make of them. Pure: no I/O, no Beast.

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace slipway::http {

struct FileValidators {
  std::string etag;     // strong, quoted: "<size hex>-<mtime ns hex>"
  time_t modified = 0;  // Last-Modified, whole seconds
};

// The validators of a file of `size` bytes last modified at `mtime_ns` (ns since the epoch).
FileValidators file_validators(uint64_t size, int64_t mtime_ns);

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT").
std::string http_date(time_t t);
// Parses IMF-fixdate, and the obsolete RFC 850 and asctime forms recipients must accept;
// nullopt for anything else.
std::optional<time_t> parse_http_date(std::string_view text);

// True when a GET or HEAD with these headers (empty: absent) gets 304 Not Modified.
// If-None-Match wins when present (weak comparison, "*" matches any file); If-Modified-Since
// counts only without it, and only when it parses.
bool not_modified(std::string_view if_none_match, std::string_view if_modified_since,
                  const FileValidators& file);

// True when a Range request with this If-Range value (empty: absent) is to be honoured: no
// If-Range, the same strong ETag, or exactly the file's Last-Modified date. Otherwise the whole
// file is sent with 200.
bool range_applies(std::string_view if_range, const FileValidators& file);

}  // namespace slipway::http
