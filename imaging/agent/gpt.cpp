#include "imaging/agent/gpt.h"

#include <algorithm>
#include <boost/crc.hpp>
#include <cstring>

namespace slipway::imaging::agent {

namespace {

constexpr std::string_view kSignature = "EFI PART";
constexpr uint32_t kRevision = 0x00010000;
constexpr uint32_t kMinHeaderSize = 92;
constexpr uint32_t kMaxEntries = 1024;
constexpr uint32_t kMinEntrySize = 128;
constexpr uint32_t kMaxEntrySize = 4096;

uint64_t le64(std::span<const uint8_t> b, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v |= uint64_t{b[at + i]} << (8 * i);
  return v;
}
uint32_t le32(std::span<const uint8_t> b, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v |= uint32_t{b[at + i]} << (8 * i);
  return v;
}
void put64(std::vector<uint8_t>& b, size_t at, uint64_t v) {
  for (size_t i = 0; i < 8; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}
void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}
Guid guid_at(std::span<const uint8_t> b, size_t at) {
  Guid g;
  std::memcpy(g.bytes.data(), b.data() + at, 16);
  return g;
}

Guid must_parse(std::string_view text) { return *Guid::parse(text); }

}  // namespace

uint32_t crc32(std::span<const uint8_t> data) {
  boost::crc_32_type crc;
  crc.process_bytes(data.data(), data.size());
  return crc.checksum();
}

std::vector<uint8_t> encode_gpt_header(const GptHeader& h) {
  const uint32_t header_size = kMinHeaderSize;
  std::vector<uint8_t> out(kSectorBytes, 0);
  std::memcpy(out.data(), kSignature.data(), kSignature.size());
  put32(out, 8, kRevision);
  put32(out, 12, header_size);
  put64(out, 24, h.current_lba);
  put64(out, 32, h.backup_lba);
  put64(out, 40, h.first_usable);
  put64(out, 48, h.last_usable);
  std::memcpy(out.data() + 56, h.disk_guid.bytes.data(), 16);
  put64(out, 72, h.entries_lba);
  put32(out, 80, h.entry_count);
  put32(out, 84, h.entry_size);
  put32(out, 88, h.entries_crc);
  put32(out, 16, crc32(std::span<const uint8_t>(out.data(), header_size)));
  return out;
}

std::optional<Guid> Guid::parse(std::string_view t) {
  // 8-4-4-4-12 hex digits; the first three groups are little-endian on disk.
  if (t.size() != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-') {
    return std::nullopt;
  }
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::array<uint8_t, 16> text_order{};
  size_t n = 0;
  for (size_t i = 0; i < t.size();) {
    if (t[i] == '-') {
      ++i;
      continue;
    }
    int hi = nibble(t[i]);
    int lo = i + 1 < t.size() ? nibble(t[i + 1]) : -1;
    if (hi < 0 || lo < 0 || n >= 16) return std::nullopt;
    text_order[n++] = static_cast<uint8_t>(hi * 16 + lo);
    i += 2;
  }
  if (n != 16) return std::nullopt;
  Guid g;
  constexpr std::array<int, 16> kOrder = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  for (size_t i = 0; i < 16; ++i) g.bytes[i] = text_order[kOrder[i]];
  return g;
}

std::string Guid::to_string() const {
  constexpr std::array<int, 16> kOrder = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    uint8_t b = bytes[kOrder[i]];
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

Guid linux_root_x86_64_type() { return must_parse("4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709"); }
Guid efi_system_type() { return must_parse("C12A7328-F81F-11D2-BA4B-00A0C93EC93B"); }
Guid bios_boot_type() { return must_parse("21686148-6449-6E6F-744E-656564454649"); }
Guid linux_data_type() { return must_parse("0FC63DAF-8483-4772-8E79-3D69D8477DE4"); }

size_t gpt_bytes_needed(std::span<const uint8_t> s) {
  if (s.size() < kSectorBytes || std::memcmp(s.data(), kSignature.data(), 8) != 0) return 0;
  uint64_t entries_lba = le64(s, 72);
  uint64_t count = le32(s, 80);
  uint64_t size = le32(s, 84);
  if (entries_lba < 2 || entries_lba > 64 || count > kMaxEntries || size > kMaxEntrySize) return 0;
  return static_cast<size_t>((entries_lba - 1) * kSectorBytes + count * size);
}

Result<GptTable> parse_gpt(std::span<const uint8_t> b) {
  if (b.size() < kSectorBytes) return Error{"GPT: the header sector is short"};
  if (std::memcmp(b.data(), kSignature.data(), 8) != 0) {
    return Error{"no GPT: LBA 1 lacks the \"EFI PART\" signature"};
  }
  GptTable t;
  GptHeader& h = t.header;
  const uint32_t header_size = le32(b, 12);
  if (le32(b, 8) != kRevision) return Error{"GPT: unknown revision"};
  if (header_size < kMinHeaderSize || header_size > kSectorBytes) {
    return Error{"GPT: header size " + std::to_string(header_size) + " is out of range"};
  }
  std::vector<uint8_t> copy(b.begin(), b.begin() + header_size);
  std::memset(copy.data() + 16, 0, 4);
  if (crc32(copy) != le32(b, 16)) return Error{"GPT: the header's CRC32 does not match"};
  h.current_lba = le64(b, 24);
  h.backup_lba = le64(b, 32);
  h.first_usable = le64(b, 40);
  h.last_usable = le64(b, 48);
  h.disk_guid = guid_at(b, 56);
  h.entries_lba = le64(b, 72);
  h.entry_count = le32(b, 80);
  h.entry_size = le32(b, 84);
  h.entries_crc = le32(b, 88);
  if (h.current_lba != 1) return Error{"GPT: the primary header does not say it is at LBA 1"};
  if (h.entry_count > kMaxEntries || h.entry_size < kMinEntrySize || h.entry_size > kMaxEntrySize ||
      h.entry_size % 8 != 0) {
    return Error{"GPT: entry count or size out of range"};
  }
  if (h.entries_lba < 2 || h.first_usable > h.last_usable) {
    return Error{"GPT: the usable range or the entries' place is invalid"};
  }
  const size_t need = gpt_bytes_needed(b);
  if (need == 0 || b.size() < need) return Error{"GPT: the entry array is short"};
  const size_t entries_at = (h.entries_lba - 1) * kSectorBytes;
  const size_t entries_len = size_t{h.entry_count} * h.entry_size;
  t.entries.assign(b.begin() + entries_at, b.begin() + entries_at + entries_len);
  if (crc32(t.entries) != h.entries_crc) {
    return Error{"GPT: the partition entries' CRC32 does not match"};
  }
  for (uint32_t i = 0; i < h.entry_count; ++i) {
    std::span<const uint8_t> e(t.entries.data() + size_t{i} * h.entry_size, h.entry_size);
    GptPartition p;
    p.type = guid_at(e, 0);
    if (p.type == Guid{}) continue;
    p.number = i + 1;
    p.unique = guid_at(e, 16);
    p.first_lba = le64(e, 32);
    p.last_lba = le64(e, 40);
    for (size_t c = 56; c + 1 < 128; c += 2) {
      uint16_t unit = static_cast<uint16_t>(e[c] | (e[c + 1] << 8));
      if (unit == 0) break;
      p.name += unit < 0x80 ? static_cast<char>(unit) : '?';
    }
    if (p.first_lba > p.last_lba || p.first_lba < h.first_usable || p.last_lba > h.last_usable) {
      return Error{"GPT: partition " + std::to_string(p.number) + " lies outside the usable range"};
    }
    t.partitions.push_back(std::move(p));
  }
  return t;
}

Result<GptRewrite> relocate_backup(const GptTable& t, uint64_t disk_sectors) {
  const GptHeader& h = t.header;
  const uint64_t entries_sectors =
      (t.entries.size() + kSectorBytes - 1) / kSectorBytes;  // 32 for the usual 128 x 128
  if (disk_sectors < h.first_usable + entries_sectors + 2) {
    return Error{"GPT: the disk is too small for its own table"};
  }
  GptRewrite out;
  out.backup_entries_lba = disk_sectors - 1 - entries_sectors;
  const uint64_t last_usable = out.backup_entries_lba - 1;
  for (const auto& p : t.partitions) {
    if (p.last_lba > last_usable) {
      return Error{"partition " + std::to_string(p.number) + " ends at sector " +
                   std::to_string(p.last_lba) + ", past the disk's last usable sector " +
                   std::to_string(last_usable)};
    }
  }
  GptHeader primary = h;
  primary.backup_lba = disk_sectors - 1;
  primary.last_usable = last_usable;
  out.primary_header = encode_gpt_header(primary);
  GptHeader backup = primary;
  backup.current_lba = disk_sectors - 1;
  backup.backup_lba = 1;
  backup.entries_lba = out.backup_entries_lba;
  out.backup_header = encode_gpt_header(backup);
  out.backup_entries = t.entries;
  out.backup_entries.resize(entries_sectors * kSectorBytes, 0);
  return out;
}

std::optional<std::vector<uint8_t>> resize_protective_mbr(std::span<const uint8_t> lba0,
                                                          uint64_t disk_sectors) {
  if (lba0.size() < kSectorBytes || lba0[510] != 0x55 || lba0[511] != 0xAA) return std::nullopt;
  for (size_t entry = 446; entry < 510; entry += 16) {
    if (lba0[entry + 4] != 0xEE) continue;
    std::vector<uint8_t> out(lba0.begin(), lba0.begin() + kSectorBytes);
    const uint64_t first = le32(lba0, entry + 8);
    const uint64_t size = std::min<uint64_t>(disk_sectors - first, 0xFFFFFFFFu);
    put32(out, entry + 12, static_cast<uint32_t>(size));
    return out;
  }
  return std::nullopt;
}

std::string partition_device_name(const std::string& disk, uint32_t number) {
  const bool ends_in_digit = !disk.empty() && disk.back() >= '0' && disk.back() <= '9';
  return disk + (ends_in_digit ? "p" : "") + std::to_string(number);
}

}  // namespace slipway::imaging::agent
