#pragma once
// Path confinement for files served to the network (TFTP and HTTP share it).
//
// A client-supplied path is resolved inside a root folder. Refused: empty or overlong paths, NUL
// bytes, backslashes, any ".." component, paths that leave the root through a symlink, and
// anything that is not a regular file (folders, devices, FIFOs, sockets). A leading '/' means the
// root, as TFTP clients and URLs use it.

#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"

namespace slipway {

class ConfinedRoot {
 public:
  // `root` must exist; it is canonicalised once here. Throws std::filesystem::filesystem_error
  // when it does not exist (a start-up error).
  explicit ConfinedRoot(const std::filesystem::path& root);

  const std::filesystem::path& root() const { return root_; }

  // The canonical path of a regular file inside the root, or an error saying why not.
  Result<std::filesystem::path> resolve(std::string_view requested) const;

  // The same, with the kind of refusal, for protocols that answer each kind differently.
  enum class Refusal {
    kNone,
    kMalformed,   // empty, too long, NUL, backslash, '..': the request itself is bad
    kEscapes,     // resolves (through a symlink) outside the root
    kNotFound,    // nothing there
    kNotRegular,  // a folder, device, FIFO or socket
  };
  struct Lookup {
    std::filesystem::path path;  // set when refusal == kNone
    Refusal refusal = Refusal::kNone;
    std::string reason;
  };
  Lookup lookup(std::string_view requested) const;

  static constexpr size_t kMaxPathLength = 1024;

 private:
  std::filesystem::path root_;
};

}  // namespace slipway
