#include "imaging/snapshot_library.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include "common/log.h"
#include "imaging/sha256.h"
#include "imaging/tar_file_writer.h"

namespace slipway::imaging {

namespace fs = std::filesystem;
using inventory::Outcome;
using inventory::Refusal;

namespace {

constexpr std::array<std::string_view, 2> kMigrations = {
    "CREATE TABLE snapshots ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " machine TEXT NOT NULL,"
    " state TEXT NOT NULL,"
    " previous_state TEXT NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " completed_at INTEGER,"
    " logical_bytes INTEGER NOT NULL DEFAULT 0,"
    " stored_bytes INTEGER NOT NULL DEFAULT 0,"
    " new_bytes INTEGER NOT NULL DEFAULT 0,"
    " chunk_count INTEGER NOT NULL DEFAULT 0,"
    " error TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE snapshot_chunks ("
    " snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,"
    " sha256 TEXT NOT NULL,"
    " added INTEGER NOT NULL,"
    " PRIMARY KEY (snapshot_id, sha256)) WITHOUT ROWID;"
    "CREATE INDEX snapshot_chunks_by_sha256 ON snapshot_chunks(sha256);",
    "CREATE TABLE snapshot_restores ("
    " machine_id INTEGER PRIMARY KEY,"
    " snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),"
    " started_at INTEGER NOT NULL);",
};

constexpr std::string_view kColumns =
    "SELECT id, name, machine, state, previous_state, created_at, completed_at, logical_bytes,"
    " stored_bytes, new_bytes, chunk_count, error FROM snapshots ";

constexpr size_t kMaxManifestBytes = 64 << 20;

std::optional<SnapshotState> parse_state(std::string_view s) {
  if (s == "capturing") return SnapshotState::kCapturing;
  if (s == "complete") return SnapshotState::kComplete;
  if (s == "failed") return SnapshotState::kFailed;
  return std::nullopt;
}

Refusal storage(const std::string& what, const std::exception& e) {
  return Refusal{Refusal::Kind::kStorage, what + ": " + e.what()};
}

Refusal not_found(const std::string& name) {
  return Refusal{Refusal::Kind::kNotFound, "no snapshot '" + name + "'"};
}

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

}  // namespace

std::string_view to_string(SnapshotState s) {
  switch (s) {
    case SnapshotState::kCapturing:
      return "capturing";
    case SnapshotState::kComplete:
      return "complete";
    case SnapshotState::kFailed:
      return "failed";
  }
  return "failed";
}

std::optional<std::string> invalid_snapshot_name(std::string_view name) {
  if (name.empty() || name.size() > 63) {
    return "a snapshot name has 1 to 63 characters: '" + std::string(name) + "'";
  }
  if (!std::all_of(name.begin(), name.end(), name_char) ||
      !std::isalnum(static_cast<unsigned char>(name[0]))) {
    return "a snapshot name is made of a-z, 0-9, '.', '_' and '-' and starts with a letter or "
           "digit: '" +
           std::string(name) + "'";
  }
  return std::nullopt;
}

SnapshotLibrary::SnapshotLibrary(sqlite::Database& db, fs::path data_dir, const Clock& clock)
    : db_(db),
      clock_(clock),
      containers_dir_(data_dir / "snapshots" / "containers"),
      chunks_(data_dir / "snapshots" / "chunks") {
  sqlite::migrate(db_, "snapshots", kMigrations);
  fs::create_directories(containers_dir_);
  fs::create_directories(chunks_.root());
}

fs::path SnapshotLibrary::container_path(const std::string& name) const {
  return containers_dir_ / (name + ".tar");
}

std::vector<SnapshotRecord> SnapshotLibrary::load_where(const std::string& where,
                                                        const std::string& arg) const {
  auto q = db_.prepare(std::string(kColumns) + where);
  if (!arg.empty()) q.bind(1, arg);
  std::vector<SnapshotRecord> out;
  while (q.step()) {
    SnapshotRecord r;
    r.id = q.int64(0);
    r.name = q.text(1);
    r.machine = q.text(2);
    r.state = parse_state(q.text(3)).value_or(SnapshotState::kFailed);
    r.previous_state = q.text(4);
    r.created_at = q.int64(5);
    r.completed_at = q.optional_int64(6);
    r.logical_bytes = static_cast<uint64_t>(q.int64(7));
    r.stored_bytes = static_cast<uint64_t>(q.int64(8));
    r.new_bytes = static_cast<uint64_t>(q.int64(9));
    r.chunk_count = static_cast<uint64_t>(q.int64(10));
    r.error = q.text(11);
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<SnapshotRecord> SnapshotLibrary::find(const std::string& name) const {
  auto found = load_where("WHERE name = ?", name);
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::optional<SnapshotRecord> SnapshotLibrary::capturing(const std::string& machine) const {
  auto found = load_where("WHERE state = 'capturing' AND machine = ? ORDER BY id LIMIT 1", machine);
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::vector<SnapshotRecord> SnapshotLibrary::list() const { return load_where("ORDER BY id", ""); }

std::optional<SnapshotRecord> SnapshotLibrary::find_state(const std::string& name,
                                                          SnapshotState state, Refusal& why) const {
  auto r = find(name);
  if (!r) {
    why = not_found(name);
    return std::nullopt;
  }
  if (r->state != state) {
    why = Refusal{Refusal::Kind::kConflict, "snapshot " + name + " is " +
                                                std::string(to_string(r->state)) + ", not " +
                                                std::string(to_string(state))};
    return std::nullopt;
  }
  return r;
}

Outcome<SnapshotRecord> SnapshotLibrary::begin(const std::string& name, const std::string& machine,
                                               const std::string& previous_state) {
  try {
    if (auto open = capturing(machine)) return *open;
  } catch (const sqlite::Error& e) {
    return storage("looking up the captures of " + machine, e);
  }
  return insert_capturing(name, machine, previous_state);
}

Outcome<SnapshotRecord> SnapshotLibrary::begin_import(const std::string& name,
                                                      const std::string& machine) {
  return insert_capturing(name, machine, "");
}

Outcome<SnapshotRecord> SnapshotLibrary::insert_capturing(const std::string& name,
                                                          const std::string& machine,
                                                          const std::string& previous_state) {
  try {
    if (auto bad = invalid_snapshot_name(name)) return Refusal{Refusal::Kind::kInvalid, *bad};
    if (find(name)) {
      return Refusal{Refusal::Kind::kConflict, "there is a snapshot named '" + name + "' already"};
    }
    db_.prepare(
           "INSERT INTO snapshots (name, machine, state, previous_state, created_at)"
           " VALUES (?, ?, 'capturing', ?, ?)")
        .bind(1, name)
        .bind(2, machine)
        .bind(3, previous_state)
        .bind(4, clock_.now())
        .run();
    return *find(name);
  } catch (const sqlite::Error& e) {
    return storage("recording snapshot " + name, e);
  }
}

Outcome<std::vector<std::string>> SnapshotLibrary::pin(const std::string& name,
                                                       const std::vector<std::string>& sha256s) {
  Refusal why;
  auto snap = find_state(name, SnapshotState::kCapturing, why);
  if (!snap) return why;
  std::vector<std::string> missing;
  try {
    sqlite::Transaction tx(db_);
    auto insert = db_.prepare(
        "INSERT OR IGNORE INTO snapshot_chunks (snapshot_id, sha256, added) VALUES (?, ?, 0)");
    for (const auto& sha : sha256s) {
      if (!is_sha256_hex(sha)) {
        return Refusal{Refusal::Kind::kInvalid, "'" + sha + "' is not a SHA-256 (64 hex digits)"};
      }
      if (chunks_.has(sha)) {
        insert.bind(1, snap->id).bind(2, sha).run();
      } else {
        missing.push_back(sha);
      }
    }
    tx.commit();
  } catch (const sqlite::Error& e) {
    return storage("pinning chunks of " + name, e);
  }
  return missing;
}

Outcome<ChunkPut> SnapshotLibrary::add_chunk(const std::string& name, const std::string& sha256,
                                             std::span<const uint8_t> zstd_bytes) {
  Refusal why;
  auto snap = find_state(name, SnapshotState::kCapturing, why);
  if (!snap) return why;
  auto put = chunks_.put_compressed(sha256, zstd_bytes);
  if (!put) return Refusal{Refusal::Kind::kInvalid, put.error().message};
  try {
    db_.prepare(
           "INSERT INTO snapshot_chunks (snapshot_id, sha256, added) VALUES (?, ?, ?)"
           " ON CONFLICT (snapshot_id, sha256) DO UPDATE SET added = MAX(added, excluded.added)")
        .bind(1, snap->id)
        .bind(2, sha256)
        .bind(3, put->added ? 1 : 0)
        .run();
  } catch (const sqlite::Error& e) {
    return storage("recording chunk " + sha256, e);
  }
  return *put;
}

Outcome<SnapshotRecord> SnapshotLibrary::complete(const std::string& name,
                                                  SnapshotManifest manifest) {
  Refusal why;
  auto snap = find_state(name, SnapshotState::kCapturing, why);
  if (!snap) return why;
  manifest.name = name;
  std::set<std::string> wanted;
  for (const auto& d : manifest.disks) {
    for (const auto& c : d.chunks) wanted.insert(c.sha256);
  }
  try {
    std::set<std::string> pinned;
    std::map<std::string, bool> added;
    auto q = db_.prepare("SELECT sha256, added FROM snapshot_chunks WHERE snapshot_id = ?");
    q.bind(1, snap->id);
    while (q.step()) {
      pinned.insert(q.text(0));
      added[q.text(0)] = q.int64(1) != 0;
    }
    uint64_t stored = 0, fresh = 0;
    for (const auto& sha : wanted) {
      if (!pinned.count(sha) || !chunks_.has(sha)) {
        return Refusal{Refusal::Kind::kConflict,
                       "snapshot " + name + ": chunk " + sha + " was never sent (" +
                           std::to_string(wanted.size()) + " chunks in the manifest)"};
      }
      std::error_code ec;
      uint64_t size = fs::file_size(chunks_.path_of(sha), ec);
      stored += size;
      if (added[sha]) fresh += size;
    }
    if (auto w = write_manifest_container(container_path(name), manifest); !w) {
      return Refusal{Refusal::Kind::kStorage, w.error().message};
    }
    sqlite::Transaction tx(db_);
    auto unpin = db_.prepare("DELETE FROM snapshot_chunks WHERE snapshot_id = ? AND sha256 = ?");
    for (const auto& sha : pinned) {
      if (!wanted.count(sha)) unpin.bind(1, snap->id).bind(2, sha).run();
    }
    db_.prepare(
           "UPDATE snapshots SET state = 'complete', completed_at = ?, logical_bytes = ?,"
           " stored_bytes = ?, new_bytes = ?, chunk_count = ? WHERE id = ?")
        .bind(1, clock_.now())
        .bind(2, static_cast<int64_t>(manifest.logical_bytes()))
        .bind(3, static_cast<int64_t>(stored))
        .bind(4, static_cast<int64_t>(fresh))
        .bind(5, static_cast<int64_t>(manifest.chunk_count()))
        .bind(6, snap->id)
        .run();
    tx.commit();
  } catch (const sqlite::Error& e) {
    return storage("completing snapshot " + name, e);
  }
  return *find(name);
}

Outcome<SnapshotRecord> SnapshotLibrary::fail(const std::string& name, const std::string& reason) {
  Refusal why;
  auto snap = find_state(name, SnapshotState::kCapturing, why);
  if (!snap) return why;
  try {
    db_.prepare("UPDATE snapshots SET state = 'failed', error = ? WHERE id = ?")
        .bind(1, reason)
        .bind(2, snap->id)
        .run();
  } catch (const sqlite::Error& e) {
    return storage("recording the failure of snapshot " + name, e);
  }
  return *find(name);
}

Outcome<SnapshotManifest> SnapshotLibrary::manifest(const std::string& name) const {
  Refusal why;
  auto snap = find_state(name, SnapshotState::kComplete, why);
  if (!snap) return why;
  auto m = read_manifest_container(container_path(name));
  if (!m) return Refusal{Refusal::Kind::kStorage, m.error().message};
  return *m;
}

Outcome<VerifyResult> SnapshotLibrary::verify(
    const std::string& name, const std::function<void(uint64_t, uint64_t)>& progress) const {
  auto m = manifest(name);
  if (!m) return m.refusal();
  std::vector<std::string> all;
  for (const auto& d : m->disks) {
    for (const auto& c : d.chunks) all.push_back(c.sha256);
  }
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  VerifyResult out;
  for (const auto& sha : all) {
    if (auto ok = chunks_.read_verified(sha); !ok) out.bad.push_back(ok.error().message);
    ++out.checked;
    if (progress) progress(out.checked, all.size());
  }
  return out;
}

Outcome<ChunkCollect> SnapshotLibrary::remove(const std::string& name) {
  auto snap = find(name);
  if (!snap) return not_found(name);
  try {
    auto q = db_.prepare("SELECT machine_id FROM snapshot_restores WHERE snapshot_id = ? LIMIT 1");
    q.bind(1, snap->id);
    if (q.step()) {
      return Refusal{Refusal::Kind::kConflict,
                     "snapshot " + name + " is being restored onto machine id " +
                         std::to_string(q.int64(0)) + "; delete it when that restore has ended"};
    }
    db_.prepare("DELETE FROM snapshots WHERE id = ?").bind(1, snap->id).run();
  } catch (const sqlite::Error& e) {
    return storage("removing snapshot " + name, e);
  }
  std::error_code ec;
  fs::remove(container_path(name), ec);
  auto gc = collect_garbage();
  if (!gc) return Refusal{Refusal::Kind::kStorage, gc.error().message};
  return *gc;
}

Outcome<SnapshotRecord> SnapshotLibrary::start_restore(const std::string& name,
                                                       int64_t machine_id) {
  Refusal why;
  auto snap = find_state(name, SnapshotState::kComplete, why);
  if (!snap) return why;
  try {
    db_.prepare(
           "INSERT INTO snapshot_restores (machine_id, snapshot_id, started_at) VALUES (?, ?, ?)"
           " ON CONFLICT (machine_id) DO UPDATE SET snapshot_id = excluded.snapshot_id,"
           " started_at = excluded.started_at")
        .bind(1, machine_id)
        .bind(2, snap->id)
        .bind(3, clock_.now())
        .run();
  } catch (const sqlite::Error& e) {
    return storage("recording the restore of " + name, e);
  }
  return *snap;
}

std::optional<SnapshotRecord> SnapshotLibrary::restore_for(int64_t machine_id) const {
  auto q = db_.prepare(
      "SELECT s.name FROM snapshot_restores r JOIN snapshots s ON s.id = r.snapshot_id"
      " WHERE r.machine_id = ?");
  q.bind(1, machine_id);
  if (!q.step()) return std::nullopt;
  return find(q.text(0));
}

Status SnapshotLibrary::end_restore(int64_t machine_id) {
  try {
    db_.prepare("DELETE FROM snapshot_restores WHERE machine_id = ?").bind(1, machine_id).run();
  } catch (const sqlite::Error& e) {
    return Error{std::string("forgetting the restore of machine id ") + std::to_string(machine_id) +
                 ": " + e.what()};
  }
  return {};
}

Result<ChunkCollect> SnapshotLibrary::collect_garbage() {
  std::set<std::string> used;
  try {
    auto q = db_.prepare("SELECT DISTINCT sha256 FROM snapshot_chunks");
    while (q.step()) used.insert(q.text(0));
  } catch (const sqlite::Error& e) {
    return Error{std::string("listing the chunks in use: ") + e.what()};
  }
  auto gc = chunks_.collect([&](const std::string& sha) { return used.count(sha) > 0; });
  if (gc && gc->removed > 0) {
    log::get("snapshots")
        ->info("removed unused chunks count={} bytes={} kept={}", gc->removed, gc->removed_bytes,
               gc->kept);
  }
  return gc;
}

Status write_manifest_container(const fs::path& path, const SnapshotManifest& m) {
  TarFileWriter tar(path);
  if (auto s = tar.open(); !s) return s;
  if (auto s = tar.add("manifest.json", encode_manifest(m)); !s) return s;
  return tar.commit();
}

Result<SnapshotManifest> read_manifest_container(const fs::path& path) {
  std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), &archive_read_free);
  if (!a) return Error{"libarchive: out of memory"};
  archive_read_support_format_tar(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 64 << 10) != ARCHIVE_OK) {
    return Error{"reading " + path.string() + ": " + archive_error_string(a.get())};
  }
  archive_entry* entry = nullptr;
  while (archive_read_next_header(a.get(), &entry) == ARCHIVE_OK) {
    if (std::string_view(archive_entry_pathname(entry)) != "manifest.json") continue;
    const la_int64_t size = archive_entry_size(entry);
    if (size < 0 || static_cast<uint64_t>(size) > kMaxManifestBytes) {
      return Error{path.string() + ": manifest.json is too large"};
    }
    std::string text(static_cast<size_t>(size), '\0');
    if (archive_read_data(a.get(), text.data(), text.size()) != size) {
      return Error{path.string() + ": manifest.json is cut short"};
    }
    auto m = parse_manifest(text);
    if (!m) return Error{path.string() + ": " + m.error().message};
    return m;
  }
  return Error{path.string() + " has no manifest.json"};
}

}  // namespace slipway::imaging
