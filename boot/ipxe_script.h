#pragma once
// Rendering of the per-machine iPXE script. Pure: the same input gives the same script.

#include <string>

#include "boot/boot_config.h"
#include "inventory/machine.h"

namespace slipway::boot {

struct ScriptTarget {
  std::string name;  // the machine's inventory name
  MacAddress mac;    // the interface it booted from
  inventory::MachineState state = inventory::MachineState::kDiscovered;
  inventory::InstallStage install_stage = inventory::InstallStage::kNone;
};

// What a machine boots, by state: deployed and retired machines boot from their local disk, and
// so does an installing machine whose image is written (until its OS calls back); an installing
// machine whose image is pending boots the runtime in install mode; every other state boots the
// runtime, whose agent reports to the appliance. Every boot-file renderer (iPXE script,
// PXELINUX config) asks this one function.
enum class BootChoice { kRuntime, kInstall, kLocalDisk };
BootChoice boot_choice(inventory::MachineState state,
                       inventory::InstallStage stage = inventory::InstallStage::kNone);

// The runtime's kernel arguments for this machine, the same whichever loader boots it:
// "slipway.url=<public_url> slipway.mac=<mac>", "slipway.mode=install" for an install, and then
// the configured kernel_args. The loader-specific initrd= argument comes before it.
std::string runtime_kernel_args(const BootConfig& config, const MacAddress& mac,
                                BootChoice choice = BootChoice::kRuntime);

// The iPXE script: the runtime from <public_url>/assets/, or iPXE `exit` (back to the firmware,
// which boots the local disk).
std::string render_ipxe_script(const BootConfig& config, const ScriptTarget& target);

}  // namespace slipway::boot
