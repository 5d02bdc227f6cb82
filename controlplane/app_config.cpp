#include "controlplane/app_config.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <chrono>

#include "controlplane/profile_config.h"

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

// Windows far beyond what RFC 7440 measured as useful only queue more packets per ACK
// (window x blksize bytes per session); NegotiationLimits needs it well under 32768.
constexpr int64_t kMaxWindowSize = 256;
constexpr int64_t kMaxTimeoutMs = 60000;

AppConfig::Tftp parse_tftp_config(const ConfigNode& t) {
  t.allow_keys({"enabled", "listen", "port", "max_blksize", "max_windowsize", "max_transfers",
                "retries", "timeout_ms", "max_timeout_ms"});
  AppConfig::Tftp c;
  c.enabled = t.bool_or("enabled", c.enabled);
  if (auto l = t.find("listen")) c.listen = l->as_ipv4().to_string();
  c.port = static_cast<uint16_t>(t.int_or("port", c.port, 1, 65535));
  c.negotiation.max_blksize = static_cast<uint16_t>(
      t.int_or("max_blksize", c.negotiation.max_blksize, tftp::kMinBlockSize, tftp::kMaxBlockSize));
  c.negotiation.max_windowsize = static_cast<uint16_t>(
      t.int_or("max_windowsize", c.negotiation.max_windowsize, 1, kMaxWindowSize));
  c.max_transfers = static_cast<size_t>(
      t.int_or("max_transfers", static_cast<int64_t>(c.max_transfers), 1, 100000));
  c.retry.max_retries = static_cast<int>(t.int_or("retries", c.retry.max_retries, 1, 20));
  int64_t timeout = t.int_or("timeout_ms", c.retry.initial_timeout.count(), 100, kMaxTimeoutMs);
  // A larger timeout_ms alone raises the default ceiling with it rather than failing.
  int64_t max_timeout = std::max<int64_t>(timeout, c.retry.max_timeout.count());
  if (auto m = t.find("max_timeout_ms")) {
    max_timeout = m->as_int(100, kMaxTimeoutMs);
    if (max_timeout < timeout) {
      m->fail("must be at least timeout_ms (" + std::to_string(timeout) + ")");
    }
  }
  c.retry.initial_timeout = std::chrono::milliseconds(timeout);
  c.retry.max_timeout = std::chrono::milliseconds(max_timeout);
  return c;
}

}  // namespace

