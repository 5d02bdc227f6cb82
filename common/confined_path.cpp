#include "common/confined_path.h"

#include <system_error>

namespace slipway {

ConfinedRoot::ConfinedRoot(const std::filesystem::path& root)
    : root_(std::filesystem::canonical(root)) {}

Result<std::filesystem::path> ConfinedRoot::resolve(std::string_view requested) const {
  Lookup found = lookup(requested);
  if (found.refusal != Refusal::kNone) return Error{found.reason};
  return found.path;
}

ConfinedRoot::Lookup ConfinedRoot::lookup(std::string_view requested) const {
  auto refuse = [](Refusal kind, std::string reason) {
    return Lookup{{}, kind, std::move(reason)};
  };
  if (requested.empty()) return refuse(Refusal::kMalformed, "empty path");
  if (requested.size() > kMaxPathLength) return refuse(Refusal::kMalformed, "path too long");
  if (requested.find('\0') != std::string_view::npos) {
    return refuse(Refusal::kMalformed, "NUL byte in path");
  }
  if (requested.find('\\') != std::string_view::npos) {
    return refuse(Refusal::kMalformed, "backslash in path");
  }

  std::filesystem::path relative;
  size_t pos = 0;
  while (pos <= requested.size()) {
    size_t slash = requested.find('/', pos);
    if (slash == std::string_view::npos) slash = requested.size();
    std::string_view part = requested.substr(pos, slash - pos);
    if (part == "..") return refuse(Refusal::kMalformed, "'..' in path");
    if (!part.empty() && part != ".") relative /= std::string(part);
    pos = slash + 1;
  }
  if (relative.empty()) return refuse(Refusal::kNotRegular, "path names the root folder");

  std::error_code ec;
  auto resolved = std::filesystem::canonical(root_ / relative, ec);
  if (ec) return refuse(Refusal::kNotFound, "no such file");
  // Component-wise prefix check: "/srv/assets-other" must not pass for root "/srv/assets".
  auto r = root_.begin();
  auto p = resolved.begin();
  for (; r != root_.end(); ++r, ++p) {
    if (p == resolved.end() || *p != *r)
      return refuse(Refusal::kEscapes, "path leaves the root folder");
  }
  if (!std::filesystem::is_regular_file(resolved, ec) || ec) {
    return refuse(Refusal::kNotRegular, "not a regular file");
  }
  return Lookup{resolved, Refusal::kNone, {}};
}

}  // namespace slipway
