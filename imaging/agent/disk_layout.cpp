#include "imaging/agent/disk_layout.h"

#include <algorithm>
#include <boost/endian/conversion.hpp>
#include <cstring>
#include <limits>

namespace slipway::imaging::agent {

namespace {

namespace endian = boost::endian;

constexpr size_t kEntryBytes = 128;
constexpr size_t kNameUnits = 36;                            // UTF-16 code units of an entry's name
constexpr uint64_t kFirstUsable = 2 + kGptTableSectors - 1;  // 34
constexpr size_t kMbrEntry = 446;                            // the first of the 4 MBR entries

// LBA 0: no boot code, no disk signature, one 0xEE entry from LBA 1 over the whole disk (the
// size field is 32 bits: a larger disk gets 2^32 - 1, as UEFI 2.10 5.2.3 says). The CHS fields
// are what sgdisk and sfdisk write: start 0/0/2, end "beyond CHS" 0xFFFFFF.
std::vector<uint8_t> protective_mbr(uint64_t disk_sectors) {
  std::vector<uint8_t> mbr(kSectorBytes, 0);
  uint8_t* e = mbr.data() + kMbrEntry;
  e[2] = 0x02;
  e[4] = 0xEE;
  e[5] = e[6] = e[7] = 0xFF;
  endian::store_little_u32(e + 8, 1);
  endian::store_little_u32(
      e + 12, static_cast<uint32_t>(std::min<uint64_t>(disk_sectors - 1, 0xFFFFFFFFu)));
  mbr[510] = 0x55;
  mbr[511] = 0xAA;
  return mbr;
}

void encode_entry(uint8_t* e, const GptPartition& p) {
  std::memcpy(e, p.type.bytes.data(), 16);
  std::memcpy(e + 16, p.unique.bytes.data(), 16);
  endian::store_little_u64(e + 32, p.first_lba);
  endian::store_little_u64(e + 40, p.last_lba);
  // Attributes (offset 48) stay 0.
  for (size_t i = 0; i < p.name.size(); ++i) {
    endian::store_little_u16(e + 56 + 2 * i, static_cast<uint8_t>(p.name[i]));
  }
}

Status check_guids(const Guid& disk_guid, std::span<const PartitionSpec> specs) {
  if (disk_guid == Guid{}) return Error{"GPT layout: the disk GUID is all zeros"};
  std::vector<Guid> seen{disk_guid};
  for (size_t i = 0; i < specs.size(); ++i) {
    const std::string which = "GPT layout: partition " + std::to_string(i + 1);
    if (specs[i].type == Guid{}) return Error{which + " has an all-zero type GUID"};
    if (specs[i].unique == Guid{}) return Error{which + " has an all-zero unique GUID"};
    if (std::find(seen.begin(), seen.end(), specs[i].unique) != seen.end()) {
      return Error{which + "'s unique GUID is already used in the table"};
    }
    seen.push_back(specs[i].unique);
  }
  return {};
}

Status check_name(size_t index, const std::string& name) {
  const std::string which = "GPT layout: partition " + std::to_string(index + 1);
  if (name.size() > kNameUnits) {
    return Error{which + "'s name is longer than " + std::to_string(kNameUnits) + " characters"};
  }
  for (char c : name) {
    if (c < 0x20 || c > 0x7E) return Error{which + "'s name is not printable ASCII"};
  }
  return {};
}

// Places the partitions; `last_usable` is the last sector a partition may use.
Result<std::vector<GptPartition>> place(std::span<const PartitionSpec> specs,
                                        uint64_t last_usable) {
  std::vector<GptPartition> out;
  uint64_t next = kPartitionAlignSectors;
  for (size_t i = 0; i < specs.size(); ++i) {
    const PartitionSpec& s = specs[i];
    const std::string which = "GPT layout: partition " + std::to_string(i + 1);
    if (auto ok = check_name(i, s.name); !ok) return ok.error();
    if (s.sectors == 0 && i + 1 != specs.size()) {
      return Error{which + " takes the rest of the disk but is not the last partition"};
    }
    // next <= last_usable + 1 < 2^55 (the disk's bytes fit 64 bits), so this cannot overflow.
    const uint64_t first =
        (next + kPartitionAlignSectors - 1) / kPartitionAlignSectors * kPartitionAlignSectors;
    // "The rest" ends on a 1 MiB boundary too (as sfdisk does; sgdisk cautions otherwise), so
    // it is a whole number of MiB and at least one.
    const uint64_t end = s.sectors == 0
                             ? (last_usable + 1) / kPartitionAlignSectors * kPartitionAlignSectors
                             : last_usable + 1;
    const uint64_t room = first < end ? end - first : 0;
    const uint64_t need = s.sectors == 0 ? kPartitionAlignSectors : s.sectors;
    if (room < need) {
      return Error{which + " (" + s.name + ", " + std::to_string(need) +
                   " sectors) does not fit: the disk has " + std::to_string(room) +
                   " sectors left from sector " + std::to_string(first)};
    }
    GptPartition p;
    p.number = static_cast<uint32_t>(i + 1);
    p.type = s.type;
    p.unique = s.unique;
    p.first_lba = first;
    p.last_lba = s.sectors == 0 ? end - 1 : first + s.sectors - 1;
    p.name = s.name;
    next = p.last_lba + 1;
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

Result<GptLayout> build_gpt(uint64_t disk_sectors, const Guid& disk_guid,
                            std::span<const PartitionSpec> specs) {
  if (disk_sectors > std::numeric_limits<uint64_t>::max() / kSectorBytes) {
    return Error{"GPT layout: " + std::to_string(disk_sectors) +
                 " sectors do not fit a 64-bit byte count"};
  }
  // Both tables, and at least one usable sector between them.
  if (disk_sectors < 2 * kFirstUsable) {
    return Error{"GPT layout: a disk of " + std::to_string(disk_sectors) +
                 " sectors is too small for a partition table"};
  }
  if (specs.size() > kGptEntryCount) {
    return Error{"GPT layout: " + std::to_string(specs.size()) + " partitions, at most " +
                 std::to_string(kGptEntryCount) + " fit the table"};
  }
  if (auto ok = check_guids(disk_guid, specs); !ok) return ok.error();
  auto placed = place(specs, disk_sectors - kGptTableSectors - 1);
  if (!placed) return placed.error();
  return encode_gpt(disk_sectors, disk_guid, std::move(*placed));
}

Result<GptLayout> encode_gpt(uint64_t disk_sectors, const Guid& disk_guid,
                             std::vector<GptPartition> partitions) {
  if (disk_sectors > std::numeric_limits<uint64_t>::max() / kSectorBytes ||
      disk_sectors < 2 * kFirstUsable) {
    return Error{"GPT: a disk of " + std::to_string(disk_sectors) +
                 " sectors cannot hold a partition table"};
  }
  if (disk_guid == Guid{}) return Error{"GPT: the disk GUID is all zeros"};
  const uint64_t backup_entries_lba = disk_sectors - kGptTableSectors;
  std::sort(partitions.begin(), partitions.end(),
            [](const GptPartition& a, const GptPartition& b) { return a.first_lba < b.first_lba; });
  for (size_t i = 0; i < partitions.size(); ++i) {
    const GptPartition& p = partitions[i];
    const std::string which = "GPT: partition " + std::to_string(p.number);
    if (p.number == 0 || p.number > kGptEntryCount) return Error{which + " is not 1..128"};
    if (p.type == Guid{} || p.unique == Guid{}) return Error{which + " has an all-zero GUID"};
    if (auto ok = check_name(p.number - 1, p.name); !ok) return ok.error();
    if (p.first_lba < kFirstUsable || p.first_lba > p.last_lba ||
        p.last_lba >= backup_entries_lba) {
      return Error{which + " (sectors " + std::to_string(p.first_lba) + ".." +
                   std::to_string(p.last_lba) + ") is outside the usable sectors " +
                   std::to_string(kFirstUsable) + ".." + std::to_string(backup_entries_lba - 1)};
    }
    if (i > 0 && partitions[i - 1].last_lba >= p.first_lba) {
      return Error{which + " overlaps partition " + std::to_string(partitions[i - 1].number)};
    }
    for (size_t j = 0; j < i; ++j) {
      if (partitions[j].number == p.number) return Error{which + " appears twice"};
    }
  }

  GptLayout out;
  out.partitions = std::move(partitions);
  std::sort(out.partitions.begin(), out.partitions.end(),
            [](const GptPartition& a, const GptPartition& b) { return a.number < b.number; });
  std::vector<uint8_t> entries(kGptEntryCount * kEntryBytes, 0);
  for (const auto& p : out.partitions) {
    encode_entry(entries.data() + (p.number - 1) * kEntryBytes, p);
  }
  GptHeader primary;
  primary.current_lba = 1;
  primary.backup_lba = disk_sectors - 1;
  primary.first_usable = kFirstUsable;
  primary.last_usable = backup_entries_lba - 1;
  primary.disk_guid = disk_guid;
  primary.entries_lba = 2;
  primary.entry_count = kGptEntryCount;
  primary.entry_size = kEntryBytes;
  primary.entries_crc = crc32(entries);
  GptHeader backup = primary;
  backup.current_lba = primary.backup_lba;
  backup.backup_lba = 1;
  backup.entries_lba = backup_entries_lba;

  out.head = protective_mbr(disk_sectors);
  const auto primary_header = encode_gpt_header(primary);
  out.head.insert(out.head.end(), primary_header.begin(), primary_header.end());
  out.head.insert(out.head.end(), entries.begin(), entries.end());
  out.tail_lba = backup_entries_lba;
  out.tail = std::move(entries);
  const auto backup_header = encode_gpt_header(backup);
  out.tail.insert(out.tail.end(), backup_header.begin(), backup_header.end());
  return out;
}

void keep_boot_code(std::vector<uint8_t>& head, std::span<const uint8_t> lba0) {
  const size_t n = std::min({kMbrBootCodeBytes, head.size(), lba0.size()});
  std::copy_n(lba0.begin(), n, head.begin());
}

Result<GptLayout> standard_layout(uint64_t disk_sectors, const Guid& disk_guid,
                                  const std::array<Guid, 3>& unique) {
  const std::array<PartitionSpec, 3> specs = {
      PartitionSpec{bios_boot_type(), unique[0], "bios", kPartitionAlignSectors},
      PartitionSpec{efi_system_type(), unique[1], "esp", kStandardEspSectors},
      PartitionSpec{linux_root_x86_64_type(), unique[2], "slipway-root", 0},
  };
  return build_gpt(disk_sectors, disk_guid, specs);
}

}  // namespace slipway::imaging::agent
