#pragma once
// Writing a small file so that it is either the old content or the new, whole, even across a
// crash: a temporary file beside it, fsync, rename, fsync of the folder. For keys, tokens and
// certificates (mode 0600 for secrets).

#include <sys/types.h>

#include <filesystem>
#include <string_view>

#include "common/result.h"

namespace slipway {

// Errors name the file and the failed step. The temporary file ("<path>.tmp", opened with
// O_NOFOLLOW) is removed on failure.
Status write_file_atomically(const std::filesystem::path& path, std::string_view content,
                             mode_t mode);

}  // namespace slipway
