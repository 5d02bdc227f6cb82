#include "boot/tftp_files.h"

#include <utility>

namespace slipway::boot {

namespace {

constexpr std::string_view kPxelinuxPrefix = "pxelinux.cfg/01-";  // 01: ARP type Ethernet
constexpr std::string_view kScriptByMacPrefix = "slipway/";
constexpr std::string_view kScriptSuffix = ".ipxe";
constexpr std::string_view kOwnScript = "slipway.ipxe";

std::optional<GeneratedName> by_mac(GeneratedName::Kind kind, std::optional<MacAddress> mac) {
  if (!mac) return std::nullopt;
  return GeneratedName{kind, mac};
}

}  // namespace

std::optional<GeneratedName> parse_generated_name(std::string_view path) {
  if (path.starts_with('/')) path.remove_prefix(1);
  if (path == kOwnScript) return GeneratedName{GeneratedName::Kind::kIpxeScript, std::nullopt};
  if (path.starts_with(kPxelinuxPrefix)) {
    // PXELINUX asks for exactly aa-bb-cc-dd-ee-ff (its own spelling, dashes only).
    std::string_view mac = path.substr(kPxelinuxPrefix.size());
    if (mac.size() != 17 || mac[2] != '-') return std::nullopt;
    return by_mac(GeneratedName::Kind::kPxelinuxConfig, MacAddress::parse(mac));
  }
  if (path.starts_with(kScriptByMacPrefix) && path.ends_with(kScriptSuffix)) {
    std::string_view mac = path.substr(kScriptByMacPrefix.size());
    mac.remove_suffix(kScriptSuffix.size());  // cannot overlap the prefix: '/' vs '.'
    return by_mac(GeneratedName::Kind::kIpxeScript, MacAddress::parse(mac));
  }
  return std::nullopt;
}

TftpFiles::TftpFiles(BootService& service, LeaseMacLookup lease_mac)
    : service_(service), lease_mac_(std::move(lease_mac)) {}

Result<std::optional<std::string>> TftpFiles::content_for(std::string_view path, Ipv4 client) {
  auto name = parse_generated_name(path);
  if (!name) return std::optional<std::string>();
  std::optional<MacAddress> mac = name->mac;
  if (!mac && lease_mac_) mac = lease_mac_(client);
  if (!mac) return std::optional<std::string>();
  auto content = name->kind == GeneratedName::Kind::kPxelinuxConfig
                     ? service_.pxelinux_config_for(*mac, client)
                     : service_.script_for(*mac, std::nullopt, client);
  if (!content) return content.error();
  return std::optional<std::string>(std::move(*content));
}

}  // namespace slipway::boot
