#include "tftp/file_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>

namespace slipway::tftp {

std::string_view to_string(OpenError error) {
  switch (error) {
    case OpenError::kNotFound:
      return "not_found";
    case OpenError::kAccessDenied:
      return "access_denied";
    case OpenError::kReadError:
      return "read_error";
  }
  return "unknown";
}

Result<size_t> OpenFile::read_at(uint64_t offset, std::span<uint8_t> out) {
  if (offset > size_) return Error{"offset past the end"};
  if (in_memory_) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(out.size(), size_ - offset));
    std::copy_n(content_.data() + offset, n, out.data());
    return n;
  }
  if (out.size() >= kReadAhead) return pread_fully(offset, out);
  // Served from the read-ahead buffer when it holds the whole range, else the buffer is refilled
  // from `offset`: small blocks read in sequence cost one pread per kReadAhead bytes.
  if (offset < ahead_offset_ || offset + out.size() > ahead_offset_ + ahead_.size()) {
    ahead_.resize(static_cast<size_t>(std::min<uint64_t>(kReadAhead, size_ - offset)));
    auto n = pread_fully(offset, ahead_);
    if (!n.ok()) {
      ahead_.clear();
      return n;
    }
    ahead_.resize(*n);  // shorter when the file shrank: the caller sees a short read
    ahead_offset_ = offset;
  }
  size_t n =
      static_cast<size_t>(std::min<uint64_t>(out.size(), ahead_offset_ + ahead_.size() - offset));
  std::copy_n(ahead_.data() + (offset - ahead_offset_), n, out.data());
  return n;
}

Result<size_t> OpenFile::pread_fully(uint64_t offset, std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n =
        ::pread(fd_.get(), out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error{std::string("pread: ") + std::strerror(errno)};
    }
    if (n == 0) break;  // end of file
    done += static_cast<size_t>(n);
  }
  return done;
}

FileSource::FileSource(const std::filesystem::path& root, GeneratedHook generated)
    : root_(root), generated_(std::move(generated)) {}

OpenResult FileSource::open(std::string_view path, const ClientInfo& client) const {
  if (generated_) {
    try {
      if (auto content = generated_(path, client)) {
        return std::make_unique<OpenFile>(std::move(*content));
      }
    } catch (const std::exception& e) {
      return OpenFailure{OpenError::kReadError, std::string("generated hook failed: ") + e.what()};
    } catch (...) {
      return OpenFailure{OpenError::kReadError, "generated hook failed"};
    }
  }

  auto found = root_.lookup(path);
  if (found.refusal != ConfinedRoot::Refusal::kNone) {
    // Nothing there is "not found"; every other refusal (escape, "..", not a regular file) is a
    // policy decision and answered as such.
    return OpenFailure{found.refusal == ConfinedRoot::Refusal::kNotFound ? OpenError::kNotFound
                                                                         : OpenError::kAccessDenied,
                       found.reason};
  }
  const std::filesystem::path* resolved = &found.path;

  // The canonical path holds no symlink; O_NOFOLLOW and the fstat below catch a file swapped for a
  // symlink or a FIFO after resolve() (O_NONBLOCK keeps open() from hanging on a FIFO).
  int fd = ::open(resolved->c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return OpenFailure{OpenError::kNotFound, "no such file"};
    if (err == ELOOP) return OpenFailure{OpenError::kAccessDenied, "symlink swapped in"};
    if (err == EACCES) return OpenFailure{OpenError::kAccessDenied, std::strerror(err)};
    return OpenFailure{OpenError::kReadError, std::string("open: ") + std::strerror(err)};
  }
  UniqueFd owned(fd);
  struct stat st {};
  if (::fstat(owned.get(), &st) != 0) {
    return OpenFailure{OpenError::kReadError, std::string("fstat: ") + std::strerror(errno)};
  }
  if (!S_ISREG(st.st_mode)) return OpenFailure{OpenError::kAccessDenied, "not a regular file"};
  return std::make_unique<OpenFile>(std::move(owned), static_cast<uint64_t>(st.st_size));
}

}  // namespace slipway::tftp
