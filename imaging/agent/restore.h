#pragma once
// `slipway-agent restore`: what the runtime does when the iPXE script boots it with
// slipway.mode=restore (the machine is `restoring`). controlplane/snapshot_routes.h lists the
// routes.
//
//  1. GET the restore order (restore_order.h); plan where each captured disk goes on this
//     machine's fixed disks (imaging/snapshot_layout.h) for its firmware mode: a refusal is
//     reported and NOTHING is written;
//  2. each mapped disk is restored (disk_restore.h: chunks fetched and checked before they are
//     written, zeros where no chunk is, a fresh GPT at the disk's real size); the kernel
//     re-reads the tables;
//  3. the partition that grew gets e2fsck -f -y and resize2fs; a new ESP gets FAT32;
//  4. on the root filesystem (the ext filesystem holding /etc/fstab), the captured MACs in the
//     network settings become the boot MAC (network_fixup.h); when the firmware mode changed,
//     the boot kit's loader for this machine's mode is installed with /boot/slipway/grub.cfg
//     (boot_kit.h);
//  5. progress ("writing") every 2 s, then "written", or "failed" with the reason; a failure
//     after writing began wipes the partition tables so that the disk does not boot half-restored.
// The caller reboots.

#include "imaging/agent/agent_settings.h"

namespace slipway::imaging::agent {

// 0 when the snapshot is written and reported; 1 when the restore failed.
int run_restore(const AgentSettings& settings);

}  // namespace slipway::imaging::agent
