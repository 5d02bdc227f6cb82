#pragma once
// One import, from a URL or a local file to a verified file ready for ImageLibrary::add():
//   1. the expected digest: --sha256, or the entry for the source's file name in a SHA256SUMS
//      file (URL or local path); with neither the import is unverified (digest only computed);
//   2. the content: a URL is fetched into partial/ (resumable, image_fetch.h); a file is copied
//      into tmp/;
//   3. verifying: the SHA-256 of the whole content; a mismatch deletes it (never kept to resume);
//   4. the format, by content (image_format.h); an unsupported one deletes it;
//   5. an ISO's tree is extracted into tmp/ and its kernel and initrd found (iso_tree.h).
// A transport failure keeps the partial download, so that the next import of the same URL
// continues from it; every other failure deletes what this import wrote.
//
// Runs on a worker thread and touches only files under tmp/ and partial/: never the database.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "imaging/image_fetch.h"
#include "imaging/image_library.h"

namespace slipway::imaging {

struct ImportRequest {
  std::string source;  // http(s) URL, or an absolute path on the appliance
  std::string name;
  std::optional<std::string> sha256;      // 64 lower-case hex digits
  std::optional<std::string> sha256sums;  // URL or absolute path
};

enum class ImportStage { kQueued, kFetching, kVerifying, kExtracting, kStoring, kDone, kFailed };
std::string_view to_string(ImportStage stage);

struct ImportPaths {
  std::filesystem::path tmp_dir;      // the library's tmp/
  std::filesystem::path partial_dir;  // the library's partial/
  std::string work_name;              // unique per import: names its files in tmp/
};

// Progress of the current stage; returning false cancels the import.
using ImportProgress =
    std::function<bool(ImportStage stage, uint64_t done, std::optional<uint64_t> total)>;
// Retries, resumes and what the import noticed (unverified, no boot files found...).
using ImportNote = std::function<void(const std::string& note)>;

// The outcome: a NewImage whose file (and tree) are in tmp/, or why not.
Result<NewImage> run_import(const ImportRequest& request, const ImportPaths& paths,
                            const FetchOptions& fetch, const ImportProgress& progress,
                            const ImportNote& note);

// Where a URL's interrupted download is kept: partial/<sha256 of the URL>.
std::filesystem::path partial_path(const std::filesystem::path& partial_dir, std::string_view url);

// The file name in a source ("disk.raw.zst" for "http://h/a/disk.raw.zst?x=1"), which a
// SHA256SUMS file lists.
std::string source_file_name(std::string_view source);

// A name for an image from its source's file name: image suffixes dropped (.iso, .raw.zst,
// .tar.gz...), lower case, other characters made '-'; "" when nothing usable is left.
std::string default_image_name(std::string_view source);

}  // namespace slipway::imaging
