#include "imaging/sha256sums.h"

#include <optional>

#include "imaging/sha256.h"

namespace slipway::imaging {
namespace {

// GNU coreutils escapes '\\' and '\n' in names and marks such lines with a leading '\'.
std::optional<std::string> unescape(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '\\') {
      out.push_back(name[i]);
      continue;
    }
    if (++i == name.size()) return std::nullopt;
    if (name[i] == '\\') {
      out.push_back('\\');
    } else if (name[i] == 'n') {
      out.push_back('\n');
    } else {
      return std::nullopt;
    }
  }
  return out;
}

// `HEX  name`, `HEX *name` (and, leniently, `HEX name`).
std::optional<Sha256SumsEntry> gnu_entry(std::string_view line) {
  bool escaped = line.starts_with('\\');
  if (escaped) line.remove_prefix(1);
  if (line.size() < 66 || line[64] != ' ') return std::nullopt;
  auto digest = parse_sha256(line.substr(0, 64));
  if (!digest) return std::nullopt;
  std::string_view name = line.substr(65);
  if (name.starts_with(' ') || name.starts_with('*')) name.remove_prefix(1);
  if (name.empty()) return std::nullopt;
  std::optional<std::string> text = escaped ? unescape(name) : std::string(name);
  if (!text) return std::nullopt;
  return Sha256SumsEntry{*digest, *text, 0};
}

// `SHA256 (name) = HEX`.
std::optional<Sha256SumsEntry> bsd_entry(std::string_view line) {
  constexpr std::string_view kPrefix = "SHA256 (";
  constexpr std::string_view kSeparator = ") = ";
  if (!line.starts_with(kPrefix)) return std::nullopt;
  line.remove_prefix(kPrefix.size());
  size_t end = line.rfind(kSeparator);
  if (end == std::string_view::npos || end == 0) return std::nullopt;
  auto digest = parse_sha256(line.substr(end + kSeparator.size()));
  if (!digest) return std::nullopt;
  return Sha256SumsEntry{*digest, std::string(line.substr(0, end)), 0};
}

std::string_view base_name(std::string_view name) {
  size_t slash = name.rfind('/');
  return slash == std::string_view::npos ? name : name.substr(slash + 1);
}

}  // namespace

Sha256Sums parse_sha256sums(std::string_view text) {
  Sha256Sums sums;
  size_t number = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++number;
    if (line.ends_with('\r')) line.remove_suffix(1);
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    auto entry = gnu_entry(line);
    if (!entry) entry = bsd_entry(line);
    if (!entry) {
      sums.bad_lines.push_back(number);
      continue;
    }
    entry->line = number;
    sums.entries.push_back(std::move(*entry));
  }
  return sums;
}

Result<std::string> sha256_for(const Sha256Sums& sums, std::string_view file_name) {
  const Sha256SumsEntry* found = nullptr;
  for (const auto& e : sums.entries) {
    if (e.name != file_name && base_name(e.name) != file_name) continue;
    if (found && found->sha256 != e.sha256) {
      return Error{"the SHA256SUMS file lists '" + std::string(file_name) +
                   "' twice with different digests (lines " + std::to_string(found->line) +
                   " and " + std::to_string(e.line) + ")"};
    }
    found = &e;
  }
  if (!found) {
    return Error{"the SHA256SUMS file has no entry for '" + std::string(file_name) + "' (" +
                 std::to_string(sums.entries.size()) + " entries)"};
  }
  return found->sha256;
}

}  // namespace slipway::imaging
