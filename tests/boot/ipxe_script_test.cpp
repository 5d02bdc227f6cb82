#include "boot/ipxe_script.h"

#include <gtest/gtest.h>

namespace slipway::boot {
namespace {

BootConfig config() {
  BootConfig c;
  c.public_url = "http://198.18.0.1:8080";
  return c;
}

ScriptTarget target(inventory::MachineState state) {
  return {"m-525400000001", *MacAddress::parse("52:54:00:00:00:01"), state,
          inventory::InstallStage::kNone, std::nullopt};
}

TEST(IpxeScript, DiscoveredMachineBootsTheRuntime) {
  std::string s = render_ipxe_script(config(), target(inventory::MachineState::kDiscovered));
  EXPECT_EQ(s.rfind("#!ipxe\n", 0), 0u);
  EXPECT_NE(s.find("kernel http://198.18.0.1:8080/assets/runtime/vmlinuz initrd=initrd.gz "
                   "slipway.url=http://198.18.0.1:8080 slipway.mac=52:54:00:00:00:01 "
                   "console=ttyS0 || goto failed\n"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("initrd http://198.18.0.1:8080/assets/runtime/initrd.gz || goto failed\n"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("\nboot || goto failed\n"), std::string::npos);
}

TEST(IpxeScript, TheAgentSecretFollowsTheMacOnTheKernelLine) {
  ScriptTarget t = target(inventory::MachineState::kInstalling);
  t.agent_secret = "sa1_0123_abc";
  std::string s = render_ipxe_script(config(), t);
  EXPECT_NE(s.find(" slipway.mac=52:54:00:00:00:01 slipway.secret=sa1_0123_abc "
                   "slipway.mode=install console=ttyS0 || goto failed\n"),
            std::string::npos)
      << s;
}

TEST(IpxeScript, SnapshottingAndRestoringMachinesBootTheRuntimeInTheirMode) {
  std::string capture =
      render_ipxe_script(config(), target(inventory::MachineState::kSnapshotting));
  EXPECT_NE(capture.find(" slipway.mac=52:54:00:00:00:01 slipway.mode=capture console=ttyS0 "),
            std::string::npos)
      << capture;
  EXPECT_NE(capture.find("boots the runtime to capture a snapshot\n"), std::string::npos);
  std::string restore = render_ipxe_script(config(), target(inventory::MachineState::kRestoring));
  EXPECT_NE(restore.find(" slipway.mode=restore console=ttyS0 "), std::string::npos) << restore;
  EXPECT_NE(restore.find("boots the runtime to restore a snapshot\n"), std::string::npos);
  EXPECT_EQ(boot_choice(inventory::MachineState::kSnapshotting), BootChoice::kCapture);
  EXPECT_EQ(boot_choice(inventory::MachineState::kRestoring), BootChoice::kRestore);
}

TEST(IpxeScript, InitrdNameFollowsTheConfiguredFile) {
  BootConfig c = config();
  c.runtime_initrd = "rt/v2/initramfs.img";
  std::string s = render_ipxe_script(c, target(inventory::MachineState::kDiscovered));
  EXPECT_NE(s.find(" initrd=initramfs.img "), std::string::npos) << s;
}

TEST(IpxeScript, DeployedMachineBootsFromDisk) {
  std::string s = render_ipxe_script(config(), target(inventory::MachineState::kDeployed));
  EXPECT_EQ(s.find("kernel "), std::string::npos);
  // BIOS: iPXE exits and the firmware goes on to the disk; UEFI: the local-boot loader.
  EXPECT_NE(s.find("\niseq ${platform} efi || exit\n"
                   "chain http://198.18.0.1:8080/assets/localboot.efi || exit 1\n"),
            std::string::npos)
      << s;
}

TEST(IpxeScript, LocalBootLoaderFollowsTheConfig) {
  BootConfig c = config();
  c.uefi_local_loader = "grub/local.efi";
  std::string s = render_ipxe_script(c, target(inventory::MachineState::kDeployed));
  EXPECT_NE(s.find("chain http://198.18.0.1:8080/assets/grub/local.efi || exit 1\n"),
            std::string::npos)
      << s;
}

TEST(IpxeScript, AnInstallerTargetBootsTheInstaller) {
  ScriptTarget t = target(inventory::MachineState::kInstalling);
  t.install_stage = inventory::InstallStage::kPending;
  t.installer =
      InstallerTarget{"deb", "http://198.18.0.1:8080/assets/deb/linux",
                      "http://198.18.0.1:8080/assets/deb/initrd.gz", "auto priority=high"};
  std::string s = render_ipxe_script(config(), t);
  EXPECT_NE(s.find("kernel http://198.18.0.1:8080/assets/deb/linux initrd=initrd.gz auto "
                   "priority=high || goto failed\n"
                   "initrd http://198.18.0.1:8080/assets/deb/initrd.gz || goto failed\n"
                   "boot || goto failed\n"),
            std::string::npos)
      << s;
  t.install_stage = inventory::InstallStage::kWritten;
  EXPECT_EQ(render_ipxe_script(config(), t).find("deb/linux"), std::string::npos)
      << "written: the local disk";
}

TEST(IpxeScript, SameInputSameScript) {
  EXPECT_EQ(render_ipxe_script(config(), target(inventory::MachineState::kDiscovered)),
            render_ipxe_script(config(), target(inventory::MachineState::kDiscovered)));
}

}  // namespace
}  // namespace slipway::boot
