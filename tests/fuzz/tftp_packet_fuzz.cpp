// libFuzzer target for the TFTP codec and option negotiation.
//
// Properties checked beyond "no crash, no sanitizer report":
// - parse() is a fixed point after one round: serialize(parse(x)) parses back to the same packet.
// - For a read request, negotiation stays inside the RFC ranges and the server limits, and the
//   OACK it asks for fits in one packet and parses back to the same options.

#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "tests/fuzz/fuzz_check.h"
#include "tftp/negotiation.h"
#include "tftp/packet.h"

using slipway::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slipway::tftp;
  auto parsed = parse(std::span<const uint8_t>(data, size));
  if (std::holds_alternative<ParseError>(parsed)) {
    check(!to_string(std::get<ParseError>(parsed)).empty());
    return 0;
  }
  const Packet& packet = std::get<Packet>(parsed);
  auto again = parse(serialize(packet));
  check(std::holds_alternative<Packet>(again) && std::get<Packet>(again) == packet);

  const auto* request = std::get_if<Request>(&packet);
  if (request == nullptr || request->opcode != Opcode::kRrq) return 0;

  // The file size comes from the input too, so tsize sees large values.
  uint64_t file_size = 0;
  for (size_t i = 0; i < size && i < 8; ++i) file_size = (file_size << 8) | data[i];
  NegotiationLimits limits;
  limits.max_blksize = static_cast<uint16_t>(kMinBlockSize + size % (kMaxBlockSize - 7));
  limits.max_windowsize = static_cast<uint16_t>(1 + size % 64);
  for (const NegotiationLimits& l : {NegotiationLimits{}, limits}) {
    Negotiated n = negotiate(request->options, file_size, l);
    // Without an accepted blksize the RFC 1350 default stands, whatever the server maximum.
    bool has_blksize = false;
    for (const Option& o : n.oack) has_blksize = has_blksize || o.name == "blksize";
    check(has_blksize ? (n.blksize >= kMinBlockSize && n.blksize <= l.max_blksize)
                      : n.blksize == kDefaultBlockSize);
    check(n.windowsize >= 1 && n.windowsize <= l.max_windowsize);
    check(!n.timeout_seconds || *n.timeout_seconds >= 1);
    check(n.oack.size() <= 4);
    auto oack = build_oack(n.oack);
    check(oack.size() <= kMaxRequestSize);
    auto back = parse(oack);
    check(std::holds_alternative<Packet>(back) && std::get<Packet>(back) == Packet{Oack{n.oack}});
  }
  return 0;
}