AppConfig parse_config(const ConfigNode& root, const InterfaceAddressLookup& lookup,
                       const std::filesystem::path& config_dir) {
  root.allow_keys({"data_dir", "assets_dir", "log_level", "busy_poll_us", "interface", "interfaces",
                   "server_address", "dhcp", "tftp", "http", "https", "auth", "boot", "enrollment",
                   "power", "profiles", "install"});
  AppConfig c;
  c.data_dir = root.string_or("data_dir", c.data_dir.string());
  c.assets_dir = root.string_or("assets_dir", (c.data_dir / "assets").string());
  c.log_level = root.string_or("log_level", "info");
  c.busy_poll =
      std::chrono::microseconds(root.int_or("busy_poll_us", c.busy_poll.count(), 0, 10000));
  if (c.log_level != "trace" && c.log_level != "debug" && c.log_level != "info" &&
      c.log_level != "warn" && c.log_level != "error") {
    root.child("log_level").fail("must be one of trace, debug, info, warn, error");
  }

  auto dhcp_node = root.find("dhcp");
  if (!dhcp_node) {
    root.fail("missing required key 'dhcp' (set dhcp.enabled: false to run without DHCP)");
  }
  c.dhcp = parse_dhcp_config(*dhcp_node);

  if (auto one = root.find("interface")) {
    if (root.has("interfaces")) one->fail("give 'interface' or 'interfaces', not both");
    c.interfaces.push_back(one->as_string());
  } else if (auto list = root.find("interfaces")) {
    for (const auto& item : list->as_list()) c.interfaces.push_back(item.as_string());
  }
  auto interface_node = [&] {
    return root.has("interface") ? root.child("interface") : root.child("interfaces");
  };
  if (c.dhcp.enabled && c.interfaces.empty()) {
    root.fail("missing required key 'interface': the network DHCP serves");
  }
  if (auto sa = root.find("server_address")) {
    c.server_address = sa->as_ipv4();
  } else if (!c.interfaces.empty()) {
    auto ip = lookup(c.interfaces.front());
    if (!ip) {
      interface_node().fail("interface '" + c.interfaces.front() +
                            "' does not exist or has no IPv4 address; give server_address or fix "
                            "the interface");
    }
    c.server_address = *ip;
  } else {
    root.fail("missing required key 'server_address' (or 'interface' to take it from)");
  }
  const auto& subnets = c.dhcp.responder.subnets;
  if (c.dhcp.enabled && c.dhcp.single_subnet_form &&
      !subnets.front().subnet.contains(c.server_address)) {
    auto node = root.find("server_address");
    (node ? *node : interface_node())
        .fail("server address " + c.server_address.to_string() + " is not in dhcp.subnet " +
              subnets.front().subnet.to_string());
  }
  for (const auto& s : subnets) {
    for (const auto& pool : s.pools) {
      if (pool.first <= c.server_address && c.server_address <= pool.last) {
        // Not fatal for the DHCP server (it skips its own address), but almost always a typo.
        dhcp_node->fail("pool " + pool.first.to_string() + "-" + pool.last.to_string() +
                        " contains the server address " + c.server_address.to_string());
      }
    }
  }

  if (auto t = root.find("tftp")) c.tftp = parse_tftp_config(*t);
  if (auto h = root.find("http")) {
    h->allow_keys({"listen", "port", "public_url", "header_timeout", "idle_timeout",
                   "max_requests_per_connection", "max_connections", "access_log", "api"});
    c.http.api = h->bool_or("api", true);
    if (auto l = h->find("listen")) c.http.listen = l->as_ipv4().to_string();
    c.http.port = static_cast<uint16_t>(h->int_or("port", 8080, 1, 65535));
    c.http.header_timeout = std::chrono::seconds(h->int_or("header_timeout", 10, 1, 3600));
    c.http.idle_timeout = std::chrono::seconds(h->int_or("idle_timeout", 30, 1, 3600));
    c.http.max_requests_per_connection =
        static_cast<size_t>(h->int_or("max_requests_per_connection", 1000, 1, 1'000'000));
    c.http.max_connections = static_cast<size_t>(h->int_or("max_connections", 1024, 1, 100'000));
    if (auto a = h->find("access_log")) {
      std::string path = a->as_string();
      if (path == "off") {
        c.http.access_log_enabled = false;
      } else if (path.empty()) {
        a->fail("must be a file path, or 'off'");
      } else {
        c.http.access_log = config_dir / path;  // absolute paths stay as they are
      }
    }
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
  c.boot.tftp_enabled = c.tftp.enabled;

  if (auto t = root.find("https")) {
    t->allow_keys({"enabled", "listen", "port", "cert", "key", "ca_cert", "names", "boot"});
    c.https.enabled = t->bool_or("enabled", true);
    c.https.boot = t->bool_or("boot", false);
    if (c.https.boot && !c.https.enabled) {
      t->child("boot").fail("needs HTTPS on (https.enabled is false)");
    }
    if (auto l = t->find("listen")) c.https.listen = l->as_ipv4().to_string();
    c.https.port = static_cast<uint16_t>(t->int_or("port", 8443, 1, 65535));
    auto path_of = [&](const char* key) -> std::optional<std::filesystem::path> {
      auto node = t->find(key);
      if (!node) return std::nullopt;
      std::filesystem::path p = node->as_string();
      return p.is_relative() ? config_dir / p : p;
    };
    c.https.cert = path_of("cert");
    c.https.key = path_of("key");
    c.https.ca_cert = path_of("ca_cert");
    if (c.https.cert.has_value() != c.https.key.has_value()) {
      t->fail("give both 'cert' and 'key', or neither (then the appliance makes its own)");
    }
    if (auto names = t->find("names")) {
      for (const auto& n : names->as_list()) c.https.names.push_back(n.as_string());
    }
  }
  if (auto a = root.find("auth")) {
    a->allow_keys({"admin_token_file", "failed_per_minute", "audit_keep"});
    if (auto f = a->find("admin_token_file")) {
      std::filesystem::path p = f->as_string();
      c.auth.admin_token_file = p.is_relative() ? config_dir / p : p;
    }
    c.auth.failed_per_minute = static_cast<int>(a->int_or("failed_per_minute", 20, 1, 100000));
    c.auth.audit_keep = static_cast<size_t>(a->int_or("audit_keep", 100'000, 100, 100'000'000));
  }
  if (c.https.listen.empty()) c.https.listen = c.http.listen;
  if (c.https.enabled && c.https.port == c.http.port && c.https.listen == c.http.listen) {
    auto https = root.find("https");
    auto node =
        https && https->has("port") ? https->child("port") : root.child("http").child("port");
    node.fail("HTTP and HTTPS both on port " + std::to_string(c.http.port) +
              "; give each its own (https.port, default 8443)");
  }
  if (!c.http.api && !c.https.enabled) {
    root.child("http").child("api").fail(
        "is false, and HTTPS is off: the API would be reachable nowhere (turn https.enabled on)");
  }
  if (c.https.boot) {
    c.boot.https_loader_base =
        "https://" + c.server_address.to_string() + ":" + std::to_string(c.https.port);
  }

  if (auto b = root.find("boot")) {
    b->allow_keys({"chainload_ipxe", "ipxe_marker", "bios_loader", "uefi_loader",
                   "uefi_local_loader", "runtime_kernel", "runtime_initrd", "kernel_args",
                   "agent_secret_ttl"});
    c.boot.chainload_ipxe = b->bool_or("chainload_ipxe", true);
    c.boot.ipxe_marker = b->string_or("ipxe_marker", c.boot.ipxe_marker);
    if (c.boot.ipxe_marker.empty() || c.boot.ipxe_marker == "iPXE") {
      b->child("ipxe_marker").fail("must be a non-empty word other than 'iPXE'");
    }
    c.boot.bios_loader = relative_asset(*b, "bios_loader", c.boot.bios_loader);
    c.boot.uefi_loader = relative_asset(*b, "uefi_loader", c.boot.uefi_loader);
    c.boot.uefi_local_loader = relative_asset(*b, "uefi_local_loader", c.boot.uefi_local_loader);
    c.boot.runtime_kernel = relative_asset(*b, "runtime_kernel", c.boot.runtime_kernel);
    c.boot.runtime_initrd = relative_asset(*b, "runtime_initrd", c.boot.runtime_initrd);
    c.boot.kernel_args = b->string_or("kernel_args", c.boot.kernel_args);
    // Seconds; from a minute (a runtime's report) to a week (a slow install's first boot).
    c.boot.agent_secret_ttl =
        b->int_or("agent_secret_ttl", c.boot.agent_secret_ttl, 60, 7 * 24 * 3600);
  }
  if (auto e = root.find("enrollment")) c.enrollment = parse_enrollment_config(*e);
  if (auto p = root.find("power")) c.power = parse_power_config(*p);
  if (auto p = root.find("profiles")) c.profiles = parse_profiles(*p, config_dir);
  if (auto i = root.find("install")) c.install = parse_install_config(*i);
  if (c.power.wol.mode != wol::WolMode::kUdp && c.power.wol.raw_interface.empty()) {
    if (c.interfaces.empty()) {
      root.child("power").child("wol").fail(
          "mode " + std::string(wol::to_string(c.power.wol.mode)) +
          " sends raw frames and needs 'interface' (there is no provisioning interface to use)");
    }
    c.power.wol.raw_interface = c.interfaces.front();
  }
  return c;
}

AppConfig load_config(const std::filesystem::path& path) {
  auto root = ConfigNode::load_file(path);
  // Relative paths are relative to the configuration file, not to the working directory.
  auto base = std::filesystem::absolute(path).parent_path();
  AppConfig c = parse_config(root, interface_address, base);
  c.source = path;
  if (c.data_dir.is_relative()) c.data_dir = base / c.data_dir;
  if (c.assets_dir.is_relative()) c.assets_dir = base / c.assets_dir;
  for (const auto& name : c.interfaces) {
    if (!interface_exists(name)) {
      root.child(root.has("interface") ? "interface" : "interfaces")
          .fail("no network interface named '" + name + "' on this machine");
    }
  }
  return c;
}

}  // namespace slipway::controlplane
