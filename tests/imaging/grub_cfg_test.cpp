#include "imaging/agent/grub_cfg.h"

#include <gtest/gtest.h>

namespace slipway::imaging::agent {
namespace {

TEST(GrubCfgTest, TheFirstLinuxLinesArgumentsWithoutRootAndRo) {
  EXPECT_EQ(
      kernel_args_of_grub_cfg("set timeout=1\nmenuentry 'Debian' {\n"
                              "\tlinux /vmlinuz root=UUID=1234-ab ro console=tty0 "
                              "console=ttyS0,115200n8\n\tinitrd /initrd.img\n}\n"
                              "menuentry 'rescue' {\n  linux /vmlinuz root=/dev/sda1 single\n}\n"),
      "console=tty0 console=ttyS0,115200n8");
  EXPECT_EQ(kernel_args_of_grub_cfg("  linuxefi /boot/vmlinuz-6.1 BOOT_IMAGE=/boot/vmlinuz-6.1 "
                                    "rw quiet  splash"),
            "quiet splash");
}

TEST(GrubCfgTest, NothingWithoutALinuxLine) {
  EXPECT_EQ(kernel_args_of_grub_cfg(""), "");
  EXPECT_EQ(kernel_args_of_grub_cfg("# linux /vmlinuz console=ttyS0\nlinux16 /memtest\nlinux\n"),
            "");
  EXPECT_EQ(kernel_args_of_grub_cfg("linux /vmlinuz root=UUID=x ro\n"), "");
}

}  // namespace
}  // namespace slipway::imaging::agent
