#include "dhcp/packet.h"

#include <algorithm>
#include <cstdint>

#include "common/byte_reader.h"
#include "common/byte_writer.h"
#include "dhcp/options.h"

namespace slipway::dhcp {

std::string_view to_string(MessageType t) {
  switch (t) {
    case MessageType::kDiscover:
      return "discover";
    case MessageType::kOffer:
      return "offer";
    case MessageType::kRequest:
      return "request";
    case MessageType::kDecline:
      return "decline";
    case MessageType::kAck:
      return "ack";
    case MessageType::kNak:
      return "nak";
    case MessageType::kRelease:
      return "release";
    case MessageType::kInform:
      return "inform";
  }
  return "unknown";
}

std::string_view to_string(ParseError e) {
  switch (e) {
    case ParseError::kTooShort:
      return "too_short";
    case ParseError::kBadCookie:
      return "bad_cookie";
    case ParseError::kBadHardwareLen:
      return "bad_hlen";
    case ParseError::kTruncatedOption:
      return "truncated_option";
    case ParseError::kBadOverload:
      return "bad_overload";
  }
  return "unknown";
}

const std::vector<uint8_t>* Options::find(uint8_t code) const {
  for (const auto& [c, v] : entries_) {
    if (c == code) return &v;
  }
  return nullptr;
}

void Options::set(uint8_t code, std::vector<uint8_t> value) {
  for (auto& [c, v] : entries_) {
    if (c == code) {
      v = std::move(value);
      return;
    }
  }
  entries_.emplace_back(code, std::move(value));
}

void Options::append(uint8_t code, std::span<const uint8_t> more) {
  for (auto& [c, v] : entries_) {
    if (c == code) {
      v.insert(v.end(), more.begin(), more.end());
      return;
    }
  }
  entries_.emplace_back(code, std::vector<uint8_t>(more.begin(), more.end()));
}

void Options::erase(uint8_t code) {
  std::erase_if(entries_, [code](const auto& e) { return e.first == code; });
}

void Options::set_u16(uint8_t code, uint16_t v) {
  set(code, {static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)});
}

void Options::set_u32(uint8_t code, uint32_t v) {
  set(code, {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
             static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)});
}

void Options::set_ipv4(uint8_t code, Ipv4 ip) { set_u32(code, ip.value()); }

void Options::set_ipv4_list(uint8_t code, std::span<const Ipv4> ips) {
  std::vector<uint8_t> v;
  for (Ipv4 ip : ips) {
    auto b = ip.bytes();
    v.insert(v.end(), b.begin(), b.end());
  }
  set(code, std::move(v));
}

void Options::set_string(uint8_t code, std::string_view s) {
  set(code, std::vector<uint8_t>(s.begin(), s.end()));
}

std::optional<uint8_t> Options::u8(uint8_t code) const {
  auto* v = find(code);
  if (!v || v->size() != 1) return std::nullopt;
  return (*v)[0];
}

std::optional<uint16_t> Options::u16(uint8_t code) const {
  auto* v = find(code);
  if (!v || v->size() != 2) return std::nullopt;
  return ByteReader(*v).u16();
}

std::optional<uint32_t> Options::u32(uint8_t code) const {
  auto* v = find(code);
  if (!v || v->size() != 4) return std::nullopt;
  return ByteReader(*v).u32();
}

std::optional<Ipv4> Options::ipv4(uint8_t code) const {
  auto v = u32(code);
  if (!v) return std::nullopt;
  return Ipv4(*v);
}

