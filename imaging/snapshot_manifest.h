#pragma once
// A snapshot's manifest: what was captured (disk layouts, how each region was read, the chunks
// that hold its content), from which machine (firmware mode, boot loader, hardware facts at
// capture time). Stored as `manifest.json` in the snapshot's tar container and sent to the agent
// that restores it.
//
// A chunk is up to kMaxChunkBytes of one disk at a fixed disk offset, named by the SHA-256 of its
// plain bytes; the chunk store keeps it zstd-compressed. What no chunk covers reads as zeros on
// the target (all-zero windows and free filesystem blocks are never sent).
//
// parse_manifest() checks everything a restore relies on: known version, chunks sorted, inside
// their disk and not overlapping, digests well-formed, partitions inside their disk; a refusal
// names the field. Pure: no I/O.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "imaging/snapshot_layout.h"

namespace slipway::imaging {

inline constexpr uint64_t kMaxChunkBytes = 4 << 20;
inline constexpr uint32_t kManifestVersion = 1;

struct ChunkRef {
  uint64_t offset = 0;  // byte offset on the captured disk
  uint32_t length = 0;  // plain bytes, 1..kMaxChunkBytes
  std::string sha256;   // of the plain bytes, 64 lower-case hex digits
  bool operator==(const ChunkRef&) const = default;
};

// How one region of a disk was read.
struct CapturedRegion {
  std::string what;     // "head" (LBA 0 to the first partition) or "partition N"
  uint64_t offset = 0;  // bytes
  uint64_t length = 0;  // bytes
  std::string mode;     // "used-blocks" (filesystem-aware) or "raw"
  std::string filesystem;
  std::string fs_uuid;
  uint64_t used_bytes = 0;  // what the filesystem had in use (raw: length)
  bool operator==(const CapturedRegion&) const = default;
};

struct CapturedDisk {
  DiskLayout layout;
  std::string disk_guid;  // GPT disk GUID ("" without a table)
  std::string model;
  std::string serial;
  std::vector<CapturedRegion> regions;
  std::vector<ChunkRef> chunks;  // sorted by offset
};

struct SnapshotManifest {
  uint32_t version = kManifestVersion;
  std::string name;
  std::string machine;      // inventory name at capture time
  std::string hostname;     // what the captured system calls itself ("" when unknown)
  std::string firmware;     // "bios", "uefi", "unknown"
  std::string boot_loader;  // what was found: "grub-bios+grub-efi", "grub-efi", "none"...
  std::string created_at;   // RFC 3339 UTC
  nlohmann::json facts = nlohmann::json::object();  // the machine's facts at capture time
  std::vector<CapturedDisk> disks;                  // the boot disk first

  uint64_t logical_bytes() const;  // sum of the chunks' plain lengths
  size_t chunk_count() const;
};

nlohmann::json to_json(const SnapshotManifest& m);
std::string encode_manifest(const SnapshotManifest& m);
Result<SnapshotManifest> parse_manifest(std::string_view text);
Result<SnapshotManifest> manifest_from_json(const nlohmann::json& doc);

// The layouts of a manifest's disks, for plan_layout().
std::vector<DiskLayout> disk_layouts(const SnapshotManifest& m);

}  // namespace slipway::imaging
