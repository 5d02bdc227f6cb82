#pragma once
// The decision half of the test BMC (virtual_bmc_main.cpp is the capture half): which configured
// machine a magic packet wakes. Pure, so it is unit-tested without sockets.
//
// Like a NIC's wake logic, a machine with no SecureOn password configured wakes on any magic
// packet for its MAC (a password in the packet is ignored); one with a password wakes only when
// the packet carries exactly that password. A machine that is on ignores further packets
// (reported as already woken: a running VM is not started twice) until it powers off
// (powered_off(), when its command ends); the next packet wakes it again.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/mac_address.h"
#include "common/result.h"
#include "wol/magic_packet.h"

namespace slipway::lab {

struct BmcMachine {
  MacAddress mac;
  std::vector<uint8_t> password;  // empty: none required
  std::string command;            // run with /bin/sh -c
};

// "MAC=COMMAND" or "MAC/PASSWORD=COMMAND", PASSWORD as wol::parse_password() reads it, e.g.
// "52:54:00:00:00:01/01:02:03:04:05:06=touch /tmp/woken". The command is everything after the
// first '='.
Result<BmcMachine> parse_machine_spec(std::string_view spec);

enum class Verdict { kWake, kAlreadyWoken, kWrongPassword, kUnknownMac };
std::string_view to_string(Verdict verdict);

class VirtualBmc {
 public:
  // REQUIRES: no two machines share a MAC (the first would always win).
  explicit VirtualBmc(std::vector<BmcMachine> machines);

  struct Decision {
    Verdict verdict;
    const BmcMachine* machine;  // null for kUnknownMac; valid as long as this object
  };
  // Records a wake when the verdict is kWake.
  Decision on_packet(const wol::MagicPacket& packet);
  // The machine's command ended (the VM powered off): it can be woken again.
  void powered_off(const MacAddress& mac);

  const std::vector<BmcMachine>& machines() const { return machines_; }

 private:
  std::vector<BmcMachine> machines_;
  std::vector<bool> woken_;
};

}  // namespace slipway::lab
