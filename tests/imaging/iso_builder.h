#pragma once
// Test ISOs made with libarchive's ISO 9660 writer (Rock Ridge names), so the unit tests need no
// xorriso.

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <map>
#include <string>

namespace slipway::testutil {

// Writes an ISO holding `files` (path inside the ISO -> content); folders are implied.
inline bool make_iso(const std::filesystem::path& iso,
                     const std::map<std::string, std::string>& files) {
  archive* a = archive_write_new();
  archive_write_set_format_iso9660(a);
  archive_write_set_option(a, "iso9660", "rockridge", "1");
  archive_write_set_option(a, "iso9660", "volume-id", "SLIPWAYTEST");
  bool ok = archive_write_open_filename(a, iso.c_str()) == ARCHIVE_OK;
  for (const auto& [path, content] : files) {
    if (!ok) break;
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, path.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0444);
    archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
    ok = archive_write_header(a, e) == ARCHIVE_OK &&
         archive_write_data(a, content.data(), content.size()) ==
             static_cast<la_ssize_t>(content.size());
    archive_entry_free(e);
  }
  ok = archive_write_close(a) == ARCHIVE_OK && ok;
  archive_write_free(a);
  return ok;
}

}  // namespace slipway::testutil
