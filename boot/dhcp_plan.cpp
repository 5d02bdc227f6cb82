#include "boot/dhcp_plan.h"

namespace slipway::boot {

std::string script_url(const BootConfig& config, const NetbootClient& client) {
  std::string url = config.public_url + "/boot/ipxe?mac=" + client.mac.to_string();
  if (client.uuid) url += "&uuid=" + client.uuid->to_string();
  return url;
}

std::optional<BootAnswer> plan_dhcp_boot(const BootConfig& config, const NetbootClient& client,
                                         bool loader_recently_sent) {
  if (!client.is_netboot()) return std::nullopt;
  BootAnswer answer;
  // Harmless to other clients; saves iPXE a 3 s wait for a ProxyDHCP offer at every stage.
  answer.ipxe_skip_proxydhcp = true;

  bool ours = client.user_class == config.ipxe_marker;
  if (client.ipxe && (ours || !config.chainload_ipxe || loader_recently_sent)) {
    answer.filename = script_url(config, client);
    // iPXE drops a ProxyDHCPACK without a next-server, even when the file is a URL.
    answer.next_server = config.tftp_server;
    return answer;
  }

  bool x86 = client.arch == Arch::kX86 || client.arch == Arch::kX86_64;
  if (client.protocol == BootProtocol::kHttp) {
    if (client.firmware != Firmware::kUefi || !x86) return std::nullopt;
    answer.vendor_class = "HTTPClient";
    const std::string& base =
        config.https_loader_base.empty() ? config.public_url : config.https_loader_base;
    answer.filename = base + "/assets/" + config.uefi_loader;
    answer.user_class = config.ipxe_marker;
    return answer;
  }

  // A PXE ROM, or an iPXE that is not ours. An iPXE ROM that sends no architecture is a BIOS one
  // (UEFI iPXE always sends option 93).
  Firmware firmware = client.firmware;
  if (firmware == Firmware::kUnknown && client.ipxe && !client.arch_code)
    firmware = Firmware::kBios;
  if (firmware == Firmware::kBios) {
    answer.filename = config.bios_loader;
  } else if (firmware == Firmware::kUefi && x86) {
    answer.filename = config.uefi_loader;
  } else {
    return std::nullopt;
  }
  if (!config.tftp_enabled) {
    if (!client.ipxe) return std::nullopt;
    answer.filename = config.public_url + "/assets/" + answer.filename;
  }
  // Also with an HTTP URL: iPXE drops a ProxyDHCPACK without a next-server.
  answer.next_server = config.tftp_server;
  if (client.protocol == BootProtocol::kPxe) answer.vendor_class = "PXEClient";
  answer.user_class = config.ipxe_marker;
  return answer;
}

}  // namespace slipway::boot
