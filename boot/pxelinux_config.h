#pragma once
// Rendering of a machine's PXELINUX configuration file (what PXELINUX fetches as
// pxelinux.cfg/01-<mac>). Pure: the same input gives the same file.
//
// It boots what the machine's iPXE script boots (boot_choice() decides for both): the runtime,
// with the same kernel arguments, or the local disk (LOCALBOOT 0). Kernel and initrd are the
// asset-relative paths from BootConfig: PXELINUX reads them over TFTP relative to its own
// folder, so pxelinux.0 belongs at the top of the assets folder (the TFTP root).

#include <string>

#include "boot/boot_config.h"
#include "boot/ipxe_script.h"

namespace slipway::boot {

std::string render_pxelinux_config(const BootConfig& config, const ScriptTarget& target);

}  // namespace slipway::boot
