#include "controlplane/open_files.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "common/log.h"

namespace slipway::controlplane {

namespace {

constexpr uint64_t kHeadroom = 256;

Error os_error(const char* call) {
  return Error{std::string(call) + "(RLIMIT_NOFILE): " + std::strerror(errno)};
}

// The kernel refuses a soft limit above fs.nr_open, "unlimited" included.
rlim_t kernel_ceiling() {
  std::ifstream in("/proc/sys/fs/nr_open");
  uint64_t value = 0;
  if (in >> value && value > 0) return static_cast<rlim_t>(value);
  return 1024 * 1024;  // the kernel's default fs.nr_open
}

}  // namespace

Result<OpenFileLimit> raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return os_error("getrlimit");
  rlim_t target = limit.rlim_max == RLIM_INFINITY ? kernel_ceiling() : limit.rlim_max;
  if (limit.rlim_cur < target) {
    rlimit raised{target, limit.rlim_max};
    if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) return os_error("setrlimit");
    limit.rlim_cur = target;
  }
  return OpenFileLimit{static_cast<uint64_t>(limit.rlim_cur),
                       static_cast<uint64_t>(limit.rlim_max)};
}

uint64_t open_files_needed(size_t max_transfers) {
  return 2 * static_cast<uint64_t>(max_transfers) + kHeadroom;
}

void ensure_open_file_limit(size_t max_transfers) {
  auto log = log::get("slipway");
  auto limit = raise_open_file_limit();
  if (!limit) {
    log->warn("cannot raise the open file limit error=\"{}\"", limit.error().message);
    return;
  }
  log->debug("open file limit soft={} hard={}", limit->soft, limit->hard);
  uint64_t needed = open_files_needed(max_transfers);
  if (limit->soft < needed) {
    log->warn(
        "open file limit {} is below the {} that tftp.max_transfers={} needs (2 per transfer + "
        "{}); raise the hard limit (systemd LimitNOFILE=, ulimit -Hn) or lower "
        "tftp.max_transfers",
        limit->soft, needed, max_transfers, kHeadroom);
  }
}

}  // namespace slipway::controlplane
