#pragma once
// A snapshot in one file, to keep it off the appliance: a tar (pax) whose first member is
// `manifest.json` and whose others are `chunks/<sha256>.zst`, every chunk of the snapshot once,
// as the chunk store keeps it. `tar tf` lists it; libarchive reads and writes it.
//
// Export writes a temporary file beside the target, fsyncs it and renames it into place. Import
// checks everything as a capture would (each chunk's digest, the manifest, every chunk present)
// and records a complete snapshot; on any error it forgets the half-imported snapshot and
// removes the chunks only it brought.
//
// Thread-safety: the library's (one thread).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "common/result.h"
#include "imaging/snapshot_library.h"

namespace slipway::imaging {

struct ArchiveStats {
  uint64_t chunks = 0;
  uint64_t bytes = 0;  // the file's size
};

// `progress(done, total)`: chunks written or read so far (total 0 when unknown yet).
using ArchiveProgress = std::function<void(uint64_t, uint64_t)>;

inventory::Outcome<ArchiveStats> export_snapshot(const SnapshotLibrary& library,
                                                 const std::string& name,
                                                 const std::filesystem::path& file,
                                                 const ArchiveProgress& progress = {});

// `name`: empty keeps the manifest's name.
inventory::Outcome<SnapshotRecord> import_snapshot(SnapshotLibrary& library,
                                                   const std::filesystem::path& file,
                                                   const std::string& name,
                                                   const ArchiveProgress& progress = {});

}  // namespace slipway::imaging
