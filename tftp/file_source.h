#pragma once
// Where served files come from: a generated-content hook, then a root folder confined by
// common's ConfinedRoot (no "..", no escape through an absolute path or a symlink, regular files
// only). A file is opened once per transfer and read with pread, so concurrent transfers of the
// same file share nothing but the page cache.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/confined_path.h"
#include "common/ipv4.h"
#include "common/unique_fd.h"
#include "tftp/transfer.h"

namespace slipway::tftp {

// Who asked; given to the generated-content hook.
struct ClientInfo {
  Ipv4 address;
  uint16_t port = 0;
};

// Consulted before the disk for every request, with the filename exactly as the client sent it
// (it may start with '/'). Returns the whole content to serve, or nullopt to fall through to the
// root folder. It runs on the server's thread for each request: it must be quick, and an
// exception from it fails that request only.
using GeneratedHook =
    std::function<std::optional<std::string>(std::string_view path, const ClientInfo& client)>;

// An open file (or generated content) positioned nowhere: reads are by offset. Not thread-safe:
// one transfer owns it.
class OpenFile final : public BlockSource {
 public:
  // REQUIRES: fd is an open regular file of `size` bytes.
  OpenFile(UniqueFd fd, uint64_t size) : fd_(std::move(fd)), size_(size) {}
  explicit OpenFile(std::string content)
      : size_(content.size()), content_(std::move(content)), in_memory_(true) {}

  uint64_t size() const override { return size_; }
  // Reads of less than kReadAhead bytes go through a read-ahead buffer of that size.
  Result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) override;
  bool in_memory() const { return in_memory_; }

  static constexpr size_t kReadAhead = 16 * 1024;

 private:
  Result<size_t> pread_fully(uint64_t offset, std::span<uint8_t> out);

  UniqueFd fd_;
  std::vector<uint8_t> ahead_;  // bytes from ahead_offset_, as last read
  uint64_t ahead_offset_ = 0;
  uint64_t size_ = 0;
  std::string content_;
  bool in_memory_ = false;
};

enum class OpenError {
  kNotFound,      // -> TFTP error 1
  kAccessDenied,  // the path was refused: escape attempt, not a regular file (-> error 2)
  kReadError,     // open/stat failed on a resolved file, or the hook threw (-> error 0)
};
std::string_view to_string(OpenError error);

struct OpenFailure {
  OpenError error;
  std::string reason;  // for the log: what ConfinedRoot, the OS or the hook said
};

using OpenResult = std::variant<std::unique_ptr<OpenFile>, OpenFailure>;

class FileSource {
 public:
  // `root` must exist (see ConfinedRoot: throws at start-up otherwise). `generated` may be empty.
  explicit FileSource(const std::filesystem::path& root, GeneratedHook generated = {});

  // Thread-safe if the hook is: the root is immutable after construction.
  OpenResult open(std::string_view path, const ClientInfo& client) const;

  const std::filesystem::path& root() const { return root_.root(); }

 private:
  ConfinedRoot root_;
  GeneratedHook generated_;
};

}  // namespace slipway::tftp
