#pragma once
// GRUB 2.06's BIOS boot code on a GPT disk, as grub-bios-setup installs it (and as
// image/build-test-image.sh's bios_embed does by hand): core.img (grub-mkimage -O i386-pc) in
// the BIOS boot partition, boot.img's code in LBA 0 pointing at it. Pure: the caller reads
// boot.img, core.img and the disk's LBA 0 and writes the two results; nothing here touches a
// file or device.
//
// The offsets are GRUB 2.06's (include/grub/i386/pc/boot.h, grub-core/boot/i386/pc/diskboot.S):
// - boot.img 0x5c: the LBA of core.img's first sector (8 bytes, little-endian);
// - boot.img 0x66: a jump over the "is the BIOS drive a hard disk" fix-up; two NOPs make boot.img
//   use drive 0x80 when a buggy BIOS passes 0x00 or 0x01, as grub-bios-setup does for any disk
//   that is not a floppy;
// - core.img 0x1f4: the first blocklist entry of diskboot (8 bytes, LE): where the rest of
//   core.img starts, the sector after the first (its length and load segment, at 0x1fc and
//   0x1fe, grub-mkimage has set already).
// Unlike grub-bios-setup this does not copy a FAT BPB from the old LBA 0: a GPT disk has none.

#include <cstdint>
#include <span>
#include <vector>

#include "common/result.h"

namespace slipway::imaging::agent {

struct BiosBootCode {
  std::vector<uint8_t> lba0;  // 512 bytes for LBA 0
  std::vector<uint8_t> core;  // core.img padded with zeros to whole sectors, for the partition's
                              // first sector on
};

// `boot_img`: boot.img (512 bytes ending in 55 AA); `core_img`: core.img (at least one sector,
// at most `partition_sectors` once padded); the BIOS boot partition's first LBA (not 0) and
// size; `current_lba0`: the disk's LBA 0 (512 bytes), whose disk signature and partition table
// (bytes 440..511, the protective MBR) are kept while boot.img's first 440 bytes replace the
// rest. Refuses anything else with the reason.
Result<BiosBootCode> embed_grub_bios(std::span<const uint8_t> boot_img,
                                     std::span<const uint8_t> core_img,
                                     uint64_t partition_first_lba, uint64_t partition_sectors,
                                     std::span<const uint8_t> current_lba0);

}  // namespace slipway::imaging::agent
