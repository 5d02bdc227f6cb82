#include "imaging/agent/bios_boot.h"

#include <algorithm>
#include <boost/endian/conversion.hpp>
#include <string>

#include "imaging/agent/gpt.h"

namespace slipway::imaging::agent {

namespace {

constexpr size_t kBootCodeBytes = 440;       // the rest of LBA 0: disk signature, MBR table, 55 AA
constexpr size_t kKernelSectorAt = 0x5c;     // GRUB_BOOT_MACHINE_KERNEL_SECTOR
constexpr size_t kDriveCheckAt = 0x66;       // GRUB_BOOT_MACHINE_DRIVE_CHECK
constexpr size_t kFirstBlocklistAt = 0x1f4;  // diskboot's blocklist_default_start

}  // namespace

Result<BiosBootCode> embed_grub_bios(std::span<const uint8_t> boot_img,
                                     std::span<const uint8_t> core_img,
                                     uint64_t partition_first_lba, uint64_t partition_sectors,
                                     std::span<const uint8_t> current_lba0) {
  if (boot_img.size() != kSectorBytes || boot_img[510] != 0x55 || boot_img[511] != 0xAA) {
    return Error{"GRUB boot.img: not a 512-byte boot sector ending in 55 AA (" +
                 std::to_string(boot_img.size()) + " bytes)"};
  }
  if (current_lba0.size() != kSectorBytes) {
    return Error{"GRUB BIOS boot: the disk's LBA 0 must be one 512-byte sector"};
  }
  if (core_img.size() < kSectorBytes) {
    return Error{"GRUB core.img: " + std::to_string(core_img.size()) +
                 " bytes, less than the one sector that holds its blocklist"};
  }
  if (partition_first_lba == 0) {
    return Error{"GRUB BIOS boot: the BIOS boot partition cannot start at LBA 0"};
  }
  const uint64_t core_sectors = (core_img.size() + kSectorBytes - 1) / kSectorBytes;
  if (core_sectors > partition_sectors) {
    return Error{"GRUB core.img: " + std::to_string(core_sectors) +
                 " sectors do not fit the BIOS boot partition of " +
                 std::to_string(partition_sectors)};
  }
  BiosBootCode out;
  out.lba0.assign(current_lba0.begin(), current_lba0.end());
  std::copy_n(boot_img.begin(), kBootCodeBytes, out.lba0.begin());
  boost::endian::store_little_u64(out.lba0.data() + kKernelSectorAt, partition_first_lba);
  out.lba0[kDriveCheckAt] = 0x90;
  out.lba0[kDriveCheckAt + 1] = 0x90;

  out.core.assign(core_img.begin(), core_img.end());
  out.core.resize(core_sectors * kSectorBytes, 0);
  boost::endian::store_little_u64(out.core.data() + kFirstBlocklistAt, partition_first_lba + 1);
  return out;
}

}  // namespace slipway::imaging::agent
