#pragma once
// SHA256SUMS files, as distributions publish them next to their images: what `sha256sum` writes
// (`HEX  name` for text mode, `HEX *name` for binary mode, a leading '\' when the name has
// escaped '\\' or '\n') and the BSD form `SHA256 (name) = HEX`. Blank lines and '#' comments are
// skipped; any other line that is not an entry is a bad line, counted but not fatal, as
// `sha256sum --check` does. Pure: the text comes in, no file or network access.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace slipway::imaging {

// A SHA256SUMS file larger than this is refused before it is parsed (a real one lists a few
// hundred files in a few KiB).
constexpr size_t kMaxSha256SumsBytes = 1024 * 1024;

struct Sha256SumsEntry {
  std::string sha256;  // 64 lower-case hex digits
  std::string name;    // as listed, unescaped (may hold folders: "./netboot/mini.iso")
  size_t line = 0;     // 1-based
  bool operator==(const Sha256SumsEntry&) const = default;
};

struct Sha256Sums {
  std::vector<Sha256SumsEntry> entries;
  std::vector<size_t> bad_lines;  // 1-based numbers of lines that are neither entries nor skipped
};

Sha256Sums parse_sha256sums(std::string_view text);

// The digest listed for the file called `file_name` (a base name: "debian-12.iso"). An entry
// matches when its name, or the last component of its name, equals file_name. An error when none
// does, or when entries for it disagree.
Result<std::string> sha256_for(const Sha256Sums& sums, std::string_view file_name);

}  // namespace slipway::imaging
