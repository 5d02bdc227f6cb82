#include "imaging/agent/system_facts.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <system_error>
#include <tuple>
#include <utility>

namespace slipway::imaging::agent {
namespace {

namespace fs = std::filesystem;

// sysfs and procfs files are small; the cap keeps a fake or broken tree from costing memory.
constexpr size_t kMaxFileBytes = 4096;
// /proc/cpuinfo grows with the thread count: about 1.5 KiB per thread on x86.
constexpr size_t kMaxCpuinfoBytes = 4 * 1024 * 1024;

std::optional<std::string> read_small_file(const fs::path& path, size_t max_bytes = kMaxFileBytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text(max_bytes, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return std::nullopt;
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

// The whole of `text` as a decimal number; nullopt for anything else or an overflow.
template <typename T>
std::optional<T> parse_number(std::string_view text) {
  T value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// A sysfs file holding one decimal number.
template <typename T = int>
std::optional<T> read_number(const fs::path& path) {
  auto text = read_small_file(path);
  if (!text) return std::nullopt;
  return parse_number<T>(trim(*text));
}

std::optional<int> read_int(const fs::path& path) { return read_number<int>(path); }

// Paths under `root` are built by hand: operator/ with an absolute right side would drop root.
fs::path under(const fs::path& root, std::string_view relative) { return root / relative; }

// Firmware and device strings are not to be trusted: trimmed, cut, and anything outside
// printable ASCII replaced, so that the report always encodes and passes the codec.
std::string clean(std::string_view text, size_t max_chars) {
  std::string s = trim(std::string(text));
  for (char& c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) c = '?';
  }
  if (s.size() > max_chars) s.resize(max_chars);
  return trim(std::move(s));
}

std::string read_text(const fs::path& path, size_t max_chars = kMaxFactChars) {
  auto text = read_small_file(path);
  return text ? clean(*text, max_chars) : "";
}

// The name of what a sysfs link points to ("e1000" for device/driver); "" without the link.
std::string link_name(const fs::path& link) {
  std::error_code ec;
  fs::path target = fs::read_symlink(link, ec);
  if (ec) return "";
  return clean(target.filename().string(), kMaxFactChars);
}

// The entries of a directory, by name; none when it is missing.
std::vector<fs::path> sorted_entries(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// "key\t: value" lines of /proc/cpuinfo or /proc/meminfo, one map per block of lines (cpuinfo has
// one block per processor).
std::vector<std::map<std::string, std::string>> key_value_blocks(std::string_view text) {
  std::vector<std::map<std::string, std::string>> blocks(1);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      if (trim(std::string(line)).empty() && !blocks.back().empty()) blocks.emplace_back();
      continue;
    }
    blocks.back().emplace(trim(std::string(line.substr(0, colon))),
                          trim(std::string(line.substr(colon + 1))));
  }
  if (blocks.back().empty()) blocks.pop_back();
  return blocks;
}

std::string value_of(const std::map<std::string, std::string>& block, const std::string& key) {
  auto it = block.find(key);
  return it == block.end() ? "" : it->second;
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = text.find_first_not_of(" \t", pos);
    if (start == std::string_view::npos) break;
    size_t end = text.find_first_of(" \t", start);
    if (end == std::string_view::npos) end = text.size();
    words.emplace_back(text.substr(start, end - start));
    pos = end;
  }
  return words;
}

// A little-endian field of an SMBIOS structure; nullopt past `limit`.
std::optional<uint64_t> smbios_le(std::string_view raw, size_t limit, size_t offset, size_t width) {
  if (offset + width > limit || offset + width > raw.size()) return std::nullopt;
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) {
    v |= uint64_t{static_cast<unsigned char>(raw[offset + i])} << (8 * i);
  }
  return v;
}

// String number `index` (1-based) of the string set after an SMBIOS formatted area; "" for 0 or
// a missing one.
std::string smbios_string(std::string_view raw, size_t formatted_length, uint64_t index) {
  if (index == 0 || formatted_length >= raw.size()) return "";
  std::string_view strings = raw.substr(formatted_length);
  for (uint64_t n = 1; !strings.empty() && strings.front() != '\0'; ++n) {
    size_t nul = strings.find('\0');
    std::string_view s = strings.substr(0, nul);
    if (n == index) return clean(s, kMaxFactChars);
    if (nul == std::string_view::npos) break;
    strings.remove_prefix(nul + 1);
  }
  return "";
}

bool hex_id(std::string& id, size_t digits) {
  if (id.starts_with("0x") || id.starts_with("0X")) id.erase(0, 2);
  std::transform(id.begin(), id.end(), id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return id.size() == digits &&
         std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

}  // namespace

std::vector<NetInterface> list_interfaces(const fs::path& root) {
  constexpr int kArphrdEther = 1;
  std::vector<NetInterface> out;
  std::error_code ec;
  fs::directory_iterator it(under(root, "sys/class/net"), ec);
  if (ec) return out;
  for (const auto& entry : it) {
    std::string name = entry.path().filename().string();
    if (name == "lo") continue;
    // Without a type file (a sparse fake tree) the interface is taken as Ethernet.
    if (auto type = read_int(entry.path() / "type"); type && *type != kArphrdEther) continue;
    auto address = read_small_file(entry.path() / "address");
    if (!address) continue;
    auto mac = MacAddress::parse(trim(*address));
    if (!mac || mac->is_zero()) continue;
    int ifindex = read_int(entry.path() / "ifindex").value_or(0);
    bool physical = fs::exists(entry.path() / "device", ec);
    out.push_back(NetInterface{name, *mac, ifindex, physical});
  }
  std::sort(out.begin(), out.end(), [](const NetInterface& a, const NetInterface& b) {
    return std::tuple(!a.physical, a.ifindex, a.name) < std::tuple(!b.physical, b.ifindex, b.name);
  });
  return out;
}

std::optional<Uuid> read_smbios_uuid(const fs::path& root) {
  auto text = read_small_file(under(root, "sys/class/dmi/id/product_uuid"));
  if (!text) return std::nullopt;
  auto uuid = Uuid::parse(trim(*text));
  if (!uuid || !uuid->is_identity()) return std::nullopt;
  return uuid;
}

std::string read_kernel_release(const fs::path& root) {
  if (auto text = read_small_file(under(root, "proc/sys/kernel/osrelease"))) return trim(*text);
  if (root == fs::path("/")) {
    utsname u{};
    if (uname(&u) == 0) return u.release;
  }
  return "";
}

DmiFacts read_dmi(const fs::path& root) {
  const fs::path dir = under(root, "sys/class/dmi/id");
  DmiFacts d;
  d.vendor = read_text(dir / "sys_vendor");
  d.product = read_text(dir / "product_name");
  d.serial = read_text(dir / "product_serial");
  d.uuid = read_text(dir / "product_uuid");
  d.bios_version = read_text(dir / "bios_version");
  d.bios_date = read_text(dir / "bios_date");
  return d;
}

CpuFacts read_cpu(const fs::path& root) {
  CpuFacts c;
  std::set<std::string> sockets;
  std::set<std::pair<std::string, std::string>> cores;
  uint32_t threads = 0;

  auto cpuinfo = read_small_file(under(root, "proc/cpuinfo"), kMaxCpuinfoBytes);
  const auto blocks = cpuinfo ? key_value_blocks(*cpuinfo) : decltype(key_value_blocks("")){};
  for (const auto& block : blocks) {
    auto get = [&](const char* key) { return value_of(block, key); };
    if (!block.contains("processor")) continue;
    ++threads;
    if (c.model.empty()) c.model = clean(get("model name"), kMaxFactChars);
    if (c.flags.empty()) {
      std::string flags = block.contains("flags") ? get("flags") : get("Features");
      for (auto& flag : split_words(flags)) {
        if (c.flags.size() == kMaxCpuFlags) break;
        flag = clean(flag, kMaxCpuFlagChars);
        if (!flag.empty()) c.flags.push_back(std::move(flag));
      }
    }
    if (block.contains("physical id")) {
      sockets.insert(get("physical id"));
      if (block.contains("core id")) cores.emplace(get("physical id"), get("core id"));
    }
  }

  // sysfs topology is there on every architecture; cpuinfo's ids are an x86 habit.
  std::set<std::string> sys_sockets;
  std::set<std::pair<std::string, std::string>> sys_cores;
  uint32_t sys_threads = 0;
  for (const auto& dir : sorted_entries(under(root, "sys/devices/system/cpu"))) {
    std::string name = dir.filename().string();
    if (!name.starts_with("cpu") || name.size() == 3 ||
        !std::all_of(name.begin() + 3, name.end(),
                     [](unsigned char ch) { return std::isdigit(ch); }))
      continue;
    auto package = read_small_file(dir / "topology/physical_package_id");
    auto core = read_small_file(dir / "topology/core_id");
    if (!package || !core) continue;
    ++sys_threads;
    sys_sockets.insert(trim(*package));
    sys_cores.emplace(trim(*package), trim(*core));
  }
  if (sys_threads > 0) {
    c.threads = sys_threads;
    c.sockets = static_cast<uint32_t>(sys_sockets.size());
    c.cores = static_cast<uint32_t>(sys_cores.size());
  } else {
    c.threads = threads;
    c.sockets = static_cast<uint32_t>(sockets.size());
    c.cores = static_cast<uint32_t>(cores.size());
  }
  return c;
}

std::optional<Dimm> parse_smbios_memory_device(std::string_view raw) {
  constexpr uint8_t kMemoryDevice = 17;
  constexpr size_t kMinLength = 0x15;  // SMBIOS 2.1: size and device locator
  if (raw.size() < 2 || static_cast<uint8_t>(raw[0]) != kMemoryDevice) return std::nullopt;
  const size_t length = static_cast<uint8_t>(raw[1]);
  if (length < kMinLength || raw.size() < length) return std::nullopt;
  auto le = [&](size_t offset, size_t width) { return smbios_le(raw, length, offset, width); };

  Dimm d;
  const uint64_t size = *le(0x0C, 2);
  if (size == 0) return std::nullopt;  // no module in this slot
  if (size == 0x7FFF) {
    // 32 GiB or more: the size in MiB is in the extended size field (SMBIOS 2.7).
    if (auto extended = le(0x1C, 4)) d.size_bytes = (*extended & 0x7FFFFFFF) << 20;
  } else if (size != 0xFFFF) {
    // Bit 15 set: the unit is KiB, else MiB.
    d.size_bytes = (size & 0x8000) ? (size & 0x7FFF) << 10 : size << 20;
  }
  d.locator = smbios_string(raw, length, *le(0x10, 1));
  if (auto speed = le(0x15, 2)) {
    if (*speed == 0xFFFF) {
      *speed = le(0x54, 4).value_or(0);  // SMBIOS 3.3: the extended speed
    }
    if (*speed <= kMaxDimmSpeedMts) d.speed_mts = static_cast<uint32_t>(*speed);
  }
  return d;
}

MemoryFacts read_memory(const fs::path& root) {
  MemoryFacts m;
  if (auto meminfo = read_small_file(under(root, "proc/meminfo"))) {
    auto blocks = key_value_blocks(*meminfo);
    auto words = split_words(blocks.empty() ? "" : value_of(blocks.front(), "MemTotal"));
    if (words.size() == 2 && words[1] == "kB") {
      if (auto kib = parse_number<uint64_t>(words[0]); kib && *kib < (1ull << 53)) {
        m.total_bytes = *kib << 10;
      }
    }
  }
  std::vector<std::pair<unsigned long, fs::path>> records;
  for (const auto& dir : sorted_entries(under(root, "sys/firmware/dmi/entries"))) {
    std::string name = dir.filename().string();
    if (!name.starts_with("17-")) continue;
    auto n = parse_number<unsigned long>(std::string_view(name).substr(3));
    if (!n) continue;
    records.emplace_back(*n, dir);
  }
  std::sort(records.begin(), records.end());
  for (const auto& [n, dir] : records) {
    if (m.dimms.size() == kMaxDimms) break;
    auto raw = read_small_file(dir / "raw");
    if (!raw) continue;
    if (auto dimm = parse_smbios_memory_device(*raw)) m.dimms.push_back(std::move(*dimm));
  }
  return m;
}

std::vector<DiskFacts> read_disks(const fs::path& root) {
  std::vector<DiskFacts> out;
  for (const auto& dir : sorted_entries(under(root, "sys/block"))) {
    if (out.size() == kMaxDisks) break;
    std::string name = dir.filename().string();
    if (name.starts_with("loop") || name.starts_with("ram") || name.starts_with("zram")) continue;
    DiskFacts d;
    d.name = clean(name, kMaxNameChars);
    if (d.name.empty()) continue;
    constexpr uint64_t kSectorBytes = 512;  // /sys/block/X/size counts 512-byte units always
    if (auto sectors = read_number<uint64_t>(dir / "size");
        sectors && *sectors <= UINT64_MAX / kSectorBytes) {
      d.size_bytes = *sectors * kSectorBytes;
    }
    d.model = read_text(dir / "device/model");
    d.serial = read_text(dir / "device/serial");
    if (d.serial.empty()) d.serial = read_text(dir / "serial");
    if (d.serial.empty()) {
      // SCSI VPD page 0x80 (Unit Serial Number): a 4-byte header, the length at bytes 2-3.
      if (auto page = read_small_file(dir / "device/vpd_pg80");
          page && page->size() >= 4 && static_cast<uint8_t>((*page)[1]) == 0x80) {
        size_t length =
            (size_t{static_cast<uint8_t>((*page)[2])} << 8) | static_cast<uint8_t>((*page)[3]);
        d.serial = clean(std::string_view(*page).substr(4, length), kMaxFactChars);
      }
    }
    d.wwn = read_text(dir / "wwid");
    if (d.wwn.empty()) d.wwn = read_text(dir / "device/wwid");
    d.rotational = read_int(dir / "queue/rotational") == 1;
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<NicFacts> read_nics(const fs::path& root) {
  std::vector<NicFacts> out;
  for (const auto& nic : list_interfaces(root)) {
    if (out.size() == kMaxNics) break;
    if (!nic.physical) continue;
    const fs::path dir = under(root, "sys/class/net") / nic.name;
    NicFacts n;
    n.name = clean(nic.name, kMaxNameChars);
    n.mac = nic.mac;
    n.driver = link_name(dir / "device/driver");
    if (auto speed = read_int(dir / "speed");
        speed && *speed > 0 && static_cast<uint64_t>(*speed) <= kMaxLinkMbps) {
      n.speed_mbps = static_cast<uint32_t>(*speed);
    }
    n.link = read_int(dir / "carrier") == 1 || read_text(dir / "operstate") == "up";
    if (!n.name.empty()) out.push_back(std::move(n));
  }
  return out;
}

std::vector<PciDevice> read_pci_devices(const fs::path& root) {
  std::vector<PciDevice> out;
  for (const auto& dir : sorted_entries(under(root, "sys/bus/pci/devices"))) {
    if (out.size() == kMaxPciDevices) break;
    PciDevice p;
    p.address = clean(dir.filename().string(), kMaxPciAddressChars + 1);
    p.vendor = read_text(dir / "vendor");
    p.device = read_text(dir / "device");
    p.class_code = read_text(dir / "class");
    if (p.address.empty() || p.address.size() > kMaxPciAddressChars || !hex_id(p.vendor, 4) ||
        !hex_id(p.device, 4) || !hex_id(p.class_code, 6)) {
      continue;
    }
    p.driver = link_name(dir / "driver");
    out.push_back(std::move(p));
  }
  return out;
}

FirmwareMode read_firmware_mode(const fs::path& root) {
  std::error_code ec;
  if (fs::is_directory(under(root, "sys/firmware/efi"), ec)) return FirmwareMode::kUefi;
  if (fs::is_directory(under(root, "sys/firmware"), ec)) return FirmwareMode::kBios;
  return FirmwareMode::kUnknown;
}

HardwareFacts collect_hardware_facts(const fs::path& root) {
  HardwareFacts h;
  h.firmware = read_firmware_mode(root);
  h.dmi = read_dmi(root);
  h.cpu = read_cpu(root);
  h.memory = read_memory(root);
  h.disks = read_disks(root);
  h.nics = read_nics(root);
  h.pci = read_pci_devices(root);
  return h;
}

std::optional<Ipv4> live_interface_ipv4(const std::string& interface) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return std::nullopt;
  std::optional<Ipv4> found;
  for (ifaddrs* a = list; a != nullptr && !found; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    if (interface != a->ifa_name) continue;
    sockaddr_in sin{};
    std::memcpy(&sin, a->ifa_addr, sizeof sin);
    found = Ipv4(ntohl(sin.sin_addr.s_addr));
  }
  freeifaddrs(list);
  return found;
}

Result<SystemFacts> collect_system_facts(const fs::path& root, std::optional<MacAddress> boot_mac,
                                         const Ipv4Lookup& lookup) {
  SystemFacts facts;
  auto interfaces = list_interfaces(root);
  if (boot_mac) {
    facts.mac = *boot_mac;
    auto it = std::find_if(interfaces.begin(), interfaces.end(),
                           [&](const NetInterface& i) { return i.mac == *boot_mac; });
    if (it != interfaces.end()) {
      facts.interface = it->name;
    } else {
      facts.warnings.push_back("no interface has the boot MAC " + boot_mac->to_string());
    }
  } else if (!interfaces.empty()) {
    facts.mac = interfaces.front().mac;
    facts.interface = interfaces.front().name;
    facts.warnings.push_back("no boot MAC given; using " + facts.interface + " " +
                             facts.mac.to_string());
  } else {
    return Error{"no boot MAC given and no Ethernet interface found under " +
                 under(root, "sys/class/net").string()};
  }

  if (!facts.interface.empty()) {
    facts.ip = lookup(facts.interface);
    if (!facts.ip) facts.warnings.push_back(facts.interface + " has no IPv4 address");
  }
  facts.uuid = read_smbios_uuid(root);
  if (!facts.uuid) facts.warnings.push_back("no usable SMBIOS UUID");
  facts.kernel = read_kernel_release(root);
  facts.hardware = collect_hardware_facts(root);
  return facts;
}

AgentReport make_report(const SystemFacts& facts, AgentEvent event) {
  constexpr size_t kMaxKernelChars = 128;
  AgentReport r;
  r.mac = facts.mac;
  r.uuid = facts.uuid;
  r.event = event;
  r.kernel = facts.kernel.substr(0, kMaxKernelChars);
  r.ip = facts.ip;
  r.facts = facts.hardware;
  return r;
}

}  // namespace slipway::imaging::agent
