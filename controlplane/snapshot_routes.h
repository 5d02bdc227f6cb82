#pragma once
// The snapshot routes (SnapshotService), for operators:
//   POST   /api/v1/snapshots                {"name", "machine"} -> {"snapshot"}; the machine
//                                           becomes snapshotting (power it on to capture)
//   GET    /api/v1/snapshots                -> {"snapshots": [...]}
//   GET    /api/v1/snapshots/NAME           -> {"snapshot", "progress", "manifest" (complete)}
//   DELETE /api/v1/snapshots/NAME           -> {"removed_chunks", "removed_bytes", "kept_chunks"}
//   POST   /api/v1/snapshots/NAME/verify    -> {"checked", "bad": [...]}
//   POST   /api/v1/snapshots/NAME/restore   {"machine"} -> {"machine", "snapshot", "plan"}
//   POST   /api/v1/snapshots/NAME/export    {"path"} (on the appliance host) -> {"chunks","bytes"}
//   POST   /api/v1/snapshots/import         {"path", "name"?} -> {"snapshot"}
// and for the runtime's agent (capture and restore modes in imaging/agent/README.md):
//   GET    /api/v1/agent/capture?mac=MAC    -> {"snapshot", "chunk_bytes"}
//   POST   /api/v1/agent/snapshots/NAME/missing   {"sha256": [...]} -> {"missing": [...]}
//   PUT    /api/v1/agent/snapshots/NAME/chunks/SHA   zstd bytes (up to 5 MiB) -> 201/200
//   POST   /api/v1/agent/snapshots/NAME/progress  {"mac","stage","bytes_done",...}
//   POST   /api/v1/agent/snapshots/NAME/complete  the manifest -> {"snapshot"}
//   GET    /api/v1/agent/restore?mac=MAC    -> {"snapshot", "manifest", "boot_mac", ...}
//   GET    /api/v1/agent/chunks/SHA         -> the chunk as stored (zstd)
//   POST   /api/v1/agent/restore/progress   {"mac","stage","bytes_done",...} -> {"machine"}

#include "common/http_server.h"
#include "controlplane/snapshot_service.h"

namespace slipway::controlplane {

// Digests per `missing` call, and the body limit of a chunk upload.
inline constexpr size_t kMaxMissingQuery = 1024;
inline constexpr size_t kMaxChunkUpload = 5 << 20;

void add_snapshot_routes(http::Router& router, SnapshotService& snapshots,
                         imaging::SnapshotLibrary& library);

}  // namespace slipway::controlplane
