#include "common/confined_path.h"

#include <system_error>

namespace slipway {

ConfinedRoot::ConfinedRoot(const std::filesystem::path& root)
    : root_(std::filesystem::canonical(root)) {}

Result<std::filesystem::path> ConfinedRoot::resolve(std::string_view requested) const {
  if (requested.empty()) return Error{"empty path"};
  if (requested.size() > kMaxPathLength) return Error{"path too long"};
  if (requested.find('\0') != std::string_view::npos) return Error{"NUL byte in path"};
  if (requested.find('\\') != std::string_view::npos) return Error{"backslash in path"};

  std::filesystem::path relative;
  size_t pos = 0;
  while (pos <= requested.size()) {
    size_t slash = requested.find('/', pos);
    if (slash == std::string_view::npos) slash = requested.size();
    std::string_view part = requested.substr(pos, slash - pos);
    if (part == "..") return Error{"'..' in path"};
    if (!part.empty() && part != ".") relative /= std::string(part);
    pos = slash + 1;
  }
  if (relative.empty()) return Error{"path names the root folder"};

  std::error_code ec;
  auto resolved = std::filesystem::canonical(root_ / relative, ec);
  if (ec) return Error{"no such file"};
  // Component-wise prefix check: "/srv/assets-other" must not pass for root "/srv/assets".
  auto r = root_.begin();
  auto p = resolved.begin();
  for (; r != root_.end(); ++r, ++p) {
    if (p == resolved.end() || *p != *r) return Error{"path leaves the root folder"};
  }
  if (!std::filesystem::is_regular_file(resolved, ec) || ec) return Error{"not a regular file"};
  return resolved;
}

}  // namespace slipway
