#pragma once
// The open-file limit `slipway serve` needs. Every TFTP transfer holds a socket and a file
// descriptor, and the default soft RLIMIT_NOFILE (1024) would cap transfers well below
// tftp.max_transfers, so at start the soft limit is raised to the hard one.

#include <cstddef>
#include <cstdint>

#include "common/result.h"

namespace slipway::controlplane {

struct OpenFileLimit {
  uint64_t soft = 0;
  uint64_t hard = 0;  // RLIM_INFINITY when unlimited
};

// Raises the soft RLIMIT_NOFILE of this process to its hard limit (to fs.nr_open, the kernel's
// ceiling, when the hard limit is unlimited) and returns the limits now in force. An error means
// getrlimit or setrlimit failed; the limits are then unchanged.
Result<OpenFileLimit> raise_open_file_limit();

// Descriptors `slipway serve` may hold at once: two per TFTP transfer (session socket and file)
// plus room for the database, the listening sockets, HTTP connections and logs.
uint64_t open_files_needed(size_t max_transfers);

// Raises the limit and logs it (debug); warns when the limit is below open_files_needed(),
// naming tftp.max_transfers. Never fails the start: a low limit only refuses transfers later.
void ensure_open_file_limit(size_t max_transfers);

}  // namespace slipway::controlplane
