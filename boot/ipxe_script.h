#pragma once
// Rendering of the per-machine iPXE script. Pure: the same input gives the same script.

#include <optional>
#include <string>

#include "boot/boot_config.h"
#include "inventory/machine.h"

namespace slipway::boot {

// An installer profile's boot for one machine: URLs resolved, command line rendered.
struct InstallerTarget {
  std::string profile;
  std::string kernel_url, initrd_url;
  std::string cmdline;
};

struct ScriptTarget {
  std::string name;  // the machine's inventory name
  MacAddress mac;    // the interface it booted from
  inventory::MachineState state = inventory::MachineState::kDiscovered;
  inventory::InstallStage install_stage = inventory::InstallStage::kNone;
  // Set when the machine installs with an installer profile: a kInstall boot starts that
  // installer instead of the runtime in install mode.
  std::optional<InstallerTarget> installer{};
  // This boot's agent secret (AgentSecrets), set for every boot but the local disk when the
  // appliance issues secrets: the runtime gets it as slipway.secret=, templates as AGENT_SECRET.
  std::optional<std::string> agent_secret{};
};

// What a machine boots, by state: deployed and retired machines boot from their local disk, and
// so does an installing machine whose image is written (until its OS calls back); an installing
// machine whose image is pending boots the runtime in install mode; every other state boots the
// runtime, whose agent reports to the appliance; a snapshotting machine boots it in capture mode,
// a restoring one in restore mode. Every boot-file renderer (iPXE script,
// PXELINUX config) asks this one function.
enum class BootChoice { kRuntime, kInstall, kLocalDisk, kCapture, kRestore };
BootChoice boot_choice(inventory::MachineState state,
                       inventory::InstallStage stage = inventory::InstallStage::kNone);

// The runtime's kernel arguments for this machine, the same whichever loader boots it:
// "slipway.url=<public_url> slipway.mac=<mac>", "slipway.secret=<secret>" when there is one,
// "slipway.mode=install|capture|restore" for those, and then the configured kernel_args. The
// loader-specific initrd= argument comes before it.
std::string runtime_kernel_args(const BootConfig& config, const MacAddress& mac,
                                BootChoice choice = BootChoice::kRuntime,
                                const std::optional<std::string>& agent_secret = std::nullopt);

// The iPXE script: the runtime from <public_url>/assets/ (in install mode for an install), the
// installer of an installer profile, or the local disk (BIOS: iPXE exits to the next boot
// device; UEFI: the local-boot loader, boot_config.h).
std::string render_ipxe_script(const BootConfig& config, const ScriptTarget& target);

}  // namespace slipway::boot
