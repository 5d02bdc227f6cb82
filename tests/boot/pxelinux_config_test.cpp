#include "boot/pxelinux_config.h"

#include <gtest/gtest.h>

#include "boot/ipxe_script.h"

namespace slipway::boot {
namespace {

using inventory::MachineState;

BootConfig config() {
  BootConfig c;
  c.public_url = "http://198.18.0.1:8080";
  return c;
}

ScriptTarget target(MachineState state) {
  return {"m-525400000001", *MacAddress::parse("52:54:00:00:00:01"), state};
}

TEST(PxelinuxConfig, DiscoveredMachineBootsTheRuntimeOverTftp) {
  EXPECT_EQ(render_pxelinux_config(config(), target(MachineState::kDiscovered)),
            "# slipway: machine m-525400000001 mac 52:54:00:00:00:01 state discovered\n"
            "PROMPT 0\n"
            "TIMEOUT 0\n"
            "DEFAULT slipway\n"
            "SAY slipway: m-525400000001 (52:54:00:00:00:01) boots the runtime\n"
            "LABEL slipway\n"
            "  KERNEL runtime/vmlinuz\n"
            "  APPEND initrd=runtime/initrd.gz slipway.url=http://198.18.0.1:8080 "
            "slipway.mac=52:54:00:00:00:01 console=ttyS0\n");
}

TEST(PxelinuxConfig, DeployedMachineBootsFromDisk) {
  EXPECT_EQ(render_pxelinux_config(config(), target(MachineState::kDeployed)),
            "# slipway: machine m-525400000001 mac 52:54:00:00:00:01 state deployed\n"
            "PROMPT 0\n"
            "TIMEOUT 0\n"
            "DEFAULT local\n"
            "SAY slipway: m-525400000001 is deployed, booting from local disk\n"
            "LABEL local\n"
            "  LOCALBOOT 0\n");
}

TEST(PxelinuxConfig, KernelArgumentsAreTheIpxeScriptsOnes) {
  BootConfig c = config();
  c.kernel_args = "console=tty0 quiet";
  std::string args = runtime_kernel_args(c, target(MachineState::kDiscovered).mac);
  EXPECT_NE(render_pxelinux_config(c, target(MachineState::kDiscovered)).find(args),
            std::string::npos);
  EXPECT_NE(render_ipxe_script(c, target(MachineState::kDiscovered)).find(args), std::string::npos);
}

TEST(PxelinuxConfig, BootsLocallyExactlyWhenTheIpxeScriptDoes) {
  for (auto state : {MachineState::kDiscovered, MachineState::kInspecting, MachineState::kReady,
                     MachineState::kInstalling, MachineState::kDeployed, MachineState::kRetired}) {
    std::string pxe = render_pxelinux_config(config(), target(state));
    std::string ipxe = render_ipxe_script(config(), target(state));
    bool local = boot_choice(state) == BootChoice::kLocalDisk;
    EXPECT_EQ(pxe.find("  LOCALBOOT 0\n") != std::string::npos, local) << pxe;
    EXPECT_EQ(pxe.find("KERNEL ") == std::string::npos, local) << pxe;
    EXPECT_EQ(ipxe.find("kernel ") == std::string::npos, local) << ipxe;
  }
  EXPECT_EQ(boot_choice(MachineState::kDeployed), BootChoice::kLocalDisk);
  EXPECT_EQ(boot_choice(MachineState::kDiscovered), BootChoice::kRuntime);
}

TEST(PxelinuxConfig, AnInstallBootsTheRuntimeInInstallModeUntilTheImageIsWritten) {
  using inventory::InstallStage;
  ScriptTarget pending = target(MachineState::kInstalling);
  pending.install_stage = InstallStage::kPending;
  ScriptTarget written = pending;
  written.install_stage = InstallStage::kWritten;
  EXPECT_EQ(boot_choice(MachineState::kInstalling, InstallStage::kPending), BootChoice::kInstall);
  EXPECT_EQ(boot_choice(MachineState::kInstalling, InstallStage::kWritten), BootChoice::kLocalDisk);
  for (const auto& s :
       {render_pxelinux_config(config(), pending), render_ipxe_script(config(), pending)}) {
    EXPECT_NE(s.find(" slipway.mode=install "), std::string::npos) << s;
  }
  for (const auto& s :
       {render_pxelinux_config(config(), written), render_ipxe_script(config(), written)}) {
    EXPECT_EQ(s.find("slipway.mode"), std::string::npos) << s;
    EXPECT_TRUE(s.find("LOCALBOOT 0") != std::string::npos ||
                s.find("booting from local disk\n") != std::string::npos)
        << s;
  }
  // Inspection boots never carry the install mode.
  EXPECT_EQ(render_ipxe_script(config(), target(MachineState::kReady)).find("slipway.mode"),
            std::string::npos);
}

}  // namespace
}  // namespace slipway::boot
