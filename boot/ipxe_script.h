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
};

// What the machine boots by state: deployed and retired machines boot from their local disk
// (iPXE `exit` hands back to the firmware); every other state boots the runtime, whose agent
// reports to the appliance.
std::string render_ipxe_script(const BootConfig& config, const ScriptTarget& target);

}  // namespace slipway::boot
