#pragma once
// Builds client requests for tests, the way real clients send them.

#include <cstdio>

#include "common/uuid.h"
#include "dhcp/options.h"
#include "dhcp/packet.h"

namespace slipway::dhcp::testutil {

inline Packet client_packet(MessageType type, const std::string& mac, uint32_t xid = 0x1234) {
  Packet p;
  p.op = kBootRequest;
  p.xid = xid;
  p.set_mac(*MacAddress::parse(mac));
  p.options.set_u8(opt::kMessageType, static_cast<uint8_t>(type));
  return p;
}

// What a PXE ROM adds: vendor class, architecture, NIC id, machine UUID (SMBIOS byte order).
inline void add_pxe(Packet& p, uint16_t arch, const std::string& uuid) {
  char vc[40];
  std::snprintf(vc, sizeof vc, "PXEClient:Arch:%05u:UNDI:002001", arch);
  p.options.set_string(opt::kVendorClass, vc);
  p.options.set_u16(opt::kClientArch, arch);
  p.options.set(opt::kClientNdi, {1, 2, 1});
  auto wire = Uuid::parse(uuid)->smbios_bytes();
  std::vector<uint8_t> v = {0};
  v.insert(v.end(), wire.begin(), wire.end());
  p.options.set(opt::kClientMachineId, v);
}

inline void add_ipxe(Packet& p, const std::string& user_class = "iPXE") {
  p.options.set_string(opt::kUserClass, user_class);
  p.options.set(opt::kIpxeEncap, {177, 5, 1, 0x10, 0xec, 0x81, 0x39});
}

}  // namespace slipway::dhcp::testutil
