#include "imaging/agent/run_command.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace slipway::imaging::agent {

namespace {

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

// fork + execvp; `stdin_fd` (if >= 0) becomes the child's standard input.
Result<pid_t> spawn(const std::vector<std::string>& argv, int stdin_fd, int close_fd) {
  if (argv.empty()) return Error{"no command"};
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return Error{"fork for " + argv[0] + ": " + std::strerror(errno)};
  if (pid == 0) {
    if (stdin_fd >= 0) {
      ::dup2(stdin_fd, 0);
      ::close(stdin_fd);
    }
    if (close_fd >= 0) ::close(close_fd);
    ::signal(SIGPIPE, SIG_DFL);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

Result<int> exit_status(pid_t pid, const std::string& what) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Error{what + ": waitpid: " + std::strerror(errno)};
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) return Error{what + ": cannot run it"};
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return Error{what + " was killed by signal " + std::to_string(WTERMSIG(status))};
}

Status wait_for(pid_t pid, const std::string& what) {
  auto status = exit_status(pid, what);
  if (!status) return status.error();
  if (*status != 0) return Error{what + " exited with status " + std::to_string(*status)};
  return {};
}

}  // namespace

Status run_command(const std::vector<std::string>& argv) {
  auto pid = spawn(argv, -1, -1);
  if (!pid) return pid.error();
  return wait_for(*pid, joined(argv));
}

Result<int> run_command_exit(const std::vector<std::string>& argv) {
  auto pid = spawn(argv, -1, -1);
  if (!pid) return pid.error();
  return exit_status(*pid, joined(argv));
}

Result<PipedChild> PipedChild::start(const std::vector<std::string>& argv) {
  // A write to a pipe whose reader exited must be an error, not the end of the agent.
  ::signal(SIGPIPE, SIG_IGN);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Error{std::string("pipe: ") + std::strerror(errno)};
  auto pid = spawn(argv, fds[0], fds[1]);
  ::close(fds[0]);
  if (!pid) {
    ::close(fds[1]);
    return pid.error();
  }
  return PipedChild(*pid, fds[1], joined(argv));
}

PipedChild::PipedChild(PipedChild&& other) noexcept
    : pid_(other.pid_), fd_(other.fd_), name_(std::move(other.name_)) {
  other.pid_ = -1;
  other.fd_ = -1;
}

PipedChild::~PipedChild() {
  if (pid_ >= 0) (void)finish();
}

Status PipedChild::write(const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd_, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error{name_ + " stopped reading: " + std::strerror(errno)};
    p += n;
    size -= static_cast<size_t>(n);
  }
  return {};
}

Status PipedChild::finish() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (pid_ < 0) return Error{name_ + ": already finished"};
  pid_t pid = pid_;
  pid_ = -1;
  return wait_for(pid, name_);
}

}  // namespace slipway::imaging::agent
