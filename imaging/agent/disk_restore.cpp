#include "imaging/agent/disk_restore.h"

#include <zstd.h>

#include <algorithm>

#include "imaging/sha256.h"

namespace slipway::imaging::agent {

namespace {

constexpr uint64_t kTableBytes = (kGptTableSectors + 1) * kSectorBytes;  // MBR + one GPT

Status wipe_tables(const RestoreTarget& target) {
  if (auto s = target.zero(0, std::min(kTableBytes, target.size_bytes)); !s) return s;
  if (target.size_bytes <= kTableBytes) return {};
  return target.zero(target.size_bytes - kTableBytes, kTableBytes);
}

// Where the region's bytes must read as zeros and no chunk put them: all of a raw region; the
// used blocks of a filesystem region (read from the restored bitmaps), or all of it when they
// cannot be read.
// One pass is enough: a bitmap (or FAT sector) that was all zeros was not sent either, so the
// target holds stale bytes there, but every bitmap block is itself marked used in a bitmap that
// is not all zeros (the one that marks itself), and the FATs are always in use; so the stale
// block is found and zeroed. What the stale bytes claim can only add free blocks to zero.
std::vector<ByteRange> must_be_zero(const CapturedDisk& disk, const CapturedRegion& region,
                                    const RestoreTarget& target) {
  const ByteRange whole{region.offset, region.length};
  if (region.mode != "used-blocks") return uncovered(disk.chunks, whole);
  ReadAt in_region = [&](uint64_t at, std::span<uint8_t> bytes) -> Status {
    if (at > region.length || bytes.size() > region.length - at) {
      return Error{"a read past the end of " + region.what};
    }
    return target.read(region.offset + at, bytes);
  };
  auto used = used_blocks(in_region, region.length);
  if (!used || !*used) return uncovered(disk.chunks, whole);
  std::vector<ByteRange> out;
  for (const auto& r : (*used)->ranges) {
    auto gaps = uncovered(disk.chunks, {region.offset + r.offset, r.length});
    out.insert(out.end(), gaps.begin(), gaps.end());
  }
  return out;
}

Status check_fits(const CapturedDisk& disk, const MappedDisk& mapped, const RestoreTarget& target) {
  if (target.size_bytes < mapped.target_bytes || target.size_bytes < required_bytes(disk.layout)) {
    return Error{"disk " + disk.layout.name + " needs " +
                 std::to_string(std::max(mapped.target_bytes, required_bytes(disk.layout))) +
                 " bytes; " + mapped.target + " has " + std::to_string(target.size_bytes)};
  }
  for (const auto& c : disk.chunks) {
    if (c.offset > target.size_bytes || c.length > target.size_bytes - c.offset) {
      return Error{"chunk " + c.sha256 + " ends past " + mapped.target};
    }
  }
  return {};
}

}  // namespace

std::vector<ByteRange> uncovered(const std::vector<ChunkRef>& chunks, ByteRange range) {
  std::vector<ByteRange> out;
  uint64_t at = range.offset;
  const uint64_t end = range.offset + range.length;
  // Chunks do not overlap, so their ends are sorted as well as their starts.
  auto it = std::lower_bound(chunks.begin(), chunks.end(), at, [](const ChunkRef& c, uint64_t v) {
    return c.offset + c.length <= v;
  });
  for (; it != chunks.end() && it->offset < end && at < end; ++it) {
    if (it->offset > at) out.push_back({at, it->offset - at});
    at = std::max(at, it->offset + it->length);
  }
  if (at < end) out.push_back({at, end - at});
  return out;
}

Result<std::vector<uint8_t>> fetch_chunk(const ChunkSource& source, const ChunkRef& ref) {
  const std::string which = "chunk " + ref.sha256;
  if (ref.length == 0 || ref.length > kMaxChunkBytes) {
    return Error{which + " has a length of " + std::to_string(ref.length) + " bytes"};
  }
  auto packed = source(ref.sha256);
  if (!packed) return Error{which + ": " + packed.error().message};
  std::vector<uint8_t> plain(ref.length);
  const size_t n = ZSTD_decompress(plain.data(), plain.size(), packed->data(), packed->size());
  if (ZSTD_isError(n)) {
    return Error{which + " does not decompress to its " + std::to_string(ref.length) +
                 " bytes: " + ZSTD_getErrorName(n)};
  }
  if (n != ref.length) {
    return Error{which + " decompresses to " + std::to_string(n) + " bytes, not " +
                 std::to_string(ref.length)};
  }
  if (const std::string actual = sha256_hex(plain); actual != ref.sha256) {
    return Error{which + " is damaged: its bytes have SHA-256 " + actual};
  }
  return plain;
}

Result<GptLayout> restored_table(const CapturedDisk& disk, const MappedDisk& mapped) {
  const std::string which = "disk " + disk.layout.name + ": ";
  auto disk_guid = Guid::parse(disk.disk_guid);
  if (!disk_guid) return Error{which + "the disk GUID '" + disk.disk_guid + "' does not parse"};
  std::vector<GptPartition> parts;
  for (const auto& p : mapped.partitions) {
    auto type = Guid::parse(p.type);
    auto unique = Guid::parse(p.unique);
    if (!type || !unique) {
      return Error{which + "partition " + std::to_string(p.number) +
                   " has a GUID that does not parse"};
    }
    parts.push_back({p.number, *type, *unique, p.first_lba, p.last_lba, p.name});
  }
  auto table = encode_gpt(mapped.target_bytes / kSectorBytes, *disk_guid, std::move(parts));
  if (!table) return Error{which + table.error().message};
  return table;
}

Result<RestoreCounts> restore_disk(const CapturedDisk& disk, const MappedDisk& mapped,
                                   const ChunkSource& source, const RestoreTarget& target,
                                   const std::function<void(uint64_t)>& progress) {
  if (auto s = check_fits(disk, mapped, target); !s) return s.error();
  std::optional<GptLayout> table;
  if (disk.layout.gpt) {
    auto t = restored_table(disk, mapped);
    if (!t) return t.error();
    table = std::move(*t);
  }
  bool started = false;
  auto start = [&]() -> Status {
    if (started) return {};
    started = true;
    return wipe_tables(target);
  };
  auto fail = [&](const Error& e) -> Result<RestoreCounts> {
    if (started) (void)wipe_tables(target);
    return e;
  };

  RestoreCounts counts;
  std::vector<uint8_t> lba0(kSectorBytes, 0);
  for (const auto& c : disk.chunks) {
    auto plain = fetch_chunk(source, c);
    if (!plain) return fail(plain.error());
    if (auto s = start(); !s) return fail(s.error());
    if (auto s = target.write(c.offset, *plain); !s) return fail(s.error());
    if (c.offset == 0)
      std::copy_n(plain->begin(), std::min(plain->size(), lba0.size()), lba0.begin());
    counts.chunk_bytes += c.length;
    progress(counts.chunk_bytes);
  }
  if (auto s = start(); !s) return fail(s.error());
  for (const auto& region : disk.regions) {
    for (const auto& r : must_be_zero(disk, region, target)) {
      if (auto s = target.zero(r.offset, r.length); !s) return fail(s.error());
      counts.zeroed += r.length;
    }
  }
  if (table) {
    keep_boot_code(table->head, lba0);
    if (auto s = target.write(0, table->head); !s) return fail(s.error());
    if (auto s = target.write(table->tail_lba * kSectorBytes, table->tail); !s) {
      return fail(s.error());
    }
  }
  return counts;
}

}  // namespace slipway::imaging::agent
