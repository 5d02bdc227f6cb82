#pragma once
// `slipway-agent capture`: what the runtime does when the iPXE script boots it with
// slipway.mode=capture (the machine is `snapshotting`). controlplane/snapshot_routes.h lists the
// routes.
//
//  1. GET the capture order for the boot MAC: the snapshot's name and the chunk size;
//  2. every fixed disk (install_plan.h's filter) is planned (disk_capture.h: GPT, regions,
//     used blocks) so that the total is known, then read window by window; the appliance is
//     asked which chunks it lacks and only those are compressed and PUT;
//  3. firmware (/sys/firmware/efi), boot loader (disk_capture.h) and the hostname (/etc/hostname
//     of the first ext filesystem that has one, mounted read-only without journal replay);
//  4. progress ("reading") every 2 s, then the manifest to .../complete; any failure is posted as
//     stage "failed" with the reason.
// Nothing is written to the disks. The caller reboots.

#include "imaging/agent/agent_settings.h"

namespace slipway::imaging::agent {

// 0 when the manifest was accepted; 1 when the capture failed.
int run_capture(const AgentSettings& settings);

}  // namespace slipway::imaging::agent
