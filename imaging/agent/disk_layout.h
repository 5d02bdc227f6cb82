#pragma once
// A fresh GUID partition table for an empty disk, as the installer needs it before it unpacks a
// root-filesystem tarball (a disk image brings its own table; a tarball does not). Pure: the
// caller passes the disk's size and every GUID (it draws random ones), gets the bytes back and
// writes them; the same input always gives the same bytes, so tests compare them exactly.
//
// The table is the usual one (what sgdisk and sfdisk write): a protective MBR at LBA 0, the
// primary header at LBA 1 with 128 entries of 128 bytes at LBAs 2..33, the backup entries in the
// 32 sectors before the last one and the backup header in the last. Partitions start on 1 MiB
// (2048-sector) boundaries, the first at 2048; a partition given as "the rest of the disk" also
// ends on one. 512-byte sectors only (kSectorBytes).

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "imaging/agent/gpt.h"

namespace slipway::imaging::agent {

inline constexpr uint64_t kPartitionAlignSectors = 2048;  // 1 MiB
inline constexpr uint32_t kGptEntryCount = 128;
inline constexpr uint64_t kGptTableSectors = 33;  // header + 32 sectors of entries, each end

struct PartitionSpec {
  Guid type;         // not all-zero (that marks an unused entry)
  Guid unique;       // not all-zero, different from every other GUID of the table
  std::string name;  // printable ASCII, at most 36 characters (stored as UTF-16LE)
  // 0: the rest of the disk, up to the last 1 MiB boundary before the backup table (only for
  // the last partition; at least 1 MiB).
  uint64_t sectors = 0;
};

// What to write: `head` at LBA 0 and `tail` at LBA `tail_lba`. Everything in between is left to
// the caller (stale filesystem signatures inside the new partitions are not cleared here).
struct GptLayout {
  std::vector<uint8_t> head;  // LBAs 0..33: protective MBR, primary header, primary entries
  uint64_t tail_lba = 0;      // disk_sectors - 33
  std::vector<uint8_t> tail;  // backup entries, then the backup header in the disk's last sector
  std::vector<GptPartition> partitions;  // where each spec went, numbered from 1 in spec order
};

// The table for a disk of `disk_sectors` 512-byte sectors holding `partitions` in order. Refuses
// (naming the partition) a disk too small for the table or the partitions, more than 128
// partitions, a size-0 partition that is not the last, a bad name or GUID, and a disk whose byte
// size does not fit 64 bits.
Result<GptLayout> build_gpt(uint64_t disk_sectors, const Guid& disk_guid,
                            std::span<const PartitionSpec> partitions);

// The table for partitions already placed (a restore keeps each partition where the snapshot had
// it): checks that every partition is numbered 1..128 once, has non-zero GUIDs and a printable
// ASCII name and lies inside the usable sectors without overlapping another; refuses with the
// reason. build_gpt() places its specs and ends here.
Result<GptLayout> encode_gpt(uint64_t disk_sectors, const Guid& disk_guid,
                             std::vector<GptPartition> partitions);

// The MBR's boot code area (bytes 0..439 of LBA 0: GRUB's boot.img on a BIOS-bootable disk),
// copied from `lba0` into the front of `head`; the disk signature and partition entries of
// `head` stay as they are.
inline constexpr size_t kMbrBootCodeBytes = 440;
void keep_boot_code(std::vector<uint8_t>& head, std::span<const uint8_t> lba0);

// The installer's layout, the test image's partitions (image/build-test-image.sh: the same types,
// names and order): 1 BIOS boot (1 MiB, "bios"), 2 EFI system (256 MiB, "esp"; the test image's
// is 64 MiB), 3 Linux root x86-64 (the rest, at least 1 MiB, "slipway-root"). `unique` are the
// partitions' GUIDs in that order.
inline constexpr uint32_t kStandardBiosPartition = 1;
inline constexpr uint32_t kStandardEspPartition = 2;
inline constexpr uint32_t kStandardRootPartition = 3;
inline constexpr uint64_t kStandardEspSectors = 256 * 2048;
Result<GptLayout> standard_layout(uint64_t disk_sectors, const Guid& disk_guid,
                                  const std::array<Guid, 3>& unique);

}  // namespace slipway::imaging::agent
