#include "imaging/agent/fs_used_blocks.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace slipway::imaging::agent {
namespace {

uint16_t le16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>(b[at] | (b[at + 1] << 8));
}
uint32_t le32(std::span<const uint8_t> b, size_t at) {
  return uint32_t{b[at]} | (uint32_t{b[at + 1]} << 8) | (uint32_t{b[at + 2]} << 16) |
         (uint32_t{b[at + 3]} << 24);
}

// --- ext2/3/4 ----------------------------------------------------------------------------------

constexpr uint16_t kExtMagic = 0xEF53;
constexpr uint32_t kCompatSparseSuper2 = 0x200;
constexpr uint32_t kIncompatRecover = 0x4;
constexpr uint32_t kIncompatMetaBg = 0x10;
constexpr uint32_t kIncompat64Bit = 0x80;
constexpr uint32_t kRoCompatSparseSuper = 0x1;
constexpr uint32_t kRoCompatGdtCsum = 0x10;
constexpr uint32_t kRoCompatMetadataCsum = 0x400;
constexpr uint16_t kBgBlockUninit = 0x2;
constexpr uint32_t kCompatHasJournal = 0x4;
constexpr uint32_t kIncompatExtents = 0x40;

bool power_of(uint64_t n, uint64_t base) {
  while (n > 1 && n % base == 0) n /= base;
  return n == 1;
}

std::string uuid_text(std::span<const uint8_t> b) {
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

Result<std::optional<UsedBlocks>> ext_used(const ReadAt& read, uint64_t size_bytes,
                                           std::span<const uint8_t> sb) {
  const uint32_t log_block = le32(sb, 0x18);
  if (log_block > 6) return Error{"ext: block size 2^" + std::to_string(10 + log_block)};
  const uint64_t block = 1024ull << log_block;
  const uint32_t compat = le32(sb, 0x5C), incompat = le32(sb, 0x60), ro_compat = le32(sb, 0x64);
  if (incompat & (kIncompatRecover | kIncompatMetaBg)) return std::optional<UsedBlocks>{};
  const bool is64 = incompat & kIncompat64Bit;
  const uint64_t blocks = le32(sb, 0x4) | (is64 ? uint64_t{le32(sb, 0x150)} << 32 : 0);
  const uint64_t first_data = le32(sb, 0x14);
  const uint64_t per_group = le32(sb, 0x20);
  const uint64_t inodes_per_group = le32(sb, 0x28);
  const uint32_t rev = le32(sb, 0x4C);
  const uint64_t inode_size = rev >= 1 ? le16(sb, 0x58) : 128;
  const uint64_t desc_size = is64 ? le16(sb, 0xFE) : 32;
  const uint64_t reserved_gdt = le16(sb, 0xCE);
  if (per_group == 0 || per_group > 8 * block || blocks <= first_data || desc_size < 32 ||
      desc_size > block || inode_size < 128 || inode_size > block) {
    return Error{"ext: inconsistent superblock"};
  }
  if (blocks > size_bytes / block) {
    return Error{"ext: the filesystem (" + std::to_string(blocks * block) +
                 " bytes) is larger than its partition (" + std::to_string(size_bytes) + ")"};
  }
  const uint64_t groups = (blocks - first_data + per_group - 1) / per_group;
  const uint64_t gdt_blocks = (groups * desc_size + block - 1) / block;
  const bool uninit_valid = ro_compat & (kRoCompatGdtCsum | kRoCompatMetadataCsum);
  const uint64_t itable_blocks = (inodes_per_group * inode_size + block - 1) / block;

  auto has_super = [&](uint64_t g) {
    if (g == 0) return true;
    if (compat & kCompatSparseSuper2) return g == le32(sb, 0x24C) || g == le32(sb, 0x250);
    if (!(ro_compat & kRoCompatSparseSuper)) return true;
    return g == 1 || power_of(g, 3) || power_of(g, 5) || power_of(g, 7);
  };

  std::vector<uint8_t> gdt(gdt_blocks * block);
  if (auto r = read((first_data + 1) * block, gdt); !r) return r.error();

  UsedBlocks out;
  out.filesystem = (incompat & kIncompatExtents)  ? "ext4"
                   : (compat & kCompatHasJournal) ? "ext3"
                                                  : "ext2";
  out.uuid = uuid_text(sb.subspan(0x68, 16));
  out.block_bytes = block;
  std::vector<ByteRange>& r = out.ranges;
  r.push_back({0, (first_data + 1) * block});  // boot block and the primary superblock
  auto mark = [&](uint64_t first, uint64_t count) {
    if (first >= blocks) return;
    count = std::min(count, blocks - first);
    r.push_back({first * block, count * block});
  };
  // Every group's bitmaps and inode table, wherever flex_bg put them.
  for (uint64_t g = 0; g < groups; ++g) {
    std::span<const uint8_t> d(gdt.data() + g * desc_size, desc_size);
    auto at = [&](size_t lo, size_t hi) {
      return uint64_t{le32(d, lo)} | (desc_size >= 64 ? uint64_t{le32(d, hi)} << 32 : 0);
    };
    mark(at(0x0, 0x20), 1);
    mark(at(0x4, 0x24), 1);
    mark(at(0x8, 0x28), itable_blocks);
  }
  std::vector<uint8_t> bitmap(block);
  for (uint64_t g = 0; g < groups; ++g) {
    const uint64_t start = first_data + g * per_group;
    const uint64_t count = std::min(per_group, blocks - start);
    if (has_super(g)) mark(start, 1 + gdt_blocks + reserved_gdt);
    std::span<const uint8_t> d(gdt.data() + g * desc_size, desc_size);
    if (uninit_valid && (le16(d, 0x12) & kBgBlockUninit)) continue;
    const uint64_t where =
        uint64_t{le32(d, 0x0)} | (desc_size >= 64 ? uint64_t{le32(d, 0x20)} << 32 : 0);
    if (where >= blocks) return Error{"ext: group " + std::to_string(g) + "'s bitmap is outside"};
    if (auto rd = read(where * block, bitmap); !rd) return rd.error();
    uint64_t run = 0;
    for (uint64_t i = 0; i <= count; ++i) {
      const bool used = i < count && (bitmap[i / 8] >> (i % 8)) & 1;
      if (used) {
        ++run;
      } else if (run > 0) {
        mark(start + i - run, run);
        run = 0;
      }
    }
  }
  normalize_ranges(r);
  return std::optional<UsedBlocks>{std::move(out)};
}

// --- FAT16/32 ----------------------------------------------------------------------------------

Result<std::optional<UsedBlocks>> fat_used(const ReadAt& read, uint64_t size_bytes,
                                           std::span<const uint8_t> bs) {
  const uint64_t bps = le16(bs, 11);
  const uint64_t spc = bs[13];
  const uint64_t reserved = le16(bs, 14);
  const uint64_t fats = bs[16];
  const uint64_t root_entries = le16(bs, 17);
  const uint64_t total = le16(bs, 19) ? le16(bs, 19) : le32(bs, 32);
  const uint64_t fat_sectors = le16(bs, 22) ? le16(bs, 22) : le32(bs, 36);
  const bool sane = bps >= 512 && bps <= 4096 && (bps & (bps - 1)) == 0 && spc > 0 &&
                    (spc & (spc - 1)) == 0 && reserved > 0 && fats > 0 && fat_sectors > 0;
  if (!sane) return std::optional<UsedBlocks>{};
  const uint64_t root_sectors = (root_entries * 32 + bps - 1) / bps;
  const uint64_t meta = reserved + fats * fat_sectors + root_sectors;
  if (total <= meta || total * bps > size_bytes) {
    return Error{"FAT: inconsistent boot sector (" + std::to_string(total) + " sectors)"};
  }
  const uint64_t clusters = (total - meta) / spc;
  if (clusters < 4085) return std::optional<UsedBlocks>{};  // FAT12
  const bool fat32 = clusters >= 65525;
  const uint64_t entry = fat32 ? 4 : 2;
  if ((clusters + 2) * entry > fat_sectors * bps) return Error{"FAT: the FAT is too small"};
  std::vector<uint8_t> fat((clusters + 2) * entry);
  if (auto r = read(reserved * bps, fat); !r) return r.error();

  UsedBlocks out;
  out.filesystem = "vfat";
  const size_t id_at = fat32 ? 67 : 39;
  char id[10];
  std::snprintf(id, sizeof id, "%04X-%04X", le16(bs, id_at + 2), le16(bs, id_at));
  out.uuid = id;
  out.block_bytes = spc * bps;
  out.ranges.push_back({0, meta * bps});
  const uint64_t cluster_bytes = spc * bps;
  uint64_t run = 0;
  for (uint64_t c = 2; c <= clusters + 2; ++c) {
    bool used = false;
    if (c < clusters + 2) {
      uint32_t v = fat32 ? le32(fat, c * 4) & 0x0FFFFFFF : le16(fat, c * 2);
      used = v != 0;
    }
    if (used) {
      ++run;
    } else if (run > 0) {
      out.ranges.push_back({meta * bps + (c - run - 2) * cluster_bytes, run * cluster_bytes});
      run = 0;
    }
  }
  normalize_ranges(out.ranges);
  return std::optional<UsedBlocks>{std::move(out)};
}

}  // namespace

