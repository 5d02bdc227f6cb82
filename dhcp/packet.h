#pragma once
// The DHCPv4 packet (RFC 2131) and its codec: pure functions over bytes, no sockets.
//
// parse() is strict about the frame (fixed header, magic cookie, hardware address length) and
// lenient about options (pads, a missing END, repeated options concatenated as RFC 3396 says,
// options overloaded into the file/sname fields per option 52). A malformed packet gives a
// ParseError that the receive loop counts and drops.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/ipv4.h"
#include "common/mac_address.h"

namespace slipway::dhcp {

enum class MessageType : uint8_t {
  kDiscover = 1,
  kOffer = 2,
  kRequest = 3,
  kDecline = 4,
  kAck = 5,
  kNak = 6,
  kRelease = 7,
  kInform = 8,
};
std::string_view to_string(MessageType t);

inline constexpr uint8_t kBootRequest = 1;
inline constexpr uint8_t kBootReply = 2;
inline constexpr uint16_t kBroadcastFlag = 0x8000;
inline constexpr size_t kFixedHeaderSize = 236;
inline constexpr uint32_t kMagicCookie = 0x63825363;
inline constexpr size_t kMinPacketSize = 300;  // BOOTP minimum; some clients drop shorter replies

// Options in the order they were added or received. Each code appears once; its value may be
// longer than 255 bytes (it is split into several instances on the wire).
class Options {
 public:
  const std::vector<uint8_t>* find(uint8_t code) const;
  bool has(uint8_t code) const { return find(code) != nullptr; }
  void set(uint8_t code, std::vector<uint8_t> value);
  void append(uint8_t code, std::span<const uint8_t> more);  // RFC 3396 concatenation
  void erase(uint8_t code);

  void set_u8(uint8_t code, uint8_t v) { set(code, {v}); }
  void set_u16(uint8_t code, uint16_t v);
  void set_u32(uint8_t code, uint32_t v);
  void set_ipv4(uint8_t code, Ipv4 ip);
  void set_ipv4_list(uint8_t code, std::span<const Ipv4> ips);
  void set_string(uint8_t code, std::string_view s);

  // Typed reads: nullopt when absent or of the wrong length.
  std::optional<uint8_t> u8(uint8_t code) const;
  std::optional<uint16_t> u16(uint8_t code) const;
  std::optional<uint32_t> u32(uint8_t code) const;
  std::optional<Ipv4> ipv4(uint8_t code) const;
  std::optional<std::string> string(uint8_t code) const;

  const std::vector<std::pair<uint8_t, std::vector<uint8_t>>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<uint8_t, std::vector<uint8_t>>> entries_;
};

struct Packet {
  uint8_t op = kBootRequest;
  uint8_t htype = 1;  // Ethernet
  uint8_t hlen = 6;
  uint8_t hops = 0;
  uint32_t xid = 0;
  uint16_t secs = 0;
  uint16_t flags = 0;
  Ipv4 ciaddr, yiaddr, siaddr, giaddr;
  std::array<uint8_t, 16> chaddr{};
  std::string sname;  // up to 63 characters
  std::string file;   // up to 127 characters
  Options options;

  // The client's Ethernet address; nullopt unless htype is Ethernet and hlen is 6.
  std::optional<MacAddress> mac() const;
  void set_mac(const MacAddress& mac);
  std::optional<MessageType> message_type() const;
  bool broadcast() const { return (flags & kBroadcastFlag) != 0; }
};

enum class ParseError {
  kTooShort,         // shorter than the fixed header and cookie
  kBadCookie,        // no DHCP magic cookie (plain BOOTP is not served)
  kBadHardwareLen,   // hlen above 16
  kTruncatedOption,  // an option's length runs past the end of its field
  kBadOverload,      // option 52 with a value other than 1, 2 or 3
};
std::string_view to_string(ParseError e);

std::variant<Packet, ParseError> parse(std::span<const uint8_t> bytes);

// Encodes a packet: options longer than 255 bytes are split, END is appended and the packet is
// padded to kMinPacketSize. With `max_size` (the receiver's limit, 0 for none), options that do
// not fit overflow into the file and sname fields when those are unused (option 52); options
// that fit nowhere are left out and counted in `*dropped`. REQUIRES: max_size 0 or >= 300.
std::vector<uint8_t> serialize(const Packet& packet, size_t max_size = 0,
                               size_t* dropped = nullptr);

}  // namespace slipway::dhcp
