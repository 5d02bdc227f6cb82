#pragma once
// The per-machine boot files the TFTP server hands out without reading them from disk:
//   pxelinux.cfg/01-aa-bb-cc-dd-ee-ff  the PXELINUX config for that MAC (hex digits in any case)
//   slipway/<mac>.ipxe                 the iPXE script for that MAC (any form MacAddress::parse
//                                      takes: 52:54:00:12:34:56, 52-54-00-12-34-56, 525400123456)
//   slipway.ipxe                       the iPXE script of the machine that asks, found by the MAC
//                                      of the current DHCP lease on the asking address
// each with or without one leading '/'. Content is keyed only by the MAC in the name or by the
// lease on the asking address, so one machine is never handed another's file. Any other name, a
// malformed MAC in one of these names, and slipway.ipxe from an address without a lease give
// nullopt: the TFTP server then looks on disk. As over HTTP, a machine seen for the first time is
// recorded in the inventory (BootService::script_for).
//
// The boot module does not know DHCP: the lease lookup is injected (controlplane builds it from
// the lease store). In proxy mode the appliance holds no leases, so there slipway.ipxe falls
// through to disk and machines should ask for slipway/<mac>.ipxe (iPXE: slipway/${mac}.ipxe).
//
// Thread-safety: that of BootService (one thread).

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "boot/boot_service.h"
#include "common/ipv4.h"
#include "common/mac_address.h"
#include "common/result.h"

namespace slipway::boot {

// What a TFTP file name asks for, when it is one of ours. Pure.
struct GeneratedName {
  enum class Kind { kPxelinuxConfig, kIpxeScript };
  Kind kind = Kind::kIpxeScript;
  std::optional<MacAddress> mac;  // nullopt: the asking machine's (slipway.ipxe)

  bool operator==(const GeneratedName&) const = default;
};
std::optional<GeneratedName> parse_generated_name(std::string_view path);

// The MAC of the client holding the current lease on an address; nullopt when none does.
using LeaseMacLookup = std::function<std::optional<MacAddress>(Ipv4 address)>;

class TftpFiles {
 public:
  // `service` must outlive this object. An empty `lease_mac` finds no lease for any address.
  TftpFiles(BootService& service, LeaseMacLookup lease_mac);

  // The content for `path` as asked by `client`, or nullopt (not ours: look on disk). An error
  // means the inventory could not record the contact: the request must fail, not fall through.
  Result<std::optional<std::string>> content_for(std::string_view path, Ipv4 client);

 private:
  BootService& service_;
  LeaseMacLookup lease_mac_;
};

}  // namespace slipway::boot
