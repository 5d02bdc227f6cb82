#include "boot/ipxe_script.h"

#include <filesystem>

namespace slipway::boot {

std::string render_ipxe_script(const BootConfig& config, const ScriptTarget& t) {
  std::string mac = t.mac.to_string();
  std::string state(inventory::to_string(t.state));
  std::string out = "#!ipxe\n";
  out += "# slipway: machine " + t.name + " mac " + mac + " state " + state + "\n";
  if (t.state == inventory::MachineState::kDeployed ||
      t.state == inventory::MachineState::kRetired) {
    out += "echo slipway: " + t.name + " is " + state + ", booting from local disk\n";
    out += "exit\n";
    return out;
  }
  std::string assets = config.public_url + "/assets/";
  // ipxe.efi names the initrd after the last part of its URL; the EFI stub needs initrd=<name>.
  std::string initrd_name = std::filesystem::path(config.runtime_initrd).filename().string();
  out += "echo slipway: " + t.name + " (" + mac + ") boots the runtime\n";
  out += "kernel " + assets + config.runtime_kernel + " initrd=" + initrd_name +
         " slipway.url=" + config.public_url + " slipway.mac=" + mac;
  if (!config.kernel_args.empty()) out += " " + config.kernel_args;
  out += " || goto failed\n";
  out += "initrd " + assets + config.runtime_initrd + " || goto failed\n";
  out += "boot || goto failed\n";
  out += ":failed\n";
  out += "echo slipway: could not boot the runtime, handing back to the firmware\n";
  out += "exit 1\n";
  return out;
}

}  // namespace slipway::boot
