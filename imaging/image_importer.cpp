#include "imaging/image_importer.h"

#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include "common/url.h"
#include "imaging/iso_tree.h"
#include "imaging/sha256.h"
#include "imaging/sha256sums.h"

namespace slipway::imaging {
namespace fs = std::filesystem;

namespace {

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<FILE, FileCloser>;

constexpr size_t kChunk = 1 << 20;

constexpr std::array<std::string_view, 12> kImageSuffixes = {
    ".raw.zst", ".img.zst", ".tar.zst", ".tar.gz", ".tgz", ".zst",
    ".raw",     ".img",     ".iso",     ".tar",    ".gz",  ".qcow2"};

Result<std::string> read_small_file(const fs::path& path, size_t max_bytes) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) return Error{"cannot read " + path.string() + ": " + ec.message()};
  if (size > max_bytes) {
    return Error{path.string() + " is larger than " + std::to_string(max_bytes) + " bytes"};
  }
  std::ifstream in(path, std::ios::binary);
  std::string text(size, '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(size))) {
    return Error{"cannot read " + path.string()};
  }
  return text;
}

// The digest the content must have, or nullopt for an unverified import.
Result<std::optional<std::string>> expected_digest(const ImportRequest& r) {
  if (r.sha256) return std::optional<std::string>(*r.sha256);
  if (!r.sha256sums) return std::optional<std::string>();
  auto text = is_fetchable_url(*r.sha256sums) ? fetch_text(*r.sha256sums, kMaxSha256SumsBytes)
                                              : read_small_file(*r.sha256sums, kMaxSha256SumsBytes);
  if (!text) return Error{"cannot read the SHA256SUMS file: " + text.error().message};
  auto digest = sha256_for(parse_sha256sums(*text), source_file_name(r.source));
  if (!digest) return Error{digest.error().message + " (" + *r.sha256sums + ")"};
  return std::optional<std::string>(*digest);
}

// Copies a local file into `to`, reporting progress.
Status copy_with_progress(const fs::path& from, const fs::path& to,
                          const ImportProgress& progress) {
  std::error_code ec;
  if (!fs::is_regular_file(from, ec)) return Error{"no regular file at " + from.string()};
  uint64_t total = fs::file_size(from, ec);
  File in(std::fopen(from.c_str(), "rb"));
  if (!in) return Error{"cannot open " + from.string() + ": " + std::strerror(errno)};
  File out(std::fopen(to.c_str(), "wb"));
  if (!out) return Error{"cannot write " + to.string() + ": " + std::strerror(errno)};
  std::vector<char> buffer(kChunk);
  uint64_t done = 0;
  for (;;) {
    size_t n = std::fread(buffer.data(), 1, buffer.size(), in.get());
    if (n > 0 && std::fwrite(buffer.data(), 1, n, out.get()) != n) {
      return Error{"cannot write " + to.string() + ": " + std::strerror(errno)};
    }
    done += n;
    if (progress && !progress(ImportStage::kFetching, done, total)) return Error{"cancelled"};
    if (n < buffer.size()) break;
  }
  if (std::ferror(in.get())) return Error{"cannot read " + from.string()};
  if (std::fflush(out.get()) != 0) return Error{"cannot write " + to.string()};
  return {};
}

// The file's digest, reporting progress.
Result<std::string> digest_of(const fs::path& path, uint64_t size, const ImportProgress& progress) {
  File in(std::fopen(path.c_str(), "rb"));
  if (!in) return Error{"cannot open " + path.string() + ": " + std::strerror(errno)};
  Sha256 digest;
  std::vector<uint8_t> buffer(kChunk);
  uint64_t done = 0;
  for (;;) {
    size_t n = std::fread(buffer.data(), 1, buffer.size(), in.get());
    digest.update(std::span(buffer.data(), n));
    done += n;
    if (progress && !progress(ImportStage::kVerifying, done, size)) return Error{"cancelled"};
    if (n < buffer.size()) break;
  }
  if (std::ferror(in.get())) return Error{"cannot read " + path.string()};
  return digest.hex_final();
}

