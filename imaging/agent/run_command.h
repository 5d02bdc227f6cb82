#pragma once
// Running the runtime's tools (busybox tar, mke2fs, mkfs.vfat) from the agent: fork and exec
// with a fixed argument list (no shell), the child's output to the console, the exit status
// checked. A child can also be fed through a pipe on its standard input (tar -x).

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.h"

namespace slipway::imaging::agent {

// Runs argv[0] (looked up in PATH) and waits. An error names the command and its exit status
// or signal.
Status run_command(const std::vector<std::string>& argv);
// Runs argv[0] and waits; its exit status (e2fsck's 1 means "errors corrected"). An error when it
// could not be run or was killed by a signal.
Result<int> run_command_exit(const std::vector<std::string>& argv);

// A child whose standard input is a pipe the agent writes to.
class PipedChild {
 public:
  static Result<PipedChild> start(const std::vector<std::string>& argv);
  PipedChild(PipedChild&& other) noexcept;
  PipedChild& operator=(PipedChild&&) = delete;
  ~PipedChild();  // closes the pipe and reaps the child if finish() was not called

  // Writes all of `data`; an error when the child stopped reading (it exited early).
  Status write(const void* data, size_t size);
  // Closes the pipe and waits: an error unless the child exited with status 0.
  Status finish();

 private:
  PipedChild(pid_t pid, int fd, std::string name) : pid_(pid), fd_(fd), name_(std::move(name)) {}
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string name_;
};

}  // namespace slipway::imaging::agent
