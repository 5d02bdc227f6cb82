#pragma once
// `slipway-agent install`: what the runtime does when the iPXE script boots it with
// slipway.mode=install.
//
//  1. GET the install plan for the boot MAC;
//  2. pick the disk (install_plan.h) and write the image onto it as it downloads, checking its
//     SHA-256 (image_writer.h); a mismatch wipes the partition tables again and fails;
//     a root-filesystem tarball is deployed instead (tarball_deploy.h: partitions,
//     filesystems, unpacking, boot loaders), then step 4;
//  3. move the backup GPT to the end of a disk larger than the image (gpt.h) and have the
//     kernel re-read the table;
//  4. mount the root partition (GPT type Linux root x86-64) and write the plan's files
//     (hostname, first-boot settings, cloud-init seed...);
//  5. report progress all along, then "written" (or "failed" with the reason).
// A disk image carries its boot loaders for both firmware modes (image/README.md); a tarball
// gets both from the appliance's boot kit. The caller reboots.

#include "imaging/agent/agent_settings.h"

namespace slipway::imaging::agent {

using InstallSettings = AgentSettings;

// 0 when the image is written and reported; 1 when the install failed (reported when the
// appliance could be reached).
int run_install(const InstallSettings& settings);

}  // namespace slipway::imaging::agent
