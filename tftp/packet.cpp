#include "tftp/packet.h"

#include <algorithm>
#include <optional>

#include "common/byte_reader.h"
#include "common/byte_writer.h"

namespace slipway::tftp {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotDefined:
      return "not_defined";
    case ErrorCode::kFileNotFound:
      return "file_not_found";
    case ErrorCode::kAccessViolation:
      return "access_violation";
    case ErrorCode::kDiskFull:
      return "disk_full";
    case ErrorCode::kIllegalOperation:
      return "illegal_operation";
    case ErrorCode::kUnknownTid:
      return "unknown_tid";
    case ErrorCode::kFileExists:
      return "file_exists";
    case ErrorCode::kNoSuchUser:
      return "no_such_user";
    case ErrorCode::kOptionRefused:
      return "option_refused";
  }
  return "unknown";
}

std::string_view to_string(Mode mode) {
  switch (mode) {
    case Mode::kOctet:
      return "octet";
    case Mode::kNetascii:
      return "netascii";
  }
  return "unknown";
}

std::string_view to_string(ParseError error) {
  switch (error) {
    case ParseError::kTooShort:
      return "too_short";
    case ParseError::kUnknownOpcode:
      return "unknown_opcode";
    case ParseError::kMissingNul:
      return "missing_nul";
    case ParseError::kEmptyFilename:
      return "empty_filename";
    case ParseError::kBadMode:
      return "bad_mode";
    case ParseError::kEmptyOptionName:
      return "empty_option_name";
    case ParseError::kMissingOptionValue:
      return "missing_option_value";
    case ParseError::kTrailingBytes:
      return "trailing_bytes";
    case ParseError::kOversize:
      return "oversize";
  }
  return "unknown";
}

namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), ascii_lower);
  return s;
}

// A NUL-terminated string; nullopt (cursor at the end) when the terminator is missing.
std::optional<std::string> read_string(ByteReader& r) {
  std::string s;
  while (auto c = r.u8()) {
    if (*c == 0) return s;
    s.push_back(static_cast<char>(*c));
  }
  return std::nullopt;
}

// Reads name/value pairs to the end of the packet.
std::optional<ParseError> read_options(ByteReader& r, std::vector<Option>& out) {
  while (!r.empty()) {
    auto name = read_string(r);
    if (!name) return ParseError::kMissingNul;
    if (name->empty()) {
      // Tolerated: NUL padding after the last option. Anything else is a broken frame.
      while (auto c = r.u8()) {
        if (*c != 0) return ParseError::kEmptyOptionName;
      }
      return std::nullopt;
    }
    if (r.empty()) return ParseError::kMissingOptionValue;
    auto value = read_string(r);
    if (!value) return ParseError::kMissingNul;
    out.push_back(Option{lower(std::move(*name)), std::move(*value)});
  }
  return std::nullopt;
}

ParseResult parse_request(ByteReader& r, Opcode opcode) {
  Request req;
  req.opcode = opcode;
  auto filename = read_string(r);
  if (!filename) return ParseError::kMissingNul;
  if (filename->empty()) return ParseError::kEmptyFilename;
  req.filename = std::move(*filename);
  auto mode = read_string(r);
  if (!mode) return ParseError::kMissingNul;
  std::string m = lower(std::move(*mode));
  if (m == "octet") {
    req.mode = Mode::kOctet;
  } else if (m == "netascii") {
    req.mode = Mode::kNetascii;
  } else {
    return ParseError::kBadMode;
  }
  if (auto error = read_options(r, req.options)) return *error;
  return Packet{std::move(req)};
}

void write_string(ByteWriter& w, std::string_view s) {
  // A NUL inside would end the field early on the peer's side and shift every later field.
  w.text(s.substr(0, s.find('\0')));
  w.u8(0);
}

void write_options(ByteWriter& w, std::span<const Option> options) {
  for (const Option& o : options) {
    write_string(w, o.name);
    write_string(w, o.value);
  }
}

}  // namespace

