#include "imaging/agent/disk_capture.h"

#include <zstd.h>

#include <algorithm>
#include <set>

#include "imaging/agent/disk_layout.h"
#include "imaging/agent/gpt.h"
#include "imaging/sha256.h"

namespace slipway::imaging::agent {

namespace {

bool all_zero(std::span<const uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
}

// The disk's GPT, or nullopt when it has none this reads (a damaged one included).
Result<std::optional<GptTable>> read_gpt(const ReadAt& read, uint64_t size_bytes) {
  if (size_bytes < 2 * kSectorBytes) return std::optional<GptTable>();
  std::vector<uint8_t> header(kSectorBytes);
  if (auto s = read(kSectorBytes, header); !s) return s.error();
  const size_t need = gpt_bytes_needed(header);
  if (need == 0 || need > size_bytes - kSectorBytes) return std::optional<GptTable>();
  std::vector<uint8_t> bytes(need);
  if (auto s = read(kSectorBytes, bytes); !s) return s.error();
  auto table = parse_gpt(bytes);
  if (!table) return std::optional<GptTable>();
  return std::optional<GptTable>(std::move(*table));
}

// Partitions by first LBA, or nullopt when one lies outside the disk or overlaps another (the
// table is not trusted then: the disk is captured whole).
std::optional<std::vector<GptPartition>> ordered_partitions(const GptTable& table,
                                                            uint64_t size_bytes) {
  auto parts = table.partitions;
  std::sort(parts.begin(), parts.end(),
            [](const GptPartition& a, const GptPartition& b) { return a.first_lba < b.first_lba; });
  uint64_t end = 1;  // the primary header
  for (const auto& p : parts) {
    if (p.first_lba <= end || p.last_lba < p.first_lba || p.last_lba >= size_bytes / kSectorBytes) {
      return std::nullopt;
    }
    end = p.last_lba;
  }
  return parts;
}

void add_region(DiskCapture& out, CapturedRegion region, const std::vector<ByteRange>& used,
                uint64_t window_bytes) {
  auto windows = capture_windows(region.offset, region.length, used, window_bytes);
  for (const auto& w : windows) {
    for (const auto& r : w.reads) out.bytes_to_read += r.length;
  }
  out.windows.insert(out.windows.end(), windows.begin(), windows.end());
  out.disk.regions.push_back(std::move(region));
}

void add_raw_region(DiskCapture& out, const std::string& what, uint64_t offset, uint64_t length,
                    uint64_t window_bytes) {
  add_region(out, CapturedRegion{what, offset, length, "raw", "", "", length},
             {ByteRange{0, length}}, window_bytes);
}

// A partition's region: its filesystem's used blocks, or all of it when that is unknown.
Status add_partition_region(DiskCapture& out, const ReadAt& read, const GptPartition& p,
                            uint64_t window_bytes) {
  const uint64_t offset = p.first_lba * kSectorBytes;
  const uint64_t length = (p.last_lba - p.first_lba + 1) * kSectorBytes;
  const std::string what = "partition " + std::to_string(p.number);
  ReadAt in_partition = [&](uint64_t at, std::span<uint8_t> bytes) -> Status {
    if (at > length || bytes.size() > length - at) {
      return Error{"a read past the end of " + what};
    }
    return read(offset + at, bytes);
  };
  auto used = used_blocks(in_partition, length);
  PartitionLayout& layout = out.disk.layout.partitions.emplace_back();
  layout = {p.number, p.type.to_string(), p.unique.to_string(), p.name, p.first_lba, p.last_lba,
            ""};
  if (!used || !*used) {
    add_raw_region(out, what, offset, length, window_bytes);
    return {};
  }
  const UsedBlocks& u = **used;
  layout.filesystem = u.filesystem;
  add_region(out, {what, offset, length, "used-blocks", u.filesystem, u.uuid, u.used_bytes()},
             u.ranges, window_bytes);
  return {};
}

struct ReadWindow {
  ChunkRef ref;
  std::vector<uint8_t> plain;
};

Result<std::optional<ReadWindow>> read_window(const ReadAt& read, const CaptureWindow& w,
                                              uint64_t& bytes_read) {
  ReadWindow out;
  out.plain.assign(w.length, 0);
  for (const auto& r : w.reads) {
    std::span<uint8_t> into(out.plain.data() + (r.offset - w.offset), r.length);
    if (auto s = read(r.offset, into); !s) return s.error();
    bytes_read += r.length;
  }
  if (all_zero(out.plain)) return std::optional<ReadWindow>();
  out.ref = {w.offset, static_cast<uint32_t>(w.length), sha256_hex(out.plain)};
  return std::optional<ReadWindow>(std::move(out));
}

// Asks the sink about the batch's distinct digests and puts the missing ones.
Status send_batch(const std::vector<ReadWindow>& batch, ChunkSink& sink) {
  std::vector<std::string> digests;
  for (const auto& w : batch) {
    if (std::find(digests.begin(), digests.end(), w.ref.sha256) == digests.end()) {
      digests.push_back(w.ref.sha256);
    }
  }
  if (digests.empty()) return {};
  auto missing = sink.missing(digests);
  if (!missing) return missing.error();
  std::set<std::string> wanted(missing->begin(), missing->end());
  for (const auto& w : batch) {
    if (wanted.erase(w.ref.sha256) == 0) continue;
    auto packed = compress_chunk(w.plain);
    if (!packed) return packed.error();
    if (auto s = sink.put(w.ref.sha256, *packed); !s) return s;
  }
  return {};
}

}  // namespace

Result<std::vector<uint8_t>> compress_chunk(std::span<const uint8_t> plain) {
  std::vector<uint8_t> packed(ZSTD_compressBound(plain.size()));
  const size_t n =
      ZSTD_compress(packed.data(), packed.size(), plain.data(), plain.size(), kChunkZstdLevel);
  if (ZSTD_isError(n)) return Error{std::string("zstd: ") + ZSTD_getErrorName(n)};
  packed.resize(n);
  return packed;
}

Result<DiskCapture> plan_disk_capture(const ReadAt& read, const std::string& name,
                                      uint64_t size_bytes, uint64_t window_bytes) {
  if (window_bytes == 0 || window_bytes > kMaxChunkBytes) {
    return Error{"a chunk size of " + std::to_string(window_bytes) + " bytes (1.." +
                 std::to_string(kMaxChunkBytes) + ")"};
  }
  DiskCapture out;
  out.disk.layout.name = name;
  out.disk.layout.size_bytes = size_bytes;
  if (size_bytes >= kSectorBytes) {
    std::vector<uint8_t> lba0(kMbrBootCodeBytes);
    if (auto s = read(0, lba0); !s) return s.error();
    out.mbr_boot_code = !all_zero(lba0);
  }
  auto table = read_gpt(read, size_bytes);
  if (!table) return table.error();
  std::optional<std::vector<GptPartition>> parts;
  if (*table) parts = ordered_partitions(**table, size_bytes);
  if (!parts) {
    out.disk.layout.gpt = false;
    // "head" (LBA 0 to the first partition) covers the whole disk when there is none: the
    // manifest knows no other name for a region outside the partitions.
    add_raw_region(out, "head", 0, size_bytes, window_bytes);
    return out;
  }
  out.disk.disk_guid = (*table)->header.disk_guid.to_string();
  const uint64_t head_end = parts->empty() ? size_bytes : parts->front().first_lba * kSectorBytes;
  add_raw_region(out, "head", 0, head_end, window_bytes);
  for (const auto& p : *parts) {
    if (auto s = add_partition_region(out, read, p, window_bytes); !s) return s.error();
  }
  return out;
}

Status capture_chunks(const ReadAt& read, DiskCapture& capture, ChunkSink& sink,
                      const std::function<void(uint64_t)>& progress, size_t batch) {
  batch = std::clamp<size_t>(batch, 1, kMaxMissingBatch);
  uint64_t bytes_read = 0;
  std::vector<ReadWindow> pending;
  auto flush = [&]() -> Status {
    if (auto s = send_batch(pending, sink); !s) return s;
    for (auto& w : pending) capture.disk.chunks.push_back(std::move(w.ref));
    pending.clear();
    return {};
  };
  for (const auto& w : capture.windows) {
    auto got = read_window(read, w, bytes_read);
    if (!got) return got.error();
    if (*got) pending.push_back(std::move(**got));
    progress(bytes_read);
    if (pending.size() >= batch) {
      if (auto s = flush(); !s) return s;
    }
  }
  if (auto s = flush(); !s) return s;
  std::sort(capture.disk.chunks.begin(), capture.disk.chunks.end(),
            [](const ChunkRef& a, const ChunkRef& b) { return a.offset < b.offset; });
  return {};
}

std::string detect_boot_loader(std::span<const DiskCapture> disks) {
  bool bios = false;
  bool efi = false;
  for (const auto& d : disks) {
    bios = bios || d.mbr_boot_code;
    for (const auto& p : d.disk.layout.partitions) {
      bios = bios || p.type == kBiosBootType;
      efi = efi || p.type == kEfiSystemType;
    }
  }
  if (bios && efi) return "grub-bios+grub-efi";
  if (bios) return "grub-bios";
  if (efi) return "grub-efi";
  return "none";
}

}  // namespace slipway::imaging::agent
