// libFuzzer target for the DHCP codec, PXE classification and the responder.
//
// Beyond "no crash, no sanitizer report": a packet that parses re-encodes to bytes that parse to
// the same fields, and the responder (with a memory lease store) either ignores it with a reason
// or produces a reply that itself encodes and parses.

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
    c.server_id = *Ipv4::parse("198.18.0.1");
    c.subnet.subnet = *Ipv4Subnet::parse("198.18.0.0/24");
    c.subnet.range_first = *Ipv4::parse("198.18.0.10");
    c.subnet.range_last = *Ipv4::parse("198.18.0.20");
    return c;
  }();
  static Responder responder(config, store, clock, [](const NetbootClient& c) {
    return std::optional<BootAnswer>(
        BootAnswer{c.mac.to_string(), std::nullopt, "PXEClient", "slipway", true});
  });
  Decision d = responder.handle(p);
  if (d.reply) {
    check(std::holds_alternative<Packet>(parse(serialize(*d.reply))));
    (void)reply_destination(p, *d.reply);
  }
  clock.advance(1);
  return 0;
}
