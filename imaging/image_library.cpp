#include "imaging/image_library.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "common/log.h"
#include "imaging/sha256.h"

namespace slipway::imaging {
namespace fs = std::filesystem;
using inventory::Refusal;

namespace {

constexpr std::array<std::string_view, 1> kMigrations = {
    "CREATE TABLE images ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " sha256 TEXT NOT NULL,"
    " size INTEGER NOT NULL,"
    " format TEXT NOT NULL,"
    " source TEXT NOT NULL,"
    " imported_at INTEGER NOT NULL,"
    " verified INTEGER NOT NULL,"
    " kernel TEXT,"
    " initrd TEXT);"
    "CREATE INDEX images_by_sha256 ON images(sha256);",
};

constexpr std::string_view kColumns =
    "SELECT id, name, sha256, size, format, source, imported_at, verified, kernel, initrd"
    " FROM images ";

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

// Moves `from` to `to` unless `to` exists (same content: `from` is dropped).
void move_into_place(const fs::path& from, const fs::path& to) {
  if (fs::exists(to)) {
    fs::remove_all(from);
  } else {
    fs::rename(from, to);
  }
}

}  // namespace

std::string image_url_path(const ImageRecord& image) { return "/images/sha256/" + image.sha256; }

std::string tree_url_path(const ImageRecord& image, std::string_view relative) {
  return "/images/trees/" + image.sha256 + "/" + std::string(relative);
}

std::optional<std::string> invalid_image_name(std::string_view name) {
  if (name.empty() || name.size() > 63) {
    return "an image name has 1 to 63 characters: '" + std::string(name) + "'";
  }
  if (!std::all_of(name.begin(), name.end(), name_char) ||
      !std::isalnum(static_cast<unsigned char>(name[0]))) {
    return "an image name is made of a-z, 0-9, '.', '_' and '-' and starts with a letter or "
           "digit: '" +
           std::string(name) + "'";
  }
  if (name == "jobs") return std::string("'jobs' cannot name an image (it is an API path)");
  if (parse_sha256(name)) return std::string("an image name cannot be a SHA-256 digest");
  return std::nullopt;
}

ImageLibrary::ImageLibrary(sqlite::Database& db, fs::path data_dir, const Clock& clock)
    : db_(db),
      clock_(clock),
      content_dir_(data_dir / "images" / "sha256"),
      trees_dir_(data_dir / "images" / "trees"),
      partial_dir_(data_dir / "images" / "partial"),
      tmp_dir_(data_dir / "images" / "tmp") {
  sqlite::migrate(db_, "images", kMigrations);
  fs::remove_all(tmp_dir_);
  for (const auto& dir : {content_dir_, trees_dir_, partial_dir_, tmp_dir_}) {
    fs::create_directories(dir);
  }
  remove_orphans();
}

void ImageLibrary::remove_orphans() {
  for (const auto& dir : {content_dir_, trees_dir_}) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      std::string name = entry.path().filename().string();
      if (parse_sha256(name) == name && digest_used(name)) continue;
      log::get("images")->warn("removing content no image names path={}", entry.path().string());
      fs::remove_all(entry.path());
    }
  }
}

fs::path ImageLibrary::content_path(std::string_view sha256) const {
  return content_dir_ / std::string(sha256);
}

fs::path ImageLibrary::tree_path(std::string_view sha256) const {
  return trees_dir_ / std::string(sha256);
}

std::vector<ImageRecord> ImageLibrary::load_where(std::string_view where,
                                                  std::string_view arg) const {
  auto q = db_.prepare(std::string(kColumns) + std::string(where));
  if (!arg.empty()) q.bind(1, arg);
  std::vector<ImageRecord> out;
  while (q.step()) {
    ImageRecord r;
    r.id = q.int64(0);
    r.name = q.text(1);
    r.sha256 = q.text(2);
    r.size = static_cast<uint64_t>(q.int64(3));
    r.format = parse_image_format(q.text(4)).value_or(ImageFormat::kRaw);
    r.source = q.text(5);
    r.imported_at = q.int64(6);
    r.verified = q.int64(7) != 0;
    r.kernel = q.optional_text(8);
    r.initrd = q.optional_text(9);
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<ImageRecord> ImageLibrary::find(std::string_view name_or_digest) const {
  std::vector<ImageRecord> found;
  if (auto digest = parse_sha256(name_or_digest)) {
    found = load_where("WHERE sha256 = ? ORDER BY id LIMIT 1", *digest);
  } else if (!name_or_digest.empty()) {
    found = load_where("WHERE name = ?", name_or_digest);
  }
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::vector<ImageRecord> ImageLibrary::list() const { return load_where("ORDER BY name", ""); }

bool ImageLibrary::name_taken(std::string_view name) const {
  auto q = db_.prepare("SELECT 1 FROM images WHERE name = ?");
  q.bind(1, name);
  return q.step();
}

bool ImageLibrary::digest_used(std::string_view sha256) const {
  auto q = db_.prepare("SELECT 1 FROM images WHERE sha256 = ?");
  q.bind(1, sha256);
  return q.step();
}

inventory::Outcome<ImageRecord> ImageLibrary::add(const NewImage& image) {
  if (auto why = invalid_image_name(image.name)) return Refusal{Refusal::Kind::kInvalid, *why};
  if (!parse_sha256(image.sha256)) {
    return Refusal{Refusal::Kind::kInvalid, "not a SHA-256 digest: '" + image.sha256 + "'"};
  }
  try {
    sqlite::Transaction tx(db_);
    if (name_taken(image.name)) {
      return Refusal{Refusal::Kind::kConflict,
                     "the name '" + image.name + "' is taken by another image"};
    }
    move_into_place(image.file, content_path(image.sha256));
    if (image.tree) move_into_place(*image.tree, tree_path(image.sha256));
    auto q = db_.prepare(
        "INSERT INTO images(name, sha256, size, format, source, imported_at, verified, kernel,"
        " initrd) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
    q.bind(1, image.name)
        .bind(2, image.sha256)
        .bind(3, static_cast<int64_t>(image.size))
        .bind(4, to_string(image.format))
        .bind(5, image.source)
        .bind(6, clock_.now())
        .bind(7, image.verified ? 1 : 0)
        .bind(8, image.kernel)
        .bind(9, image.initrd);
    q.run();
    tx.commit();
    return load_where("WHERE name = ?", image.name).front();
  } catch (const sqlite::Error& e) {
    return Refusal{Refusal::Kind::kStorage, std::string("cannot record the image: ") + e.what()};
  } catch (const fs::filesystem_error& e) {
    return Refusal{Refusal::Kind::kStorage, std::string("cannot store the image: ") + e.what()};
  }
}

inventory::Outcome<ImageRecord> ImageLibrary::remove(std::string_view name) {
  try {
    auto found = load_where("WHERE name = ?", name);
    if (found.empty()) {
      return Refusal{Refusal::Kind::kNotFound, "no image '" + std::string(name) + "'"};
    }
    const ImageRecord& image = found.front();
    {
      sqlite::Transaction tx(db_);
      auto q = db_.prepare("DELETE FROM images WHERE id = ?");
      q.bind(1, image.id);
      q.run();
      tx.commit();
    }
    if (!digest_used(image.sha256)) {
      std::error_code ec;
      fs::remove(content_path(image.sha256), ec);
      fs::remove_all(tree_path(image.sha256), ec);
    }
    return image;
  } catch (const sqlite::Error& e) {
    return Refusal{Refusal::Kind::kStorage, std::string("cannot remove the image: ") + e.what()};
  }
}

}  // namespace slipway::imaging
