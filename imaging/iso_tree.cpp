#include "imaging/iso_tree.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <algorithm>
#include <memory>
#include <string_view>

namespace slipway::imaging {
namespace fs = std::filesystem;

namespace {

struct ReadCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteCloser {
  void operator()(archive* a) const { archive_write_free(a); }
};

std::string archive_message(archive* a) {
  const char* text = archive_error_string(a);
  return text ? text : "unknown libarchive error";
}

// A relative path with no '..' component: it stays under the destination folder.
bool is_confined(std::string_view name) {
  if (name.starts_with('/')) return false;
  for (const auto& part : fs::path(name)) {
    if (part == "..") return false;
  }
  return true;
}

Status extract_entries(archive* in, archive* out, const fs::path& dest,
                       const ExtractLimits& limits) {
  uint64_t entries = 0;
  uint64_t bytes = 0;
  archive_entry* entry = nullptr;
  for (;;) {
    int rc = archive_read_next_header(in, &entry);
    if (rc == ARCHIVE_EOF) return {};
    if (rc < ARCHIVE_WARN) return Error{"cannot read the ISO: " + archive_message(in)};
    if (++entries > limits.max_entries) {
      return Error{"the ISO has more than " + std::to_string(limits.max_entries) + " entries"};
    }
    mode_t type = archive_entry_filetype(entry);
    if (type != AE_IFREG && type != AE_IFDIR) continue;  // links, devices: not part of a tree
    bytes += static_cast<uint64_t>(std::max<la_int64_t>(0, archive_entry_size(entry)));
    if (bytes > limits.max_bytes) {
      return Error{"the ISO's files exceed " + std::to_string(limits.max_bytes) + " bytes"};
    }
    const char* name = archive_entry_pathname(entry);
    if (name == nullptr || *name == '\0') continue;
    if (!is_confined(name)) return Error{"the ISO holds an unsafe path: " + std::string(name)};
    std::string path = (dest / name).string();
    archive_entry_set_pathname(entry, path.c_str());
    // The tree is served read-only; the ISO's own modes are often 0444/0555 already.
    archive_entry_set_perm(entry, type == AE_IFDIR ? 0755 : 0644);
    if (archive_write_header(out, entry) < ARCHIVE_WARN) {
      return Error{"cannot extract " + std::string(archive_entry_pathname(entry)) + ": " +
                   archive_message(out)};
    }
    if (type == AE_IFREG) {
      const void* block = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      for (;;) {
        int r = archive_read_data_block(in, &block, &size, &offset);
        if (r == ARCHIVE_EOF) break;
        if (r < ARCHIVE_WARN) return Error{"cannot read the ISO: " + archive_message(in)};
        if (archive_write_data_block(out, block, size, offset) < ARCHIVE_WARN) {
          return Error{"cannot write " + path + ": " + archive_message(out)};
        }
      }
    }
    if (archive_write_finish_entry(out) < ARCHIVE_WARN) {
      return Error{"cannot write " + path + ": " + archive_message(out)};
    }
  }
}

}  // namespace

std::optional<BootFiles> find_boot_files(const fs::path& tree) {
  std::error_code ec;
  for (const auto& layout : kBootLayouts) {
    if (fs::is_regular_file(tree / layout.kernel, ec) &&
        fs::is_regular_file(tree / layout.initrd, ec)) {
      return BootFiles{std::string(layout.distribution), std::string(layout.kernel),
                       std::string(layout.initrd)};
    }
  }
  return std::nullopt;
}

Status extract_iso(const fs::path& iso, const fs::path& dest, const ExtractLimits& limits) {
  std::error_code ec;
  if (!fs::create_directories(dest, ec) || ec) {
    return Error{"cannot create " + dest.string() + (ec ? ": " + ec.message() : ": it exists")};
  }
  std::unique_ptr<archive, ReadCloser> in(archive_read_new());
  std::unique_ptr<archive, WriteCloser> out(archive_write_disk_new());
  archive_read_support_format_iso9660(in.get());
  archive_write_disk_set_options(out.get(),
                                 ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS);
  Status status;
  if (archive_read_open_filename(in.get(), iso.c_str(), 1 << 16) != ARCHIVE_OK) {
    status = Error{"cannot open the ISO: " + archive_message(in.get())};
  } else {
    status = extract_entries(in.get(), out.get(), dest, limits);
  }
  if (status && archive_write_close(out.get()) != ARCHIVE_OK) {
    status = Error{"cannot finish the extraction: " + archive_message(out.get())};
  }
  if (!status) fs::remove_all(dest, ec);
  return status;
}

}  // namespace slipway::imaging
