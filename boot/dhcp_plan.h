#pragma once
// The boot decision for a DHCP request: which loader or script URL a network-booting client
// gets. Pure: no I/O. The decision table:
//
//   iPXE with our marker, or iPXE when chainloading is off,
//   or iPXE right after we sent this MAC a loader            -> HTTP URL of its iPXE script
//   UEFI HTTP Boot client ("HTTPClient")                     -> HTTP URL of the UEFI loader
//                                                               (HTTPS with https_loader_base)
//   PXE ROM or foreign iPXE, BIOS                            -> TFTP bios_loader
//   PXE ROM or foreign iPXE, UEFI x86/x86_64                 -> TFTP uefi_loader
//   anything else (other architectures, plain DHCP)          -> no boot data
//
// With TFTP off (config.tftp_enabled false) the two TFTP rows change: a foreign iPXE gets the
// loader's HTTP URL, a PXE ROM gets no boot data.

#include <optional>
#include <string>

#include "boot/boot_config.h"
#include "common/netboot.h"

namespace slipway::boot {

std::optional<BootAnswer> plan_dhcp_boot(const BootConfig& config, const NetbootClient& client,
                                         bool loader_recently_sent);

// "<public_url>/boot/ipxe?mac=..[&uuid=..]"
std::string script_url(const BootConfig& config, const NetbootClient& client);

}  // namespace slipway::boot
