#pragma once
// Option negotiation for read requests (RFC 2347, 2348, 2349, 7440). Pure code: request options,
// file size and server limits in, transfer parameters and the OACK contents out.
//
// Accepted, each echoed in the OACK in the order the client sent them:
//   blksize     8..any: values above the server maximum are clamped to it (RFC 2348 lets the
//               server answer with a smaller size); below 8 the option is ignored.
//   tsize       "0" in a read request: answered with the size of what will be sent.
//   timeout     1..255 seconds: echoed, and used as the fixed retransmission interval.
//   windowsize  1..65535: values above the server maximum are clamped to it.
// Ignored (left out of the OACK, default kept): unknown names, values that are not plain
// decimal numbers, out-of-range values, and any repetition after the first occurrence of a name.
// RFC 2347 allows the server to ignore an option instead of answering ERROR 8; ignoring lets a
// client with one odd option still boot. No accepted option means no OACK at all: the transfer
// starts with DATA 1, as for an RFC 1350 client.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "tftp/packet.h"

namespace slipway::tftp {

struct NegotiationLimits {
  // REQUIRES: kMinBlockSize <= max_blksize <= kMaxBlockSize.
  uint16_t max_blksize = kMaxBlockSize;
  // REQUIRES: max_windowsize >= 1. Keep it well under 32768: a stale ACK is only told apart from
  // one inside the window while window + reorder distance < 65536 blocks.
  uint16_t max_windowsize = 64;
};

struct Negotiated {
  uint16_t blksize = kDefaultBlockSize;
  uint16_t windowsize = 1;
  std::optional<uint8_t> timeout_seconds;  // set when the client's timeout was accepted
  std::vector<Option> oack;                // empty: send no OACK
};

// `file_size` is the number of bytes the transfer will carry (after any netascii conversion).
// Option names must already be lower-case, as parse() makes them.
Negotiated negotiate(std::span<const Option> requested, uint64_t file_size,
                     const NegotiationLimits& limits = {});

}  // namespace slipway::tftp
