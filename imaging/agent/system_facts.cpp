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
#include <system_error>
#include <tuple>

namespace slipway::imaging::agent {
namespace {

namespace fs = std::filesystem;

// sysfs and procfs files are small; the cap keeps a fake or broken tree from costing memory.
constexpr size_t kMaxFileBytes = 4096;

std::optional<std::string> read_small_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text(kMaxFileBytes, '\0');
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

std::optional<int> read_int(const fs::path& path) {
  auto text = read_small_file(path);
  if (!text) return std::nullopt;
  std::string t = trim(*text);
  int value = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size()) return std::nullopt;
  return value;
}

// Paths under `root` are built by hand: operator/ with an absolute right side would drop root.
fs::path under(const fs::path& root, std::string_view relative) { return root / relative; }

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
  return r;
}

}  // namespace slipway::imaging::agent
