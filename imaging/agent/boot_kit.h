#pragma once
// The appliance's boot kit (image/build-boot-kit.sh) put onto a disk: GRUB for BIOS (boot.img
// into the MBR's code area, core.img into the BIOS boot partition, bios_boot.h) and for UEFI
// (BOOTX64.EFI at the ESP's removable-media path), both reading /boot/slipway/grub.cfg, which
// boots the tree's kernel with root=UUID=... Used by install mode for root-filesystem tarballs
// and by restore mode when the firmware changes between capture and restore.

#include <array>
#include <cstdint>
#include <string>
#include <utility>

#include "common/result.h"
#include "imaging/agent/gpt.h"
#include "imaging/agent/install.h"
#include "imaging/agent/install_plan.h"

namespace slipway::imaging::agent {

using BootKit = InstallPlan::Tarball;

// A random RFC 4122 version 4 identifier (GPT GUIDs, filesystem UUIDs), from getrandom.
Result<std::array<uint8_t, 16>> random_v4();
Status random_bytes(void* out, size_t n);

// The kernel and initrd to boot, as paths inside the tree mounted on `root`: /vmlinuz and
// /initrd.img (Debian and Ubuntu keep them on the newest kernel), else the newest
// /boot/vmlinuz-* and its initrd ("" when there is none).
Result<std::pair<std::string, std::string>> find_kernel(const std::string& root);

// Writes /boot/slipway/grub.cfg into the tree mounted on `root`: serial console, the tree's
// kernel with root=UUID=`root_uuid` ro and the kit's kernel arguments. `origin` goes into its
// first comment line. Returns the kernel's path.
Result<std::string> write_slipway_grub_cfg(const std::string& root, const std::string& root_uuid,
                                           const BootKit& kit, const std::string& origin);

// GRUB for BIOS: boot.img's code into LBA 0 of the disk open as `fd` (its protective MBR kept),
// core.img into the BIOS boot partition `bios`.
Status install_bios_loader(const InstallSettings& s, const BootKit& kit, int fd,
                           const GptPartition& bios);

// GRUB for UEFI: \EFI\BOOT\BOOTX64.EFI on the FAT filesystem of `esp_device` (mounted on
// settings.mount_dir + ".esp" for the time it takes).
Status install_efi_loader(const InstallSettings& s, const BootKit& kit,
                          const std::string& esp_device);

}  // namespace slipway::imaging::agent
