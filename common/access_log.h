#pragma once
// The HTTP access log: one line per answered request, in the Common Log Format with the
// response time in seconds appended:
//
//   198.18.0.2 - - [03/Dec/2026:09:12:01 +0000] "GET /assets/x HTTP/1.1" 200 1234 0.000412
//
// Each line is one write() to a file opened with O_APPEND, so a crash loses no line already
// recorded and several processes may share the file. Request targets are written as received
// but with control characters, quotes and backslashes escaped (\xNN), so a client cannot forge
// lines. Not thread-safe: one io_context thread records.

#include <chrono>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/unique_fd.h"

namespace slipway::http {

struct AccessRecord {
  std::string_view remote;   // client address
  std::string_view request;  // "GET /path HTTP/1.1", or empty when the request was unreadable
  unsigned status = 0;
  std::optional<uint64_t> body_bytes;  // nullopt: "-" (nothing sent)
  std::chrono::nanoseconds duration{0};
};

class AccessLog {
 public:
  // Opens (creating, mode 0640) `path` for appending; the error names the path.
  static Result<AccessLog> open(const std::filesystem::path& path);

  void record(const AccessRecord& r, time_t now);

  // The line record() writes, without the newline (for tests).
  std::string format(const AccessRecord& r, time_t now);

 private:
  explicit AccessLog(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
  time_t stamp_second_ = -1;
  std::string stamp_;  // "[03/Dec/2026:09:12:01 +0000]" for stamp_second_
};

}  // namespace slipway::http
