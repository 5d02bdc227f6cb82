#pragma once
// The vocabulary shared between the DHCP server (which classifies clients) and the boot planner
// (which decides what they boot). Neither module sees the other; both see these types.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/ipv4.h"
#include "common/mac_address.h"
#include "common/uuid.h"

namespace slipway {

enum class Firmware { kUnknown, kBios, kUefi };
enum class Arch { kUnknown, kX86, kX86_64, kArm32, kArm64 };

// How the client asked to boot.
enum class BootProtocol {
  kNone,  // a plain DHCP client (a laptop, an installed OS)
  kPxe,   // a PXE ROM: option 60 "PXEClient"
  kHttp,  // UEFI HTTP Boot: option 60 "HTTPClient"
};

std::string_view to_string(Firmware f);
std::string_view to_string(Arch a);
std::optional<Firmware> parse_firmware(std::string_view text);

// What a DHCP request tells about a network-booting client.
struct NetbootClient {
  MacAddress mac;
  std::optional<Uuid> uuid;  // option 97, only when it is a real identity
  BootProtocol protocol = BootProtocol::kNone;
  Firmware firmware = Firmware::kUnknown;
  Arch arch = Arch::kUnknown;
  std::optional<uint16_t> arch_code;  // option 93, raw
  bool ipxe = false;                  // iPXE is running (option 175 or user class "iPXE")
  std::string user_class;             // option 77 as text
  std::string vendor_class;           // option 60
  // True when the answer goes into a DHCPACK (the client commits to it), false for an OFFER.
  bool committing = false;

  bool is_netboot() const { return protocol != BootProtocol::kNone || ipxe; }
};

// What the DHCP reply must carry so that the client boots the right thing.
struct BootAnswer {
  std::string filename;              // TFTP file name or http(s) URL
  std::optional<Ipv4> next_server;   // siaddr (TFTP server)
  std::string vendor_class;          // option 60 echoed ("PXEClient", "HTTPClient")
  std::string user_class;            // option 77 to mark our own chainloaded iPXE
  bool ipxe_skip_proxydhcp = false;  // option 175.176 = 1: iPXE does not wait for ProxyDHCP
};

}  // namespace slipway
