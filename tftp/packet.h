#pragma once
// TFTP packets (RFC 1350) with option extension (RFC 2347: OACK; RFC 2348 blksize, RFC 2349
// timeout and tsize, RFC 7440 windowsize) and their codec: pure functions over bytes, no sockets.
//
// parse() is strict about frames: every string must be NUL-terminated, the filename must not be
// empty, the mode must be octet or netascii (any case), fixed-size packets must have their exact
// size, and a request must fit in 512 bytes (RFC 2347). It is lenient about options: names are
// lower-cased, values kept verbatim, repeated and unknown options are all kept in wire order for
// the negotiation to ignore, and NUL padding after the last option is tolerated (some firmware
// pads requests). A malformed packet gives a ParseError that the receive loop counts and drops.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace slipway::tftp {

enum class Opcode : uint16_t {
  kRrq = 1,
  kWrq = 2,
  kData = 3,
  kAck = 4,
  kError = 5,
  kOack = 6,
};

// Error codes of RFC 1350 section 5 plus 8 from RFC 2347.
enum class ErrorCode : uint16_t {
  kNotDefined = 0,
  kFileNotFound = 1,
  kAccessViolation = 2,
  kDiskFull = 3,
  kIllegalOperation = 4,
  kUnknownTid = 5,
  kFileExists = 6,
  kNoSuchUser = 7,
  kOptionRefused = 8,
};
// Short snake_case names ("file_not_found"), used as metrics labels; "unknown" past 8.
std::string_view to_string(ErrorCode code);

enum class Mode { kOctet, kNetascii };
std::string_view to_string(Mode mode);

inline constexpr size_t kDefaultBlockSize = 512;
inline constexpr size_t kMinBlockSize = 8;      // RFC 2348
inline constexpr size_t kMaxBlockSize = 65464;  // RFC 2348: fits a 65535-byte IP datagram
inline constexpr size_t kMaxRequestSize = 512;  // RFC 2347: the whole RRQ/WRQ incl. options
inline constexpr size_t kMaxPacketSize = 4 + kMaxBlockSize;  // the largest DATA packet

// One option as received: `name` lower-cased, `value` verbatim.
struct Option {
  std::string name;
  std::string value;
  bool operator==(const Option&) const = default;
};

// RRQ or WRQ.
struct Request {
  Opcode opcode = Opcode::kRrq;  // kRrq or kWrq
  std::string filename;          // as sent, never empty; confinement is the file source's job
  Mode mode = Mode::kOctet;
  std::vector<Option> options;  // wire order; may hold repeated and unknown names
  bool operator==(const Request&) const = default;
};

struct Data {
  uint16_t block = 0;
  std::vector<uint8_t> payload;  // at most kMaxBlockSize bytes
  bool operator==(const Data&) const = default;
};

struct Ack {
  uint16_t block = 0;
  bool operator==(const Ack&) const = default;
};

struct ErrorPacket {
  uint16_t code = 0;  // raw: peers may send codes this side does not know
  std::string message;
  bool operator==(const ErrorPacket&) const = default;
};

struct Oack {
  std::vector<Option> options;
  bool operator==(const Oack&) const = default;
};

using Packet = std::variant<Request, Data, Ack, ErrorPacket, Oack>;

enum class ParseError {
  kTooShort,            // no room for the opcode or a fixed field
  kUnknownOpcode,       // opcode outside 1..6
  kMissingNul,          // a string runs to the end of the packet without its terminator
  kEmptyFilename,       // RRQ/WRQ with a zero-length filename
  kBadMode,             // mode other than octet/netascii (mail is obsolete and refused)
  kEmptyOptionName,     // a zero-length option name followed by non-NUL bytes
  kMissingOptionValue,  // an option name without its value string
  kTrailingBytes,       // bytes after a fixed-size ACK or after an ERROR's message
  kOversize,            // request over 512 bytes or DATA payload over kMaxBlockSize
};
// Short snake_case reasons ("missing_nul"), used as metrics labels.
std::string_view to_string(ParseError error);

using ParseResult = std::variant<Packet, ParseError>;
ParseResult parse(std::span<const uint8_t> bytes);

// Encoders. Strings with an embedded NUL are cut at the NUL so that the frame stays well formed.
// REQUIRES (build_data): payload.size() <= kMaxBlockSize.
std::vector<uint8_t> build_data(uint16_t block, std::span<const uint8_t> payload);
// A DATA packet of `payload_size` bytes with its header written and the payload left for the
// caller to fill at offset kDataHeaderSize (saves a copy when the payload is read from a file).
constexpr size_t kDataHeaderSize = 4;
std::vector<uint8_t> data_packet(uint16_t block, size_t payload_size);
std::vector<uint8_t> build_ack(uint16_t block);
std::vector<uint8_t> build_error(ErrorCode code, std::string_view message);
std::vector<uint8_t> build_oack(std::span<const Option> options);
std::vector<uint8_t> build_request(const Request& request);

// Any packet, through the builders above.
std::vector<uint8_t> serialize(const Packet& packet);

}  // namespace slipway::tftp