// Gets the content into a file under tmp/ (a URL through partial/).
Result<fs::path> obtain(const ImportRequest& r, const ImportPaths& paths, const FetchOptions& fetch,
                        const ImportProgress& progress, const ImportNote& note) {
  fs::path target = paths.tmp_dir / (paths.work_name + ".content");
  if (!is_fetchable_url(r.source)) {
    auto copied = copy_with_progress(r.source, target, progress);
    if (!copied) {
      std::error_code ec;
      fs::remove(target, ec);
      return copied.error();
    }
    return target;
  }
  fs::path partial = partial_path(paths.partial_dir, r.source);
  auto fetched = fetch_resumable(
      r.source, partial, fetch,
      [&](uint64_t done, std::optional<uint64_t> total) {
        return !progress || progress(ImportStage::kFetching, done, total);
      },
      note);
  if (auto* failed = std::get_if<FetchError>(&fetched)) {
    std::error_code ec;
    bool resumable =
        failed->kind == FetchFailure::kTransport || failed->kind == FetchFailure::kCancelled;
    uint64_t kept = fs::file_size(partial, ec);
    if (resumable && !ec && kept > 0) {
      if (note) {
        note("kept " + std::to_string(kept) +
             " bytes to resume from on the next import of this URL");
      }
    } else {
      fs::remove(partial, ec);
    }
    return Error{failed->message};
  }
  fs::rename(partial, target);
  return target;
}

}  // namespace

std::string_view to_string(ImportStage stage) {
  switch (stage) {
    case ImportStage::kQueued:
      return "queued";
    case ImportStage::kFetching:
      return "fetching";
    case ImportStage::kVerifying:
      return "verifying";
    case ImportStage::kExtracting:
      return "extracting";
    case ImportStage::kStoring:
      return "storing";
    case ImportStage::kDone:
      return "done";
    case ImportStage::kFailed:
      return "failed";
  }
  return "unknown";
}

fs::path partial_path(const fs::path& partial_dir, std::string_view url) {
  return partial_dir / sha256_hex(url);
}

std::string source_file_name(std::string_view source) {
  if (is_fetchable_url(source)) {
    source = source.substr(0, source.find_first_of("?#"));
    size_t slash = source.rfind('/');
    std::string_view last = slash == std::string_view::npos ? source : source.substr(slash + 1);
    return url::decode(last).value_or(std::string(last));
  }
  return fs::path(source).filename().string();
}

std::string default_image_name(std::string_view source) {
  std::string name = source_file_name(source);
  for (auto suffix : kImageSuffixes) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      name.resize(name.size() - suffix.size());
      break;
    }
  }
  for (char& c : name) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
    if (!ok) c = '-';
  }
  size_t first = name.find_first_not_of("-._");
  name = first == std::string::npos ? "" : name.substr(first);
  if (name.size() > 63) name.resize(63);
  while (!name.empty() && (name.back() == '-' || name.back() == '.')) name.pop_back();
  return invalid_image_name(name) ? "" : name;
}

Result<NewImage> run_import(const ImportRequest& r, const ImportPaths& paths,
                            const FetchOptions& fetch, const ImportProgress& progress,
                            const ImportNote& note) {
  auto expected = expected_digest(r);
  if (!expected) return expected.error();
  auto content = obtain(r, paths, fetch, progress, note);
  if (!content) return content.error();
  const fs::path file = *content;
  std::error_code ec;
  auto discard = [&](Error e) -> Result<NewImage> {
    fs::remove(file, ec);
    fs::remove_all(paths.tmp_dir / (paths.work_name + ".tree"), ec);
    return e;
  };
  uint64_t size = fs::file_size(file, ec);
  if (ec) return discard(Error{"cannot read " + file.string() + ": " + ec.message()});
  auto digest = digest_of(file, size, progress);
  if (!digest) return discard(digest.error());
  if (*expected && **expected != *digest) {
    return discard(Error{"SHA-256 mismatch: expected " + **expected + ", got " + *digest + " (" +
                         std::to_string(size) + " bytes); the content was discarded"});
  }
  if (!*expected && note) {
    note("unverified: no --sha256 or SHA256SUMS given; computed sha256 " + *digest);
  }
  auto format = detect_file_format(file);
  if (!format) return discard(format.error());

  NewImage image;
  image.name = r.name;
  image.sha256 = *digest;
  image.size = size;
  image.format = *format;
  image.source = r.source;
  image.verified = expected->has_value();
  image.file = file;
  if (*format == ImageFormat::kIso) {
    if (progress && !progress(ImportStage::kExtracting, 0, std::nullopt)) {
      return discard(Error{"cancelled"});
    }
    fs::path tree = paths.tmp_dir / (paths.work_name + ".tree");
    if (auto s = extract_iso(file, tree); !s) return discard(s.error());
    image.tree = tree;
    if (auto boot = find_boot_files(tree)) {
      image.kernel = boot->kernel;
      image.initrd = boot->initrd;
      if (note)
        note("found a " + boot->distribution + " kernel and initrd: " + boot->kernel + ", " +
             boot->initrd);
    } else if (note) {
      note("no kernel and initrd in a known layout: the ISO is stored as a disk image only");
    }
  }
  return image;
}

}  // namespace slipway::imaging
