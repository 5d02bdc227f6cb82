#pragma once
// Deploying a root-filesystem tarball (tar, tar.gz, tar.zst) onto an empty disk: what the agent
// does in install mode when the plan's image is not a disk image.
//
//  1. a fresh GPT (disk_layout.h: BIOS boot, 256 MiB ESP, root for the rest) with random GUIDs;
//  2. ext4 on the root partition (mke2fs, with a UUID chosen here) and FAT32 on the ESP
//     (mkfs.fat), both from the runtime;
//  3. the tarball streams into busybox tar on the mounted root as it downloads; its SHA-256 is
//     checked over the bytes as stored (compressed) and zstd is undone here;
//  4. /etc/fstab by UUID, /boot/slipway/grub.cfg (the kernel the tree's /vmlinuz points to, or
//     its newest /boot/vmlinuz-*, with root=UUID=... ro and the plan's kernel arguments);
//  5. the boot loaders of both firmware modes from the appliance's boot kit
//     (image/build-boot-kit.sh): GRUB's boot.img and core.img into the MBR and the BIOS boot
//     partition (bios_boot.h), BOOTX64.EFI onto the ESP; both find /boot/slipway/grub.cfg.
// The plan's files are written by the caller afterwards. Nothing of the tree's own boot loader
// is used, so tarballs without GRUB deploy too. Extended attributes (file capabilities) are not
// restored: busybox tar does not keep them.

#include <cstdint>
#include <functional>
#include <string>

#include "common/result.h"
#include "imaging/agent/install.h"
#include "imaging/agent/install_plan.h"

namespace slipway::imaging::agent {

struct TarballResult {
  std::string root_device;  // the mounted root partition (still mounted on settings.mount_dir)
  uint64_t received = 0;    // bytes downloaded
  std::string sha256;
};

// Partitions `disk` (open read-write as `fd`), makes the filesystems, unpacks the tarball and
// installs the boot loaders; leaves the root filesystem mounted on settings.mount_dir so the
// caller can add the plan's files. `progress` is called with the bytes received so far. On
// failure the disk's partition tables are wiped again and nothing stays mounted.
Result<TarballResult> deploy_tarball(const InstallSettings& settings, const InstallPlan& plan,
                                     const DiskInfo& disk, int fd,
                                     const std::function<void(uint64_t)>& progress);

}  // namespace slipway::imaging::agent
