#pragma once
// ImageLibrary: the images machines install, content-addressed under data_dir, with their
// records in the appliance's SQLite database (the inventory's file, table `images`).
//
// On disk (under data_dir/images/):
//   sha256/<hex>         each distinct content once, whatever the names; served read-only at
//                        /images/sha256/<hex>
//   trees/<hex>/...      an installer ISO's extracted file tree (kernel, initrd, install tree);
//                        served at /images/trees/<hex>/PATH
//   partial/<key>        downloads interrupted by the network, kept to resume (image_importer.h)
//   tmp/                 work in progress; emptied at start
// A record names one digest; several names may share it. Removing the last name of a digest
// removes its file and tree.
//
// Thread-safety: one thread (the io_context's), like the database. Importers work in tmp/ on
// other threads and hand their result to add() on this one.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/sqlite.h"
#include "imaging/image_format.h"
#include "inventory/machine_store.h"

namespace slipway::imaging {

struct ImageRecord {
  int64_t id = 0;
  std::string name;
  std::string sha256;  // 64 lower-case hex digits
  uint64_t size = 0;
  ImageFormat format = ImageFormat::kRaw;
  std::string source;  // the URL or absolute path it was imported from
  int64_t imported_at = 0;
  // The digest was checked against one the operator gave (--sha256 or a SHA256SUMS file); when
  // false it was only computed.
  bool verified = false;
  // ISOs with a known layout: paths inside the tree (trees/<hex>/).
  std::optional<std::string> kernel;
  std::optional<std::string> initrd;
  bool operator==(const ImageRecord&) const = default;
};

// The URL path the image's content is served at: "/images/sha256/<hex>".
std::string image_url_path(const ImageRecord& image);
// The URL path of a file in an ISO's tree: "/images/trees/<hex>/<relative>".
std::string tree_url_path(const ImageRecord& image, std::string_view relative);

// Why `name` cannot name an image, or nullopt: 1-63 characters from a-z, 0-9, '.', '_', '-',
// starting with a letter or digit; not 64 hex digits (that reads as a digest); not "jobs".
std::optional<std::string> invalid_image_name(std::string_view name);

// What an importer hands over: a verified file in the library's tmp/ folder.
struct NewImage {
  std::string name;
  std::string sha256;
  uint64_t size = 0;
  ImageFormat format = ImageFormat::kRaw;
  std::string source;
  bool verified = false;
  std::filesystem::path file;                 // moved to sha256/<hex>
  std::optional<std::filesystem::path> tree;  // moved to trees/<hex>
  std::optional<std::string> kernel;
  std::optional<std::string> initrd;
};

class ImageLibrary {
 public:
  // Creates the folders, migrates the table, empties tmp/, and removes content files no record
  // names (left by a crash between moving a file in and committing its record). Throws
  // sqlite::Error or std::filesystem::filesystem_error (start-up failures).
  ImageLibrary(sqlite::Database& db, std::filesystem::path data_dir, const Clock& clock);

  // By name, or by digest ("<hex>" or "sha256:<hex>", the oldest record with it).
  std::optional<ImageRecord> find(std::string_view name_or_digest) const;
  std::vector<ImageRecord> list() const;  // by name
  bool name_taken(std::string_view name) const;

  // Moves the file (and tree) into place unless that digest is stored already (then they are
  // deleted), and records the image. Refused: an invalid name (kInvalid), a taken one
  // (kConflict), a storage failure (kStorage). On a refusal the files are left where they are.
  inventory::Outcome<ImageRecord> add(const NewImage& image);
  // Forgets a name; the content goes when no other name has its digest. kNotFound for an unknown
  // name.
  inventory::Outcome<ImageRecord> remove(std::string_view name);

  std::filesystem::path content_path(std::string_view sha256) const;
  std::filesystem::path tree_path(std::string_view sha256) const;
  const std::filesystem::path& content_dir() const { return content_dir_; }
  const std::filesystem::path& trees_dir() const { return trees_dir_; }
  const std::filesystem::path& partial_dir() const { return partial_dir_; }
  const std::filesystem::path& tmp_dir() const { return tmp_dir_; }

 private:
  std::vector<ImageRecord> load_where(std::string_view where, std::string_view arg) const;
  void remove_orphans();
  bool digest_used(std::string_view sha256) const;

  sqlite::Database& db_;
  const Clock& clock_;
  std::filesystem::path content_dir_;
  std::filesystem::path trees_dir_;
  std::filesystem::path partial_dir_;
  std::filesystem::path tmp_dir_;
};

}  // namespace slipway::imaging
