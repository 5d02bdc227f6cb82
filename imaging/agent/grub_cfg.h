#pragma once
// Reading a GRUB configuration. Pure.

#include <string>
#include <string_view>

namespace slipway::imaging::agent {

// The kernel arguments of the first `linux` (or `linuxefi`) line of a GRUB configuration (a
// restored system's /boot/grub/grub.cfg), without the kernel, BOOT_IMAGE=, root= and ro/rw,
// which /boot/slipway/grub.cfg sets itself; "" when there is no such line.
std::string kernel_args_of_grub_cfg(std::string_view cfg);

}  // namespace slipway::imaging::agent
