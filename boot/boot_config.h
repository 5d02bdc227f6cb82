#pragma once
// What the boot planner needs to know about the appliance: where machines reach it, which
// first-stage loaders to hand out, and which runtime to boot.

#include <cstdint>
#include <string>

#include "common/ipv4.h"

namespace slipway::boot {

struct BootConfig {
  // Base URL machines use to reach the appliance's HTTP server, e.g. "http://198.18.0.1:8080".
  std::string public_url;
  // The TFTP server named in DHCP replies (next-server).
  Ipv4 tftp_server;
  // False when the appliance serves no TFTP (tftp.enabled: false). Loaders then go to iPXE as
  // HTTP URLs, and PXE ROMs, which fetch only over TFTP, get no boot data: a UEFI machine moves
  // on to its HTTP Boot option instead of failing a TFTP download.
  bool tftp_enabled = true;
  // Base URL of the HTTPS server for UEFI HTTP Boot clients' loader, e.g.
  // "https://198.18.0.1:8443" (https.boot); empty: they get it from public_url. Only the
  // firmware's download uses it: Debian's iPXE has no TLS, so its script and everything after
  // stay on public_url.
  std::string https_loader_base;
  // First-stage loaders, relative to the assets folder (served over TFTP and under /assets/).
  std::string bios_loader = "undionly.kpxe";
  std::string uefi_loader = "ipxe.efi";
  // What a UEFI machine that boots from its local disk chainloads from its iPXE script: a GRUB
  // image (image/build-local-boot.sh) that finds the EFI system partition on the local disks and
  // starts its loader. iPXE's `exit` cannot be relied on for this: UEFI firmware tries the NIC's
  // other boot options (IPv6 PXE, HTTP boot) before the disk, or stops in its boot manager.
  std::string uefi_local_loader = "localboot.efi";
  // When true, an iPXE that did not come from this appliance (a NIC's own iPXE ROM) is first
  // chainloaded into our loader, so every machine runs a known iPXE. Our own iPXE is recognised
  // by the user class we send with the loader (ipxe_marker), which it echoes.
  bool chainload_ipxe = true;
  std::string ipxe_marker = "slipway";
  // The network-boot runtime, relative to the assets folder.
  std::string runtime_kernel = "runtime/vmlinuz";
  std::string runtime_initrd = "runtime/initrd.gz";
  std::string kernel_args = "console=ttyS0";
  // How long a per-boot agent secret is accepted after the script that carries it was rendered
  // (boot.agent_secret_ttl, seconds): long enough for an install and the installed system's
  // first boot.
  int64_t agent_secret_ttl = 6 * 3600;
};

}  // namespace slipway::boot
