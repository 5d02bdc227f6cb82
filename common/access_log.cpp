#include "common/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace slipway::http {

Result<AccessLog> AccessLog::open(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  if (!fd.valid()) {
    return Error{"cannot open access log " + path.string() + ": " + std::strerror(errno)};
  }
  return AccessLog(std::move(fd));
}

std::string AccessLog::format(const AccessRecord& r, time_t now) {
  if (now != stamp_second_) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[40];
    size_t n = std::strftime(buf, sizeof buf, "[%d/%b/%Y:%H:%M:%S +0000]", &tm);
    stamp_.assign(buf, n);
    stamp_second_ = now;
  }
  std::string line;
  line.reserve(96 + r.request.size());
  line.append(r.remote.empty() ? std::string_view("-") : r.remote);
  line += " - - ";
  line += stamp_;
  line += " \"";
  if (r.request.empty()) line += '-';
  for (unsigned char c : r.request) {
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      char esc[5];
      std::snprintf(esc, sizeof esc, "\\x%02x", c);
      line += esc;
    } else {
      line += static_cast<char>(c);
    }
  }
  char tail[64];
  double seconds = std::chrono::duration<double>(r.duration).count();
  if (r.body_bytes) {
    std::snprintf(tail, sizeof tail, "\" %u %llu %.6f", r.status,
                  static_cast<unsigned long long>(*r.body_bytes), seconds);
  } else {
    std::snprintf(tail, sizeof tail, "\" %u - %.6f", r.status, seconds);
  }
  line += tail;
  return line;
}

void AccessLog::record(const AccessRecord& r, time_t now) {
  std::string line = format(r, now);
  line += '\n';
  // One write per line: O_APPEND keeps lines whole. A full disk loses the line, not the request.
  ssize_t n;
  do {
    n = ::write(fd_.get(), line.data(), line.size());
  } while (n < 0 && errno == EINTR);
}

}  // namespace slipway::http
