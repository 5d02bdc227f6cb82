#pragma once
// DHCPv4 option codes (RFC 2132 and the PXE/iPXE extensions) and the table of options that can be
// named in configuration. Protocol knowledge lives in this table, not in if-chains.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace slipway::dhcp {

namespace opt {
inline constexpr uint8_t kPad = 0;
inline constexpr uint8_t kSubnetMask = 1;
inline constexpr uint8_t kTimeOffset = 2;
inline constexpr uint8_t kRouters = 3;
inline constexpr uint8_t kDnsServers = 6;
inline constexpr uint8_t kHostName = 12;
inline constexpr uint8_t kDomainName = 15;
inline constexpr uint8_t kInterfaceMtu = 26;
inline constexpr uint8_t kStaticRoutes = 33;
inline constexpr uint8_t kBroadcastAddress = 28;
inline constexpr uint8_t kNtpServers = 42;
inline constexpr uint8_t kVendorSpecific = 43;
inline constexpr uint8_t kRequestedAddress = 50;
inline constexpr uint8_t kLeaseTime = 51;
inline constexpr uint8_t kOverload = 52;
inline constexpr uint8_t kMessageType = 53;
inline constexpr uint8_t kServerId = 54;
inline constexpr uint8_t kParameterRequestList = 55;
inline constexpr uint8_t kMessage = 56;
inline constexpr uint8_t kMaxMessageSize = 57;
inline constexpr uint8_t kRenewalTime = 58;
inline constexpr uint8_t kRebindingTime = 59;
inline constexpr uint8_t kVendorClass = 60;
inline constexpr uint8_t kClientId = 61;
inline constexpr uint8_t kTftpServerName = 66;
inline constexpr uint8_t kBootfileName = 67;
inline constexpr uint8_t kUserClass = 77;
inline constexpr uint8_t kClientArch = 93;
inline constexpr uint8_t kClientNdi = 94;
inline constexpr uint8_t kClientMachineId = 97;
inline constexpr uint8_t kRelayAgentInfo = 82;
inline constexpr uint8_t kClasslessRoutes = 121;
inline constexpr uint8_t kIpxeEncap = 175;
inline constexpr uint8_t kEnd = 255;

// Inside option 175 (iPXE's encapsulated options).
inline constexpr uint8_t kIpxeNoProxyDhcp = 176;
// Inside option 43 for PXE clients (PXE spec 2.1, PXE_DISCOVERY_CONTROL).
inline constexpr uint8_t kPxeDiscoveryControl = 6;
}  // namespace opt

// How an option's value is written in configuration and on the wire.
enum class OptionType {
  kIpv4,      // "198.18.0.1"
  kIpv4List,  // ["198.18.0.1", ...]
  kString,    // text
  kUint8,
  kUint16,
  kUint32,
  kInt32,   // signed (time offset)
  kBytes,   // hex: "01:02:0a" or "01020a"
  kRoutes,  // option 121 (RFC 3442): ["10.0.0.0/8 198.18.0.1", "0.0.0.0/0 198.18.0.254"]
};

struct OptionDef {
  uint8_t code;
  std::string_view name;
  OptionType type;
  // The server sets it itself (lease times, server id, message type...): not configurable.
  bool reserved = false;
};

std::optional<OptionDef> find_option(std::string_view name);
std::optional<OptionDef> find_option(uint8_t code);

// Encodes a configured value. `values` has one element for scalar types and any number for
// lists. An option code without a definition takes text, or bytes written "hex:0a0b...".
// Errors say what is wrong with which value, for the configuration loader to report.
Result<std::vector<uint8_t>> encode_option(uint8_t code, const std::vector<std::string>& values);

}  // namespace slipway::dhcp
