// libFuzzer target for the DHCP codec, PXE classification and the responder.
//
// Beyond "no crash, no sanitizer report": a packet that parses re-encodes to bytes that parse to
// the same fields, and the responder (with a memory lease store) either ignores it with a reason
// or produces a reply that itself encodes and parses.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "common/clock.h"
#include "dhcp/memory_lease_store.h"
#include "dhcp/packet.h"
#include "dhcp/pxe_classifier.h"
#include "dhcp/responder.h"
#include "tests/fuzz/fuzz_check.h"

using slipway::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slipway;
  using namespace slipway::dhcp;
  auto parsed = parse(std::span<const uint8_t>(data, size));
  if (auto* error = std::get_if<ParseError>(&parsed)) {
    check(!to_string(*error).empty());
    return 0;
  }
  const Packet& p = std::get<Packet>(parsed);
  auto again = parse(serialize(p));
  check(std::holds_alternative<Packet>(again));
  const Packet& q = std::get<Packet>(again);
  check(q.xid == p.xid && q.chaddr == p.chaddr && q.ciaddr == p.ciaddr && q.giaddr == p.giaddr);
  check(q.options.entries() == p.options.entries());

  if (p.mac()) (void)classify(p);

  static ManualClock clock;
  static MemoryLeaseStore store;
  static ResponderConfig config = [] {
    ResponderConfig c;
    SubnetConfig s;
    s.subnet = *Ipv4Subnet::parse("198.18.0.0/24");
    s.pools = {{*Ipv4::parse("198.18.0.10"), *Ipv4::parse("198.18.0.20")}};
    s.options = {{3, {198, 18, 0, 1}}};
    Reservation r;
    r.mac = MacAddress::parse("52:54:00:00:00:01");
    r.ip = *Ipv4::parse("198.18.0.5");
    s.reservations = {r};
    c.subnets = {s};
    c.own_addresses = {*Ipv4::parse("198.18.0.1")};
    return c;
  }();
  static Responder responder(
      config, store, clock,
      ResponderHooks{[](const NetbootClient& c) {
                       return std::optional<BootAnswer>(BootAnswer{c.mac.to_string(), std::nullopt,
                                                                   "PXEClient", "slipway", true});
                     },
                     {},
                     {}});
  // The input chooses where the packet arrived: the LAN, the boot service port, or nowhere known.
  static const Arrival kArrivals[] = {
      {"br0", *Ipv4::parse("198.18.0.1"), 67, Ipv4{}, 68},
      {"br0", *Ipv4::parse("198.18.0.1"), 4011, *Ipv4::parse("198.18.0.7"), 68},
      {"eth9", *Ipv4::parse("10.0.0.1"), 67, Ipv4{}, 68},
  };
  Decision d = responder.handle(p, kArrivals[size % 3]);
  if (d.reply) {
    auto bytes = serialize(*d.reply, d.max_size);
    check(bytes.size() <= std::max<size_t>(d.max_size, kMinPacketSize));
    check(std::holds_alternative<Packet>(parse(bytes)));
  }
  clock.advance(1);
  if (size % 16 == 0) responder.reclaim();
  (void)store.flush();
  return 0;
}
