#include "boot/ipxe_script.h"

#include <filesystem>

namespace slipway::boot {

BootChoice boot_choice(inventory::MachineState state, inventory::InstallStage stage) {
  using S = inventory::MachineState;
  if (state == S::kDeployed || state == S::kRetired) return BootChoice::kLocalDisk;
  if (state == S::kInstalling) {
    return stage == inventory::InstallStage::kWritten ? BootChoice::kLocalDisk
                                                      : BootChoice::kInstall;
  }
  if (state == S::kSnapshotting) return BootChoice::kCapture;
  if (state == S::kRestoring) return BootChoice::kRestore;
  return BootChoice::kRuntime;
}

std::string runtime_kernel_args(const BootConfig& config, const MacAddress& mac, BootChoice choice,
                                const std::optional<std::string>& agent_secret) {
  std::string args = "slipway.url=" + config.public_url + " slipway.mac=" + mac.to_string();
  if (agent_secret) args += " slipway.secret=" + *agent_secret;
  if (choice == BootChoice::kInstall) args += " slipway.mode=install";
  if (choice == BootChoice::kCapture) args += " slipway.mode=capture";
  if (choice == BootChoice::kRestore) args += " slipway.mode=restore";
  if (!config.kernel_args.empty()) args += " " + config.kernel_args;
  return args;
}

std::string render_ipxe_script(const BootConfig& config, const ScriptTarget& t) {
  std::string mac = t.mac.to_string();
  std::string state(inventory::to_string(t.state));
  std::string out = "#!ipxe\n";
  out += "# slipway: machine " + t.name + " mac " + mac + " state " + state + "\n";
  const BootChoice choice = boot_choice(t.state, t.install_stage);
  if (choice == BootChoice::kLocalDisk) {
    out += "echo slipway: " + t.name + " is " + state + ", booting from local disk\n";
    // BIOS goes on to the next boot device when iPXE exits. UEFI firmware would try the NIC's
    // other boot options first or stop in its boot manager, so a UEFI machine chainloads the
    // local-boot loader, which finds the EFI system partition itself; status 1 if that fails.
    out += "iseq ${platform} efi || exit\n";
    out += "chain " + config.public_url + "/assets/" + config.uefi_local_loader + " || exit 1\n";
    return out;
  }
  std::string assets = config.public_url + "/assets/";
  std::string kernel = assets + config.runtime_kernel;
  std::string initrd = assets + config.runtime_initrd;
  std::string args = runtime_kernel_args(config, t.mac, choice, t.agent_secret);
  if (choice == BootChoice::kInstall && t.installer) {
    kernel = t.installer->kernel_url;
    initrd = t.installer->initrd_url;
    args = t.installer->cmdline;
    out += "echo slipway: " + t.name + " (" + mac + ") boots the installer of profile " +
           t.installer->profile + "\n";
  } else {
    out += "echo slipway: " + t.name + " (" + mac + ") boots the runtime" +
           (choice == BootChoice::kInstall   ? " to install"
            : choice == BootChoice::kCapture ? " to capture a snapshot"
            : choice == BootChoice::kRestore ? " to restore a snapshot"
                                             : "") +
           "\n";
  }
  // ipxe.efi names the initrd after the last part of its URL; the EFI stub needs initrd=<name>.
  std::string initrd_name =
      std::filesystem::path(initrd.substr(0, initrd.find('?'))).filename().string();
  out += "kernel " + kernel + " initrd=" + initrd_name + (args.empty() ? "" : " " + args) +
         " || goto failed\n";
  out += "initrd " + initrd + " || goto failed\n";
  out += "boot || goto failed\n";
  out += ":failed\n";
  out += "echo slipway: could not boot, handing back to the firmware\n";
  out += "exit 1\n";
  return out;
}

}  // namespace slipway::boot
