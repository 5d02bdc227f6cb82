#include "boot/pxelinux_config.h"

namespace slipway::boot {

std::string render_pxelinux_config(const BootConfig& config, const ScriptTarget& t) {
  std::string mac = t.mac.to_string();
  std::string state(inventory::to_string(t.state));
  std::string out = "# slipway: machine " + t.name + " mac " + mac + " state " + state + "\n";
  // No prompt and no timeout: the one label boots at once, as the iPXE script does.
  out += "PROMPT 0\nTIMEOUT 0\n";
  const BootChoice choice = boot_choice(t.state, t.install_stage);
  if (choice == BootChoice::kLocalDisk) {
    out += "DEFAULT local\n";
    out += "SAY slipway: " + t.name + " is " + state + ", booting from local disk\n";
    out += "LABEL local\n";
    out += "  LOCALBOOT 0\n";
    return out;
  }
  out += "DEFAULT slipway\n";
  if (choice == BootChoice::kInstall && t.installer) {
    // lpxelinux.0 fetches http:// URLs; plain pxelinux.0 needs asset paths on TFTP.
    out += "SAY slipway: " + t.name + " (" + mac + ") boots the installer of profile " +
           t.installer->profile + "\n";
    out += "LABEL slipway\n";
    out += "  KERNEL " + t.installer->kernel_url + "\n";
    out += "  APPEND initrd=" + t.installer->initrd_url +
           (t.installer->cmdline.empty() ? "" : " " + t.installer->cmdline) + "\n";
    return out;
  }
  out += "SAY slipway: " + t.name + " (" + mac + ") boots the runtime\n";
  out += "LABEL slipway\n";
  out += "  KERNEL " + config.runtime_kernel + "\n";
  // initrd= on the command line works with every PXELINUX version (INITRD needs 3.71+).
  out += "  APPEND initrd=" + config.runtime_initrd + " " +
         runtime_kernel_args(config, t.mac, choice, t.agent_secret) + "\n";
  return out;
}

}  // namespace slipway::boot
