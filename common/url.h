#pragma once
// URL pieces that HTTP handlers need: percent-decoding and query strings.

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace slipway::url {

// Decodes %XX escapes (and '+' as space when `plus_is_space`). nullopt on a malformed escape or
// a NUL byte, encoded or not.
std::optional<std::string> decode(std::string_view text, bool plus_is_space = false);

// Encodes everything but unreserved characters (RFC 3986 section 2.3).
std::string encode(std::string_view text);

// "a=1&b=x%20y" -> {a: "1", b: "x y"}. A key given twice keeps its last value. nullopt on a
// malformed escape.
std::optional<std::map<std::string, std::string>> parse_query(std::string_view query);

// The host of an absolute URL: "http://name:8080/x" -> "name", "https://[fe80::1]/" ->
// "fe80::1"; empty when `url` has no "scheme://".
std::string host_of(std::string_view url);

}  // namespace slipway::url
