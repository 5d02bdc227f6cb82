#include "controlplane/app_config.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

namespace slipway::controlplane {

using config::ConfigNode;

std::optional<Ipv4> interface_address(const std::string& name) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return std::nullopt;
  std::optional<Ipv4> found;
  for (ifaddrs* a = list; a != nullptr && !found; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET || name != a->ifa_name) {
      continue;
    }
    found = Ipv4(ntohl(reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr));
  }
  freeifaddrs(list);
  return found;
}

bool interface_exists(const std::string& name) { return if_nametoindex(name.c_str()) != 0; }

namespace {

std::vector<Ipv4> ipv4_list(const ConfigNode& node) {
  std::vector<Ipv4> out;
  for (const auto& item : node.as_list()) out.push_back(item.as_ipv4());
  return out;
}

// "198.18.0.100-198.18.0.200" (spaces around '-' allowed).
std::pair<Ipv4, Ipv4> parse_range(const ConfigNode& node) {
  std::string text = node.as_string();
  size_t dash = text.find('-');
  auto trim = [](std::string s) {
    while (!s.empty() && s.front() == ' ') s.erase(s.begin());
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
  };
  if (dash == std::string::npos) node.fail("must be 'FIRST-LAST', e.g. 198.18.0.100-198.18.0.200");
  auto first = Ipv4::parse(trim(text.substr(0, dash)));
  auto last = Ipv4::parse(trim(text.substr(dash + 1)));
  if (!first || !last) node.fail("'" + text + "' is not 'FIRST-LAST' with two IPv4 addresses");
  if (*last < *first) node.fail("the range ends before it starts");
  return {*first, *last};
}

std::string relative_asset(const ConfigNode& parent, std::string_view key,
                           const std::string& fallback) {
  auto node = parent.find(key);
  if (!node) return fallback;
  std::string value = node->as_string();
  if (value.empty() || value.front() == '/' || value.find("..") != std::string::npos) {
    node->fail("must be a path inside assets_dir, without '..' or a leading '/'");
  }
  return value;
}

void parse_dhcp(const ConfigNode& node, AppConfig& c) {
  node.allow_keys({"enabled", "port", "subnet", "range", "routers", "dns", "domain", "lease_time",
                   "answer_router_solicitations"});
  c.dhcp.enabled = node.bool_or("enabled", true);
  c.dhcp.port = static_cast<uint16_t>(node.int_or("port", 67, 1, 65535));
  c.dhcp.answer_router_solicitations = node.bool_or("answer_router_solicitations", true);
  if (!c.dhcp.enabled) return;
  auto& s = c.dhcp.subnet;
  s.subnet = node.child("subnet").as_subnet();
  auto range_node = node.child("range");
  std::tie(s.range_first, s.range_last) = parse_range(range_node);
  for (Ipv4 ip : {s.range_first, s.range_last}) {
    if (!s.subnet.contains(ip)) {
      range_node.fail(ip.to_string() + " is outside subnet " + s.subnet.to_string());
    }
    if (s.subnet.prefix < 31 && (ip == s.subnet.network || ip == s.subnet.broadcast())) {
      range_node.fail(ip.to_string() + " is the network or broadcast address of " +
                      s.subnet.to_string());
    }
  }
  if (auto r = node.find("routers")) s.routers = ipv4_list(*r);
  if (auto d = node.find("dns")) s.dns_servers = ipv4_list(*d);
  s.domain_name = node.string_or("domain", "");
  s.lease_time = static_cast<uint32_t>(node.int_or("lease_time", 3600, 60, 365LL * 86400));
}

}  // namespace

