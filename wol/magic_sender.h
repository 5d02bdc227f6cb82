#pragma once
// Senders of magic packets, behind one narrow interface so the power driver can be tested with
// a fake:
//   UdpMagicSender: a UDP broadcast (port 9 by default) to 255.255.255.255 or a directed
//     broadcast, optionally pinned to one interface (SO_BINDTODEVICE).
//   RawMagicSender: an Ethernet frame, EtherType 0x0842, to ff:ff:ff:ff:ff:ff from the
//     interface's own MAC, injected with libpcap. Reaches machines that have no route to the
//     appliance's subnet and NICs that only listen for the raw form.
// Sends are synchronous and return errors as values. Not thread-safe: one thread per sender.

#include <cstdint>
#include <memory>
#include <string>

#include "common/ipv4.h"
#include "common/mac_address.h"
#include "common/result.h"
#include "wol/magic_packet.h"
#include "wol/pcap_handle.h"
#include "wol/wake_frame.h"

namespace slipway::wol {

class MagicPacketSender {
 public:
  virtual ~MagicPacketSender() = default;
  // "udp 255.255.255.255:9 dev eth0", "raw eth0": for logs and error messages.
  virtual std::string describe() const = 0;
  virtual Status send(const MagicPacket& packet) = 0;
};

struct UdpWakeOptions {
  Ipv4 broadcast{0xFFFFFFFF};  // or the subnet's directed broadcast, e.g. 198.18.0.255
  uint16_t port = kDiscardPort;
  std::string interface;  // empty: the routing table picks the way out
};

// Opens a socket per send: wakes are rare, and a socket held open would pin an interface that
// may go away. Pinning to an interface may need CAP_NET_RAW (kernels before 5.7).
class UdpMagicSender final : public MagicPacketSender {
 public:
  explicit UdpMagicSender(UdpWakeOptions options) : options_(std::move(options)) {}
  std::string describe() const override;
  Status send(const MagicPacket& packet) override;

 private:
  UdpWakeOptions options_;
};

class RawMagicSender final : public MagicPacketSender {
 public:
  // Opens `interface` for injection and reads its MAC. Fails when it does not exist, is not
  // Ethernet, or the process lacks CAP_NET_RAW. send() fails when the interface is down or has
  // no link, and takes the interface's current MAC as the frame's source.
  static Result<std::unique_ptr<RawMagicSender>> open(const std::string& interface);
  std::string describe() const override { return "raw " + interface_; }
  Status send(const MagicPacket& packet) override;
  const MacAddress& source() const { return source_; }

 private:
  RawMagicSender(PcapHandle handle, std::string interface, MacAddress source)
      : handle_(std::move(handle)), interface_(std::move(interface)), source_(source) {}
  PcapHandle handle_;
  std::string interface_;
  MacAddress source_;
};

// Fails unless the interface is up and has a link (carrier); the message says which.
Status check_link(const std::string& interface);

// The hardware address of an Ethernet interface (no privileges needed).
Result<MacAddress> interface_mac(const std::string& interface);

}  // namespace slipway::wol
