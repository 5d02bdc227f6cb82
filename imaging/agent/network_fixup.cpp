#include "imaging/agent/network_fixup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/unique_fd.h"

namespace slipway::imaging::agent {

namespace {

namespace fs = std::filesystem;

constexpr size_t kMacChars = 17;
constexpr uintmax_t kMaxConfigBytes = 4 << 20;

struct Pattern {
  const char* dir;
  std::vector<const char*> suffixes;  // empty: the file named `dir` itself
};

const std::vector<Pattern>& patterns() {
  static const std::vector<Pattern> kPatterns = {
      {"etc/systemd/network", {".network", ".link"}},
      {"etc/udev/rules.d", {".rules"}},
      {"etc/netplan", {".yaml"}},
      {"etc/network/interfaces", {}},
  };
  return kPatterns;
}

bool mac_char(char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':'; }

// The MAC written at `at` in colon form, standing alone.
std::optional<MacAddress> mac_at(std::string_view text, size_t at) {
  if (at + kMacChars > text.size()) return std::nullopt;
  if (at > 0 && mac_char(text[at - 1])) return std::nullopt;
  if (at + kMacChars < text.size() && mac_char(text[at + kMacChars])) return std::nullopt;
  for (size_t i = 0; i < kMacChars; ++i) {
    const char c = text[at + i];
    const bool ok = i % 3 == 2 ? c == ':' : std::isxdigit(static_cast<unsigned char>(c)) != 0;
    if (!ok) return std::nullopt;
  }
  return MacAddress::parse(text.substr(at, kMacChars));
}

bool has_upper(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'F'; });
}

Result<std::string> read_file(const fs::path& p) {
  UniqueFd fd(::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return Error{"reading " + p.string() + ": " + std::strerror(errno)};
  std::string out;
  char buf[8192];
  ssize_t n;
  while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  if (n < 0) return Error{"reading " + p.string() + ": " + std::strerror(errno)};
  return out;
}

// Replaces `p` by a file holding `text` with the same mode and owner (a new file renamed over it,
// so a crash leaves the old or the new one).
Status rewrite_file(const fs::path& p, const std::string& text, const struct stat& st) {
  const fs::path tmp = p.string() + ".slipway-new";
  ::unlink(tmp.c_str());
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return Error{"writing " + tmp.string() + ": " + std::strerror(errno)};
  size_t at = 0;
  while (at < text.size()) {
    ssize_t n = ::write(fd.get(), text.data() + at, text.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error{"writing " + tmp.string() + ": " + std::strerror(errno)};
    at += static_cast<size_t>(n);
  }
  if (::fchown(fd.get(), st.st_uid, st.st_gid) != 0 && errno != EPERM) {
    return Error{"chown " + tmp.string() + ": " + std::strerror(errno)};
  }
  ::fchmod(fd.get(), st.st_mode & 07777);
  ::fsync(fd.get());
  if (::rename(tmp.c_str(), p.c_str()) != 0) {
    return Error{"renaming " + tmp.string() + ": " + std::strerror(errno)};
  }
  return {};
}

}  // namespace

MacReplacement replace_macs(std::string_view text, const std::vector<MacAddress>& captured,
                            const MacAddress& boot) {
  MacReplacement out;
  std::string lower = boot.to_string();
  std::string upper = lower;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](char c) {
    return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  });
  size_t at = 0;
  while (at < text.size()) {
    auto mac = mac_at(text, at);
    if (mac && std::find(captured.begin(), captured.end(), *mac) != captured.end()) {
      out.text += has_upper(text.substr(at, kMacChars)) ? upper : lower;
      out.replaced += *mac == boot ? 0 : 1;
      at += kMacChars;
      continue;
    }
    out.text += text[at++];
  }
  return out;
}

std::vector<std::string> network_config_files(const std::string& root) {
  std::vector<std::string> out;
  for (const auto& pat : patterns()) {
    std::error_code ec;
    if (pat.suffixes.empty()) {
      if (fs::exists(fs::symlink_status(fs::path(root) / pat.dir, ec))) out.push_back(pat.dir);
      continue;
    }
    for (const auto& e : fs::directory_iterator(fs::path(root) / pat.dir, ec)) {
      const std::string name = e.path().filename().string();
      for (const char* suffix : pat.suffixes) {
        if (name.ends_with(suffix)) out.push_back(std::string(pat.dir) + "/" + name);
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<std::string>> fix_network_macs(const std::string& root,
                                                  const std::vector<MacAddress>& captured,
                                                  const MacAddress& boot) {
  std::vector<std::string> changed;
  for (const auto& rel : network_config_files(root)) {
    const fs::path p = fs::path(root) / rel;
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
        static_cast<uintmax_t>(st.st_size) > kMaxConfigBytes) {
      continue;
    }
    auto text = read_file(p);
    if (!text) return text.error();
    auto fixed = replace_macs(*text, captured, boot);
    if (fixed.text == *text) continue;
    if (auto s = rewrite_file(p, fixed.text, st); !s) return s.error();
    changed.push_back(rel);
  }
  return changed;
}

}  // namespace slipway::imaging::agent
