#pragma once
// Where a snapshot's disks go on the machine it is restored to, decided before anything is
// written: which target disk takes which captured disk, which partition grows (and whether its
// filesystem can follow), and what the boot loader needs when the firmware mode changes.
//
// Rules, in order:
//   - A captured disk needs its partitions' end plus the backup GPT (34 sectors); a disk without
//     a partition table needs its whole size. Captured disks are placed largest need first, each
//     on the smallest free target disk that holds it; when one fits nowhere the whole restore is
//     refused, naming the disk, what it needs and what the targets have.
//   - On a larger disk the partition that ends last grows to the end (1 MiB aligned) when its
//     filesystem can be grown offline (ext4, ext3, ext2); otherwise it keeps its size and the
//     plan says why.
//   - BIOS to UEFI needs an EFI system partition: the snapshot's own, else a new 256 MiB one
//     after the last partition (which then grows only up to it), else a refusal. UEFI to BIOS
//     needs a BIOS boot partition: the snapshot's own, else a new one in the gap before the
//     first partition (at least 256 KiB), else a refusal. In both cases the loader for the
//     target's mode is installed.
//
// Pure: no I/O. Sectors are 512 bytes.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace slipway::imaging {

inline constexpr uint64_t kLayoutSectorBytes = 512;
// GPT partition type GUIDs (upper case, as gpt.h prints them).
inline constexpr const char* kEfiSystemType = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
inline constexpr const char* kBiosBootType = "21686148-6449-6E6F-744E-656564454649";
inline constexpr uint64_t kNewEspBytes = 256ull << 20;

struct PartitionLayout {
  uint32_t number = 0;  // 1-based, as the kernel names partitions
  std::string type;     // GPT type GUID
  std::string unique;   // GPT partition GUID (kept: fstab and loaders may name it)
  std::string name;
  uint64_t first_lba = 0;
  uint64_t last_lba = 0;   // inclusive
  std::string filesystem;  // "ext4", "vfat", "xfs"... or "" when unknown
  bool operator==(const PartitionLayout&) const = default;
};

struct DiskLayout {
  std::string name;  // as captured ("vda")
  uint64_t size_bytes = 0;
  bool gpt = true;  // false: captured whole, no partition table
  std::vector<PartitionLayout> partitions;
};

struct TargetDisk {
  std::string name;
  uint64_t size_bytes = 0;
};

struct MappedDisk {
  size_t source = 0;  // index into the snapshot's disks
  std::string target;
  uint64_t target_bytes = 0;
  std::vector<PartitionLayout> partitions;  // the table to write (grown, new ones added)
  std::optional<uint32_t> grown;            // the partition that grew
  bool grow_filesystem = false;             // its filesystem grows too (resize2fs)
  std::optional<uint32_t> created;          // a partition made for the boot loader (ESP/BIOS boot)
};

struct LayoutPlan {
  std::vector<MappedDisk> disks;
  // The loader to install for the target's firmware mode, when it differs from the captured
  // one: "uefi" or "bios"; empty when the captured boot loader is kept as it is.
  std::string install_loader;
  std::vector<std::string> notes;  // what changed and why, for the operator
};

// What one captured disk needs on a target disk, in bytes.
uint64_t required_bytes(const DiskLayout& disk);

Result<LayoutPlan> plan_layout(const std::vector<DiskLayout>& captured,
                               const std::string& captured_firmware,
                               const std::vector<TargetDisk>& targets,
                               const std::string& target_firmware);

}  // namespace slipway::imaging
