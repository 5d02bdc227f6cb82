#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "common/unique_fd.h"

namespace slipway {
namespace {

Error errno_error(const std::string& what) { return Error{what + ": " + std::strerror(errno)}; }

Status fsync_folder(const std::filesystem::path& folder) {
  UniqueFd fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) return errno_error("fsync of " + folder.string());
  return {};
}

}  // namespace

Status write_file_atomically(const std::filesystem::path& path, std::string_view content,
                             mode_t mode) {
  std::filesystem::path temp = path;
  temp += ".tmp";
  auto fail = [&](const std::string& what) {
    Error e = errno_error(what + " " + temp.string());
    ::unlink(temp.c_str());
    return e;
  };
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!fd.valid()) return errno_error("creating " + temp.string());
  if (::fchmod(fd.get(), mode) != 0) return fail("chmod of");
  for (size_t done = 0; done < content.size();) {
    ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("writing");
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return fail("fsync of");
  fd.reset();
  if (::rename(temp.c_str(), path.c_str()) != 0) return fail("renaming");
  std::filesystem::path folder = path.parent_path();
  return fsync_folder(folder.empty() ? "." : folder);
}

}  // namespace slipway
