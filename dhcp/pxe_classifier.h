#pragma once
// PXE classification: what a DHCP request says about a network-booting client (vendor class,
// client architecture, NIC identifier, machine UUID, iPXE markers). Pure, no sockets.

#include "common/netboot.h"
#include "dhcp/packet.h"

namespace slipway::dhcp {

// REQUIRES: packet.mac() has a value (Ethernet client).
NetbootClient classify(const Packet& packet);

// The meaning of an option 93 architecture code (RFC 4578 and the IANA registry).
struct ArchInfo {
  uint16_t code;
  Firmware firmware;
  Arch arch;
  bool http;  // a UEFI HTTP Boot client type
};
std::optional<ArchInfo> find_arch(uint16_t code);

}  // namespace slipway::dhcp
