#pragma once
// GUID partition tables (UEFI 2.10, chapter 5.3) as the installer needs them after writing a disk
// image onto a larger disk: read the primary table, find partitions by type, and move the backup
// table to the real end of the disk. Pure functions over bytes: no file access, so unit tests
// and fuzzers use them directly.
//
// Only 512-byte logical sectors (what virtio, AHCI and NVMe disks of this kind report).

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace slipway::imaging::agent {

inline constexpr uint64_t kSectorBytes = 512;

// A GUID in its on-disk (mixed-endian) byte order, printed and parsed in the usual text form.
struct Guid {
  std::array<uint8_t, 16> bytes{};
  static std::optional<Guid> parse(std::string_view text);
  std::string to_string() const;  // upper-case, as sgdisk and the UEFI spec print them
  bool operator==(const Guid&) const = default;
};

// Partition types the installer looks for.
Guid linux_root_x86_64_type();  // 4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709
Guid efi_system_type();         // C12A7328-F81F-11D2-BA4B-00A0C93EC93B
Guid bios_boot_type();          // 21686148-6449-6E6F-744E-656564454649
Guid linux_data_type();         // 0FC63DAF-8483-4772-8E79-3D69D8477DE4

struct GptPartition {
  uint32_t number = 0;  // 1-based, as the kernel names partitions
  Guid type;
  Guid unique;
  uint64_t first_lba = 0;
  uint64_t last_lba = 0;  // inclusive
  std::string name;       // UTF-16LE name, ASCII only kept
};

struct GptHeader {
  uint64_t current_lba = 0;
  uint64_t backup_lba = 0;
  uint64_t first_usable = 0;
  uint64_t last_usable = 0;
  Guid disk_guid;
  uint64_t entries_lba = 0;
  uint32_t entry_count = 0;
  uint32_t entry_size = 0;
  uint32_t entries_crc = 0;
};

struct GptTable {
  GptHeader header;                      // the primary header
  std::vector<uint8_t> entries;          // the raw entry array (entry_count * entry_size bytes)
  std::vector<GptPartition> partitions;  // the used entries
};

// The bytes from LBA 1 for as long as the entry array reaches (33 sectors for 128 entries of 128
// bytes); `lba1` holds at least the header sector. Checks the signature, revision, sizes and both
// CRC32s; refuses with the reason.
Result<GptTable> parse_gpt(std::span<const uint8_t> from_lba1);
// How many bytes from LBA 1 parse_gpt needs once the header sector is known (0 if it is not a
// GPT header).
size_t gpt_bytes_needed(std::span<const uint8_t> header_sector);

// The primary header, backup header and backup entries after the disk grew (or shrank, as long
// as every partition still fits) to `disk_sectors`: the backup table moves to the last sectors,
// last_usable follows it, CRCs are recomputed. Partitions are not changed.
struct GptRewrite {
  std::vector<uint8_t> primary_header;  // one sector, for LBA 1
  uint64_t backup_entries_lba = 0;
  std::vector<uint8_t> backup_entries;
  std::vector<uint8_t> backup_header;  // one sector, for disk_sectors - 1
};
Result<GptRewrite> relocate_backup(const GptTable& table, uint64_t disk_sectors);

// The protective MBR (LBA 0) with its 0xEE entry's size set for `disk_sectors` (capped at
// 2^32 - 1), the boot code in front of it left alone; nullopt when LBA 0 has no 0xEE entry.
std::optional<std::vector<uint8_t>> resize_protective_mbr(std::span<const uint8_t> lba0,
                                                          uint64_t disk_sectors);

// The kernel's name of partition `number` of disk `disk` ("vda" -> "vda3", "nvme0n1" ->
// "nvme0n1p3", "mmcblk0" -> "mmcblk0p3").
std::string partition_device_name(const std::string& disk, uint32_t number);

// One sector holding `header` as stored (92-byte header, the rest zero) with its CRC32 computed;
// entries_crc is taken as given.
std::vector<uint8_t> encode_gpt_header(const GptHeader& header);

uint32_t crc32(std::span<const uint8_t> data);

}  // namespace slipway::imaging::agent