uint64_t UsedBlocks::used_bytes() const {
  uint64_t sum = 0;
  for (const auto& r : ranges) sum += r.length;
  return sum;
}

void normalize_ranges(std::vector<ByteRange>& ranges) {
  std::erase_if(ranges, [](const ByteRange& r) { return r.length == 0; });
  std::sort(ranges.begin(), ranges.end(),
            [](const ByteRange& a, const ByteRange& b) { return a.offset < b.offset; });
  std::vector<ByteRange> merged;
  for (const auto& r : ranges) {
    if (!merged.empty() && r.offset <= merged.back().offset + merged.back().length) {
      uint64_t end = std::max(merged.back().offset + merged.back().length, r.offset + r.length);
      merged.back().length = end - merged.back().offset;
    } else {
      merged.push_back(r);
    }
  }
  ranges = std::move(merged);
}

Result<std::optional<UsedBlocks>> used_blocks(const ReadAt& read, uint64_t size_bytes) {
  if (size_bytes < 2048) return std::optional<UsedBlocks>{};
  std::array<uint8_t, 1024> sb{};
  if (auto r = read(1024, sb); !r) return r.error();
  if (le16(sb, 0x38) == kExtMagic) return ext_used(read, size_bytes, sb);
  std::array<uint8_t, 512> bs{};
  if (auto r = read(0, bs); !r) return r.error();
  if (bs[510] == 0x55 && bs[511] == 0xAA && (bs[0] == 0xEB || bs[0] == 0xE9)) {
    return fat_used(read, size_bytes, bs);
  }
  return std::optional<UsedBlocks>{};
}

}  // namespace slipway::imaging::agent
