#include "imaging/tar_file_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/unique_fd.h"

namespace slipway::imaging {

namespace fs = std::filesystem;

namespace {

Status fsync_path(const fs::path& path, int flags) {
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) {
    return Error{"fsync of " + path.string() + ": " + std::strerror(errno)};
  }
  return {};
}

}  // namespace

TarFileWriter::TarFileWriter(fs::path path)
    : path_(std::move(path)), temp_(path_.string() + ".tmp") {}

TarFileWriter::~TarFileWriter() {
  if (archive_) archive_write_free(archive_);
  if (!committed_) {
    std::error_code ec;
    fs::remove(temp_, ec);
  }
}

Status TarFileWriter::open() {
  archive_ = archive_write_new();
  if (!archive_) return Error{"libarchive: out of memory"};
  archive_write_set_format_pax_restricted(archive_);
  if (archive_write_open_filename(archive_, temp_.c_str()) != ARCHIVE_OK) {
    return Error{"writing " + temp_.string() + ": " + archive_error_string(archive_)};
  }
  return {};
}

Status TarFileWriter::add(const std::string& member, std::span<const uint8_t> data) {
  std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(),
                                                                  &archive_entry_free);
  if (!e) return Error{"libarchive: out of memory"};
  archive_entry_set_pathname(e.get(), member.c_str());
  archive_entry_set_size(e.get(), static_cast<la_int64_t>(data.size()));
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_perm(e.get(), 0644);
  archive_entry_set_mtime(e.get(), 0, 0);
  if (archive_write_header(archive_, e.get()) != ARCHIVE_OK ||
      archive_write_data(archive_, data.data(), data.size()) !=
          static_cast<la_ssize_t>(data.size())) {
    const char* why = archive_error_string(archive_);
    return Error{"writing " + member + " into " + temp_.string() + ": " + (why ? why : "failed")};
  }
  return {};
}

Status TarFileWriter::add(const std::string& member, const std::string& text) {
  return add(member, {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

Status TarFileWriter::commit() {
  if (archive_write_close(archive_) != ARCHIVE_OK) {
    const char* why = archive_error_string(archive_);
    return Error{"writing " + temp_.string() + ": " + (why ? why : "failed")};
  }
  if (auto s = fsync_path(temp_, O_RDONLY); !s) return s;
  std::error_code ec;
  fs::rename(temp_, path_, ec);
  if (ec) return Error{"renaming " + temp_.string() + ": " + ec.message()};
  committed_ = true;
  return fsync_path(path_.parent_path().empty() ? "." : path_.parent_path(),
                    O_RDONLY | O_DIRECTORY);
}

}  // namespace slipway::imaging
