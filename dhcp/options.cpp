#include "dhcp/options.h"

#include <array>

namespace slipway::dhcp {
namespace {

constexpr std::array<OptionDef, 17> kOptions = {{
    {opt::kSubnetMask, "subnet-mask", OptionType::kIpv4},
    {opt::kRouters, "routers", OptionType::kIpv4List},
    {opt::kDnsServers, "domain-name-servers", OptionType::kIpv4List},
    {opt::kHostName, "host-name", OptionType::kString},
    {opt::kDomainName, "domain-name", OptionType::kString},
    {opt::kInterfaceMtu, "interface-mtu", OptionType::kUint16},
    {opt::kBroadcastAddress, "broadcast-address", OptionType::kIpv4},
    {opt::kNtpServers, "ntp-servers", OptionType::kIpv4List},
    {opt::kVendorSpecific, "vendor-encapsulated-options", OptionType::kBytes},
    {opt::kLeaseTime, "dhcp-lease-time", OptionType::kUint32},
    {opt::kServerId, "dhcp-server-identifier", OptionType::kIpv4},
    {opt::kRenewalTime, "dhcp-renewal-time", OptionType::kUint32},
    {opt::kRebindingTime, "dhcp-rebinding-time", OptionType::kUint32},
    {opt::kVendorClass, "vendor-class-identifier", OptionType::kString},
    {opt::kTftpServerName, "tftp-server-name", OptionType::kString},
    {opt::kBootfileName, "boot-file-name", OptionType::kString},
    {opt::kClasslessRoutes, "classless-static-routes", OptionType::kBytes},
}};

}  // namespace

std::optional<OptionDef> find_option(std::string_view name) {
  for (const auto& d : kOptions) {
    if (d.name == name) return d;
  }
  return std::nullopt;
}

std::optional<OptionDef> find_option(uint8_t code) {
  for (const auto& d : kOptions) {
    if (d.code == code) return d;
  }
  return std::nullopt;
}

}  // namespace slipway::dhcp
