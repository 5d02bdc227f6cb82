#pragma once
// SnapshotLibrary: the appliance's snapshots. Records in SQLite (tables `snapshots` and
// `snapshot_chunks`: which chunks each snapshot pins, and whether it stored them first), chunks in
// a ChunkStore under data_dir/snapshots/chunks, and each complete snapshot's manifest also in a tar
// container (data_dir/snapshots/containers/NAME.tar, `manifest.json`) that libarchive and tar read.
//
// A capture goes: begin() (state capturing) -> pin() the chunks the store has, add_chunk() the
// others -> complete(manifest). A chunk is referenced by the capture from the moment it is pinned
// or added, so collect_garbage() never removes a chunk a snapshot uses, complete or not. A
// capture interrupted before complete() keeps its record and chunks; begin() for the same
// machine resumes it.
//
// Thread-safety: one thread (the io_context's), like the database.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/sqlite.h"
#include "imaging/chunk_store.h"
#include "imaging/snapshot_manifest.h"
#include "inventory/machine_store.h"

namespace slipway::imaging {

enum class SnapshotState { kCapturing, kComplete, kFailed };
std::string_view to_string(SnapshotState s);

struct SnapshotRecord {
  int64_t id = 0;
  std::string name;
  std::string machine;
  SnapshotState state = SnapshotState::kCapturing;
  std::string previous_state;  // the machine's state before the capture, to go back to
  int64_t created_at = 0;
  std::optional<int64_t> completed_at;
  uint64_t logical_bytes = 0;  // plain bytes of its chunks (disk content captured)
  uint64_t stored_bytes = 0;   // compressed bytes of its distinct chunks
  uint64_t new_bytes = 0;      // of which this snapshot stored first
  uint64_t chunk_count = 0;
  std::string error;  // why it failed
  bool operator==(const SnapshotRecord&) const = default;
};

// Why `name` cannot name a snapshot, or nullopt (same rules as image names).
std::optional<std::string> invalid_snapshot_name(std::string_view name);

struct VerifyResult {
  uint64_t checked = 0;
  std::vector<std::string> bad;  // "chunk <hex> is damaged: ..." / "... is missing ..."
};

class SnapshotLibrary {
 public:
  // Creates the folders and migrates the tables. Throws sqlite::Error or filesystem_error.
  SnapshotLibrary(sqlite::Database& db, std::filesystem::path data_dir, const Clock& clock);

  // A new capture of `machine`, or the one still capturing for it (resumed; the name then is
  // the earlier one). kInvalid for a bad name, kConflict for a taken one.
  inventory::Outcome<SnapshotRecord> begin(const std::string& name, const std::string& machine,
                                           const std::string& previous_state);
  // A capture filled from an exported file (snapshot_archive.h), never resumed.
  inventory::Outcome<SnapshotRecord> begin_import(const std::string& name,
                                                  const std::string& machine);
  std::optional<SnapshotRecord> find(const std::string& name) const;
  std::optional<SnapshotRecord> capturing(const std::string& machine) const;
  std::vector<SnapshotRecord> list() const;  // oldest first

  // Of `sha256s`, the ones the store lacks; the ones it has are pinned to the capture.
  inventory::Outcome<std::vector<std::string>> pin(const std::string& name,
                                                   const std::vector<std::string>& sha256s);
  // Checks and stores one chunk for the capture (kInvalid: bad digest or bytes).
  inventory::Outcome<ChunkPut> add_chunk(const std::string& name, const std::string& sha256,
                                         std::span<const uint8_t> zstd_bytes);
  // Ends the capture: every chunk of the manifest must be stored and pinned (kConflict names the
  // first missing), the container is written, the sizes recorded. Chunks pinned but not in the
  // manifest are unpinned.
  inventory::Outcome<SnapshotRecord> complete(const std::string& name, SnapshotManifest manifest);
  inventory::Outcome<SnapshotRecord> fail(const std::string& name, const std::string& reason);

  // The manifest of a complete snapshot, read back from its container.
  inventory::Outcome<SnapshotManifest> manifest(const std::string& name) const;
  // Re-reads every chunk of the snapshot and checks its digest.
  inventory::Outcome<VerifyResult> verify(
      const std::string& name, const std::function<void(uint64_t, uint64_t)>& progress = {}) const;
  // Restores under way, one per machine (by inventory id), kept across restarts: which complete
  // snapshot the machine's agent is to write. A snapshot being restored cannot be removed.
  inventory::Outcome<SnapshotRecord> start_restore(const std::string& name, int64_t machine_id);
  std::optional<SnapshotRecord> restore_for(int64_t machine_id) const;
  Status end_restore(int64_t machine_id);
  // Forgets the snapshot and removes the chunks no other snapshot uses (kConflict while it is
  // being restored).
  inventory::Outcome<ChunkCollect> remove(const std::string& name);
  Result<ChunkCollect> collect_garbage();

  const ChunkStore& chunks() const { return chunks_; }
  std::filesystem::path container_path(const std::string& name) const;

 private:
  inventory::Outcome<SnapshotRecord> insert_capturing(const std::string& name,
                                                      const std::string& machine,
                                                      const std::string& previous_state);
  std::vector<SnapshotRecord> load_where(const std::string& where, const std::string& arg) const;
  std::optional<SnapshotRecord> find_state(const std::string& name, SnapshotState state,
                                           inventory::Refusal& why) const;

  sqlite::Database& db_;
  const Clock& clock_;
  std::filesystem::path containers_dir_;
  ChunkStore chunks_;
};

// Writes `manifest.json` into a new tar file at `path` (temporary file, fsync, rename).
Status write_manifest_container(const std::filesystem::path& path, const SnapshotManifest& m);
// Reads `manifest.json` back from such a container.
Result<SnapshotManifest> read_manifest_container(const std::filesystem::path& path);

}  // namespace slipway::imaging