ParseResult parse(std::span<const uint8_t> bytes) {
  if (bytes.size() > kMaxPacketSize) return ParseError::kOversize;
  ByteReader r(bytes);
  auto op = r.u16();
  if (!op) return ParseError::kTooShort;
  switch (static_cast<Opcode>(*op)) {
    case Opcode::kRrq:
    case Opcode::kWrq:
      if (bytes.size() > kMaxRequestSize) return ParseError::kOversize;
      return parse_request(r, static_cast<Opcode>(*op));
    case Opcode::kData: {
      auto block = r.u16();
      if (!block) return ParseError::kTooShort;
      auto payload = r.rest();
      if (payload.size() > kMaxBlockSize) return ParseError::kOversize;
      return Packet{Data{*block, std::vector<uint8_t>(payload.begin(), payload.end())}};
    }
    case Opcode::kAck: {
      auto block = r.u16();
      if (!block) return ParseError::kTooShort;
      if (!r.empty()) return ParseError::kTrailingBytes;
      return Packet{Ack{*block}};
    }
    case Opcode::kError: {
      auto code = r.u16();
      if (!code) return ParseError::kTooShort;
      auto message = read_string(r);
      if (!message) return ParseError::kMissingNul;
      if (!r.empty()) return ParseError::kTrailingBytes;
      return Packet{ErrorPacket{*code, std::move(*message)}};
    }
    case Opcode::kOack: {
      Oack oack;
      if (auto error = read_options(r, oack.options)) return *error;
      return Packet{std::move(oack)};
    }
  }
  return ParseError::kUnknownOpcode;
}

std::vector<uint8_t> build_data(uint16_t block, std::span<const uint8_t> payload) {
  ByteWriter w(4 + payload.size());
  w.u16(static_cast<uint16_t>(Opcode::kData));
  w.u16(block);
  w.bytes(payload);
  return w.take();
}

std::vector<uint8_t> data_packet(uint16_t block, size_t payload_size) {
  std::vector<uint8_t> packet(kDataHeaderSize + payload_size);
  packet[0] = 0;
  packet[1] = static_cast<uint8_t>(Opcode::kData);
  packet[2] = static_cast<uint8_t>(block >> 8);
  packet[3] = static_cast<uint8_t>(block & 0xFF);
  return packet;
}

std::vector<uint8_t> build_ack(uint16_t block) {
  ByteWriter w(4);
  w.u16(static_cast<uint16_t>(Opcode::kAck));
  w.u16(block);
  return w.take();
}

std::vector<uint8_t> build_error(ErrorCode code, std::string_view message) {
  ByteWriter w(5 + message.size());
  w.u16(static_cast<uint16_t>(Opcode::kError));
  w.u16(static_cast<uint16_t>(code));
  write_string(w, message);
  return w.take();
}

std::vector<uint8_t> build_oack(std::span<const Option> options) {
  ByteWriter w(64);
  w.u16(static_cast<uint16_t>(Opcode::kOack));
  write_options(w, options);
  return w.take();
}

std::vector<uint8_t> build_request(const Request& request) {
  ByteWriter w(64);
  w.u16(static_cast<uint16_t>(request.opcode));
  write_string(w, request.filename);
  write_string(w, to_string(request.mode));
  write_options(w, request.options);
  return w.take();
}

std::vector<uint8_t> serialize(const Packet& packet) {
  struct Visitor {
    std::vector<uint8_t> operator()(const Request& p) const { return build_request(p); }
    std::vector<uint8_t> operator()(const Data& p) const { return build_data(p.block, p.payload); }
    std::vector<uint8_t> operator()(const Ack& p) const { return build_ack(p.block); }
    std::vector<uint8_t> operator()(const ErrorPacket& p) const {
      return build_error(static_cast<ErrorCode>(p.code), p.message);
    }
    std::vector<uint8_t> operator()(const Oack& p) const { return build_oack(p.options); }
  };
  return std::visit(Visitor{}, packet);
}

}  // namespace slipway::tftp
