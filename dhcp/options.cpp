#include "dhcp/options.h"

#include <array>
#include <charconv>

#include "common/byte_writer.h"
#include "common/hex.h"
#include "common/ipv4.h"

namespace slipway::dhcp {
namespace {

constexpr std::array<OptionDef, 29> kOptions = {{
    {opt::kSubnetMask, "subnet-mask", OptionType::kIpv4},
    {opt::kTimeOffset, "time-offset", OptionType::kInt32},
    {opt::kRouters, "routers", OptionType::kIpv4List},
    {4, "time-servers", OptionType::kIpv4List},
    {opt::kDnsServers, "domain-name-servers", OptionType::kIpv4List},
    {7, "log-servers", OptionType::kIpv4List},
    {opt::kHostName, "host-name", OptionType::kString},
    {opt::kDomainName, "domain-name", OptionType::kString},
    {opt::kInterfaceMtu, "interface-mtu", OptionType::kUint16},
    {opt::kBroadcastAddress, "broadcast-address", OptionType::kIpv4},
    {opt::kStaticRoutes, "static-routes", OptionType::kIpv4List},
    {opt::kNtpServers, "ntp-servers", OptionType::kIpv4List},
    {opt::kVendorSpecific, "vendor-encapsulated-options", OptionType::kBytes},
    {44, "netbios-name-servers", OptionType::kIpv4List},
    {opt::kRequestedAddress, "dhcp-requested-address", OptionType::kIpv4, true},
    {opt::kLeaseTime, "dhcp-lease-time", OptionType::kUint32, true},
    {opt::kOverload, "dhcp-option-overload", OptionType::kUint8, true},
    {opt::kMessageType, "dhcp-message-type", OptionType::kUint8, true},
    {opt::kServerId, "dhcp-server-identifier", OptionType::kIpv4, true},
    {opt::kParameterRequestList, "dhcp-parameter-request-list", OptionType::kBytes, true},
    {opt::kMessage, "dhcp-message", OptionType::kString, true},
    {opt::kMaxMessageSize, "dhcp-max-message-size", OptionType::kUint16, true},
    {opt::kRenewalTime, "dhcp-renewal-time", OptionType::kUint32, true},
    {opt::kRebindingTime, "dhcp-rebinding-time", OptionType::kUint32, true},
    {opt::kTftpServerName, "tftp-server-name", OptionType::kString},
    {opt::kBootfileName, "boot-file-name", OptionType::kString},
    {119, "domain-search", OptionType::kBytes},
    {opt::kRelayAgentInfo, "relay-agent-information", OptionType::kBytes, true},
    {opt::kClasslessRoutes, "classless-static-routes", OptionType::kRoutes},
}};

template <typename T>
Result<T> parse_number(const std::string& text, const char* what) {
  T v{};
  auto [next, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || next != text.data() + text.size() || text.empty()) {
    return Error{"'" + text + "' is not " + what};
  }
  return v;
}

Result<std::vector<uint8_t>> parse_hex(std::string text) {
  std::string digits;
  for (char c : text) {
    if (c == ':' || c == ' ') continue;
    digits.push_back(c);
  }
  if (digits.empty() || digits.size() % 2 != 0) {
    return Error{"'" + text + "' is not hex bytes like 01:02:0a"};
  }
  std::vector<uint8_t> out;
  for (size_t i = 0; i < digits.size(); i += 2) {
    auto hi = hex::digit_value(digits[i]);
    auto lo = hex::digit_value(digits[i + 1]);
    if (!hi || !lo) return Error{"'" + text + "' is not hex bytes like 01:02:0a"};
    out.push_back(static_cast<uint8_t>((*hi << 4) | *lo));
  }
  return out;
}

// "10.0.0.0/8 198.18.0.1" -> RFC 3442 encoding: prefix length, significant octets, router.
Status append_route(ByteWriter& w, const std::string& text) {
  size_t space = text.find(' ');
  auto subnet = Ipv4Subnet::parse(text.substr(0, space));
  auto router = space == std::string::npos ? std::nullopt : Ipv4::parse(text.substr(space + 1));
  if (!subnet || !router) {
    return Error{"'" + text + "' is not a route like '10.0.0.0/8 198.18.0.1'"};
  }
  w.u8(static_cast<uint8_t>(subnet->prefix));
  auto net = subnet->network.bytes();
  w.bytes(std::span<const uint8_t>(net.data(), static_cast<size_t>((subnet->prefix + 7) / 8)));
  w.u32(router->value());
  return {};
}

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

Result<std::vector<uint8_t>> encode_option(uint8_t code, const std::vector<std::string>& values) {
  if (code == opt::kPad || code == opt::kEnd) return Error{"codes 0 and 255 are not options"};
  auto def = find_option(code);
  if (def && def->reserved) {
    return Error{"option " + std::string(def->name) + " is set by the server itself"};
  }
  OptionType type = def ? def->type : OptionType::kString;
  bool list = type == OptionType::kIpv4List || type == OptionType::kRoutes;
  if (values.empty()) return Error{"needs a value"};
  if (!list && values.size() != 1) return Error{"takes one value, not a list"};
  const std::string& v = values.front();
  ByteWriter w;
  switch (type) {
    case OptionType::kIpv4:
    case OptionType::kIpv4List:
      for (const auto& item : values) {
        auto ip = Ipv4::parse(item);
        if (!ip) return Error{"'" + item + "' is not an IPv4 address"};
        w.u32(ip->value());
      }
      break;
    case OptionType::kString:
      if (!def && v.rfind("hex:", 0) == 0) return parse_hex(v.substr(4));
      if (v.empty() || v.size() > 255 * 4) return Error{"text must be 1 to 1020 characters"};
      w.text(v);
      break;
    case OptionType::kUint8: {
      auto n = parse_number<uint8_t>(v, "a number from 0 to 255");
      if (!n) return n.error();
      w.u8(*n);
      break;
    }
    case OptionType::kUint16: {
      auto n = parse_number<uint16_t>(v, "a number from 0 to 65535");
      if (!n) return n.error();
      w.u16(*n);
      break;
    }
    case OptionType::kUint32: {
      auto n = parse_number<uint32_t>(v, "a number from 0 to 4294967295");
      if (!n) return n.error();
      w.u32(*n);
      break;
    }
    case OptionType::kInt32: {
      auto n = parse_number<int32_t>(v, "a signed 32-bit number");
      if (!n) return n.error();
      w.u32(static_cast<uint32_t>(*n));
      break;
    }
    case OptionType::kBytes:
      return parse_hex(v);
    case OptionType::kRoutes:
      for (const auto& item : values) {
        if (auto s = append_route(w, item); !s) return s.error();
      }
      break;
  }
  return w.take();
}

}  // namespace slipway::dhcp