AppConfig parse_config(const ConfigNode& root, const InterfaceAddressLookup& lookup) {
  root.allow_keys({"data_dir", "assets_dir", "log_level", "interface", "server_address", "dhcp",
                   "tftp", "http", "boot"});
  AppConfig c;
  c.data_dir = root.string_or("data_dir", c.data_dir.string());
  c.assets_dir = root.string_or("assets_dir", (c.data_dir / "assets").string());
  c.log_level = root.string_or("log_level", "info");
  if (c.log_level != "trace" && c.log_level != "debug" && c.log_level != "info" &&
      c.log_level != "warn" && c.log_level != "error") {
    root.child("log_level").fail("must be one of trace, debug, info, warn, error");
  }

  auto dhcp_node = root.find("dhcp");
  if (dhcp_node) {
    parse_dhcp(*dhcp_node, c);
  } else {
    root.fail("missing required key 'dhcp' (set dhcp.enabled: false to run without DHCP)");
  }

  c.interface = root.string_or("interface", "");
  if (c.dhcp.enabled && c.interface.empty()) {
    root.fail("missing required key 'interface': the network DHCP serves");
  }
  if (auto sa = root.find("server_address")) {
    c.server_address = sa->as_ipv4();
  } else if (!c.interface.empty()) {
    auto ip = lookup(c.interface);
    if (!ip) {
      root.child("interface")
          .fail("interface '" + c.interface +
                "' does not exist or has no IPv4 address; give "
                "server_address or fix the interface");
    }
    c.server_address = *ip;
  } else {
    root.fail("missing required key 'server_address' (or 'interface' to take it from)");
  }
  if (c.dhcp.enabled && !c.dhcp.subnet.subnet.contains(c.server_address)) {
    auto node = root.find("server_address");
    (node ? *node : root.child("interface"))
        .fail("server address " + c.server_address.to_string() + " is not in dhcp.subnet " +
              c.dhcp.subnet.subnet.to_string());
  }
  if (c.dhcp.enabled && c.server_address >= c.dhcp.subnet.range_first &&
      c.server_address <= c.dhcp.subnet.range_last) {
    // Not fatal for the DHCP server (it skips its own address), but almost always a typo.
    dhcp_node->child("range").fail("the range contains the server address " +
                                   c.server_address.to_string());
  }

  if (auto t = root.find("tftp")) {
    t->allow_keys({"enabled", "listen", "port"});
    c.tftp.enabled = t->bool_or("enabled", true);
    if (auto l = t->find("listen")) c.tftp.listen = l->as_ipv4().to_string();
    c.tftp.port = static_cast<uint16_t>(t->int_or("port", 69, 1, 65535));
  }
  if (auto h = root.find("http")) {
    h->allow_keys({"listen", "port", "public_url"});
    if (auto l = h->find("listen")) c.http.listen = l->as_ipv4().to_string();
    c.http.port = static_cast<uint16_t>(h->int_or("port", 8080, 1, 65535));
    if (auto u = h->find("public_url")) {
      std::string url = u->as_string();
      while (!url.empty() && url.back() == '/') url.pop_back();
      if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
        u->fail("must start with http:// or https://");
      }
      c.boot.public_url = url;
    }
  }
  if (c.boot.public_url.empty()) {
    c.boot.public_url =
        "http://" + c.server_address.to_string() + ":" + std::to_string(c.http.port);
  }
  c.boot.tftp_server = c.server_address;

  if (auto b = root.find("boot")) {
    b->allow_keys({"chainload_ipxe", "ipxe_marker", "bios_loader", "uefi_loader", "runtime_kernel",
                   "runtime_initrd", "kernel_args"});
    c.boot.chainload_ipxe = b->bool_or("chainload_ipxe", true);
    c.boot.ipxe_marker = b->string_or("ipxe_marker", c.boot.ipxe_marker);
    if (c.boot.ipxe_marker.empty() || c.boot.ipxe_marker == "iPXE") {
      b->child("ipxe_marker").fail("must be a non-empty word other than 'iPXE'");
    }
    c.boot.bios_loader = relative_asset(*b, "bios_loader", c.boot.bios_loader);
    c.boot.uefi_loader = relative_asset(*b, "uefi_loader", c.boot.uefi_loader);
    c.boot.runtime_kernel = relative_asset(*b, "runtime_kernel", c.boot.runtime_kernel);
    c.boot.runtime_initrd = relative_asset(*b, "runtime_initrd", c.boot.runtime_initrd);
    c.boot.kernel_args = b->string_or("kernel_args", c.boot.kernel_args);
  }
  return c;
}

AppConfig load_config(const std::filesystem::path& path) {
  auto root = ConfigNode::load_file(path);
  AppConfig c = parse_config(root, interface_address);
  c.source = path;
  // Relative folders are relative to the configuration file, not to the working directory.
  auto base = std::filesystem::absolute(path).parent_path();
  if (c.data_dir.is_relative()) c.data_dir = base / c.data_dir;
  if (c.assets_dir.is_relative()) c.assets_dir = base / c.assets_dir;
  if (!c.interface.empty() && !interface_exists(c.interface)) {
    root.child("interface")
        .fail("no network interface named '" + c.interface + "' on this machine");
  }
  return c;
}

}  // namespace slipway::controlplane