std::optional<std::string> Options::string(uint8_t code) const {
  auto* v = find(code);
  if (!v) return std::nullopt;
  std::string s(v->begin(), v->end());
  // Some clients NUL-terminate their strings; the terminator is not part of the value.
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

std::optional<MacAddress> Packet::mac() const {
  if (htype != 1 || hlen != 6) return std::nullopt;
  return MacAddress::from_bytes(std::span<const uint8_t, 6>(chaddr.data(), 6));
}

void Packet::set_mac(const MacAddress& mac) {
  htype = 1;
  hlen = 6;
  chaddr.fill(0);
  std::copy(mac.bytes().begin(), mac.bytes().end(), chaddr.begin());
}

std::optional<MessageType> Packet::message_type() const {
  auto t = options.u8(opt::kMessageType);
  if (!t || *t < 1 || *t > 8) return std::nullopt;
  return static_cast<MessageType>(*t);
}

namespace {

std::string fixed_string(std::span<const uint8_t> field) {
  auto end = std::find(field.begin(), field.end(), uint8_t{0});
  return std::string(field.begin(), end);
}

// Reads options from one field. Returns false on a truncated option; sets `overload` when
// option 52 is seen; stops at END.
bool parse_options(std::span<const uint8_t> field, Options& out, std::optional<uint8_t>* overload) {
  ByteReader r(field);
  while (!r.empty()) {
    uint8_t code = *r.u8();
    if (code == opt::kPad) continue;
    if (code == opt::kEnd) return true;
    auto len = r.u8();
    if (!len) return false;
    auto value = r.bytes(*len);
    if (!value) return false;
    if (code == opt::kOverload) {
      // Only the options field may overload; an option 52 inside file or sname is ignored.
      // A malformed value (not one byte) is reported as kBadOverload.
      if (overload != nullptr) *overload = value->size() == 1 ? (*value)[0] : uint8_t{0};
      continue;
    }
    out.append(code, *value);
  }
  return true;
}

}  // namespace

std::variant<Packet, ParseError> parse(std::span<const uint8_t> bytes) {
  ByteReader r(bytes);
  if (r.remaining() < kFixedHeaderSize + 4) return ParseError::kTooShort;
  Packet p;
  p.op = *r.u8();
  p.htype = *r.u8();
  p.hlen = *r.u8();
  p.hops = *r.u8();
  p.xid = *r.u32();
  p.secs = *r.u16();
  p.flags = *r.u16();
  p.ciaddr = Ipv4(*r.u32());
  p.yiaddr = Ipv4(*r.u32());
  p.siaddr = Ipv4(*r.u32());
  p.giaddr = Ipv4(*r.u32());
  auto chaddr = *r.bytes(16);
  std::copy(chaddr.begin(), chaddr.end(), p.chaddr.begin());
  auto sname = *r.bytes(64);
  auto file = *r.bytes(128);
  if (p.hlen > 16) return ParseError::kBadHardwareLen;
  if (*r.u32() != kMagicCookie) return ParseError::kBadCookie;

  std::optional<uint8_t> overload;
  if (!parse_options(r.rest(), p.options, &overload)) return ParseError::kTruncatedOption;
  if (overload) {
    if (*overload < 1 || *overload > 3) return ParseError::kBadOverload;
    // RFC 3396 order: options field, then file, then sname.
    if ((*overload & 1) && !parse_options(file, p.options, nullptr)) {
      return ParseError::kTruncatedOption;
    }
    if ((*overload & 2) && !parse_options(sname, p.options, nullptr)) {
      return ParseError::kTruncatedOption;
    }
  }
  if (!overload || !(*overload & 1)) p.file = fixed_string(file);
  if (!overload || !(*overload & 2)) p.sname = fixed_string(sname);
  return p;
}

namespace {

// One option instance on the wire: code, length (at most 255) and value.
struct Instance {
  uint8_t code;
  std::span<const uint8_t> value;
  size_t wire_size() const { return 2 + value.size(); }
};

std::vector<Instance> split_options(const Options& options) {
  std::vector<Instance> out;
  for (const auto& [code, value] : options.entries()) {
    size_t pos = 0;
    do {
      size_t chunk = std::min<size_t>(value.size() - pos, 255);
      out.push_back({code, std::span<const uint8_t>(value).subspan(pos, chunk)});
      pos += chunk;
    } while (pos < value.size());
  }
  return out;
}

void write_instances(ByteWriter& w, const std::vector<Instance>& list) {
  for (const auto& i : list) {
    w.u8(i.code);
    w.u8(static_cast<uint8_t>(i.value.size()));
    w.bytes(i.value);
  }
}

std::span<const uint8_t> as_bytes(const std::string& s) {
  return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

}  // namespace

std::vector<uint8_t> serialize(const Packet& p, size_t max_size, size_t* dropped) {
  std::vector<Instance> all = split_options(p.options);
  std::vector<Instance> main_area = all;
  std::vector<Instance> file_area;
  std::vector<Instance> sname_area;
  size_t lost = 0;
  size_t main_room = max_size == 0 ? SIZE_MAX : max_size - kFixedHeaderSize - 4 - 1;
  size_t total = 0;
  for (const auto& i : all) total += i.wire_size();
  if (total > main_room) {
    // RFC 2131/3396: move what does not fit into the unused file, then sname field, and say so
    // with option 52 (which takes 3 bytes of the options field). What fits nowhere is dropped.
    main_area.clear();
    main_room -= 3;
    size_t file_room = p.file.empty() ? 128 - 1 : 0;
    size_t sname_room = p.sname.empty() ? 64 - 1 : 0;
    auto place = [&](const Instance& i) {
      for (auto [area, room] :
           {std::pair{&main_area, &main_room}, std::pair{&file_area, &file_room},
            std::pair{&sname_area, &sname_room}}) {
        if (i.wire_size() <= *room) {
          area->push_back(i);
          *room -= i.wire_size();
          return true;
        }
      }
      return false;
    };
    for (const auto& i : all) {
      if (!place(i)) ++lost;
    }
  }
  if (dropped) *dropped = lost;

  ByteWriter w(kMinPacketSize + 64);
  w.u8(p.op);
  w.u8(p.htype);
  w.u8(p.hlen);
  w.u8(p.hops);
  w.u32(p.xid);
  w.u16(p.secs);
  w.u16(p.flags);
  w.u32(p.ciaddr.value());
  w.u32(p.yiaddr.value());
  w.u32(p.siaddr.value());
  w.u32(p.giaddr.value());
  w.bytes(p.chaddr);
  auto overloaded_field = [](const std::vector<Instance>& list, size_t width) {
    ByteWriter f(width);
    write_instances(f, list);
    f.u8(opt::kEnd);
    f.fill(width - f.size(), 0);
    return f.take();
  };
  uint8_t overload = (file_area.empty() ? 0 : 1) | (sname_area.empty() ? 0 : 2);
  // Fixed-width fields keep a terminating NUL: at most 63 and 127 characters.
  if (overload & 2) {
    w.bytes(overloaded_field(sname_area, 64));
  } else {
    w.fixed(as_bytes(p.sname).first(std::min<size_t>(p.sname.size(), 63)), 64);
  }
  if (overload & 1) {
    w.bytes(overloaded_field(file_area, 128));
  } else {
    w.fixed(as_bytes(p.file).first(std::min<size_t>(p.file.size(), 127)), 128);
  }
  w.u32(kMagicCookie);
  if (overload != 0) {
    w.u8(opt::kOverload);
    w.u8(1);
    w.u8(overload);
  }
  write_instances(w, main_area);
  w.u8(opt::kEnd);
  if (w.size() < kMinPacketSize) w.fill(kMinPacketSize - w.size(), 0);
  return w.take();
}

}  // namespace slipway::dhcp
