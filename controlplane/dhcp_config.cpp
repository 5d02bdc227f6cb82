#include "controlplane/dhcp_config.h"

#include <algorithm>
#include <charconv>

#include "common/hex.h"
#include "dhcp/options.h"

namespace slipway::controlplane {

using config::ConfigNode;

namespace {

// Short leases are for tests and labs; below 10 s clients would spend their time renewing.
constexpr int64_t kMinLease = 10;

const std::vector<std::string_view> kSubnetKeys = {
    "subnet", "interface", "range",        "pools",      "routers",        "dns",
    "domain", "options",   "reservations", "lease_time", "min_lease_time", "max_lease_time"};

std::vector<std::string> values_of(const ConfigNode& node) {
  std::vector<std::string> out;
  if (node.is_sequence()) {
    for (const auto& item : node.as_list()) out.push_back(item.as_string());
  } else {
    out.push_back(node.as_string());
  }
  return out;
}

// "198.18.0.100-198.18.0.200" (spaces around '-' allowed).
dhcp::PoolRange parse_range(const ConfigNode& node) {
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

std::string range_text(const dhcp::PoolRange& r) {
  return r.first.to_string() + "-" + r.last.to_string();
}

void set_option(dhcp::SubnetConfig& s, const ConfigNode& node, uint8_t code) {
  auto encoded = dhcp::encode_option(code, values_of(node));
  if (!encoded) node.fail(encoded.error().message);
  auto it = std::find_if(s.options.begin(), s.options.end(),
                         [code](const auto& o) { return o.first == code; });
  if (it != s.options.end()) node.fail("option " + std::to_string(code) + " is set twice");
  s.options.emplace_back(code, std::move(*encoded));
}

void parse_options(const ConfigNode& node, dhcp::SubnetConfig& s) {
  if (!node.is_map()) node.fail("must map option names (or codes) to values");
  for (const auto& key : node.keys()) {
    ConfigNode value = node.child(key);
    uint8_t code = 0;
    int number = -1;
    auto [next, ec] = std::from_chars(key.data(), key.data() + key.size(), number);
    if (ec == std::errc() && next == key.data() + key.size()) {
      if (number < 1 || number > 254) value.fail("option codes are 1 to 254");
      code = static_cast<uint8_t>(number);
    } else if (auto def = dhcp::find_option(key)) {
      code = def->code;
    } else {
      value.fail("unknown option name '" + key +
                 "' (use a known name such as routers, "
                 "domain-name-servers, ntp-servers, interface-mtu, classless-static-routes, or "
                 "the option's code)");
    }
    set_option(s, value, code);
  }
}

std::vector<uint8_t> parse_client_id(const ConfigNode& node) {
  auto bytes = dhcp::encode_option(43, {node.as_string()});  // 43 is a hex-bytes option
  if (!bytes) node.fail("is not hex bytes like 01:52:54:00:12:34:56");
  return *bytes;
}

dhcp::Reservation parse_reservation(const ConfigNode& node, const dhcp::SubnetConfig& s) {
  node.allow_keys({"mac", "client_id", "uuid", "ip", "hostname"});
  dhcp::Reservation r;
  int ids = 0;
  if (auto m = node.find("mac")) {
    r.mac = MacAddress::parse(m->as_string());
    if (!r.mac) m->fail("'" + m->as_string() + "' is not a MAC address");
    ++ids;
  }
  if (auto c = node.find("client_id")) {
    r.client_id = parse_client_id(*c);
    ++ids;
  }
  if (auto u = node.find("uuid")) {
    r.uuid = Uuid::parse(u->as_string());
    if (!r.uuid) u->fail("'" + u->as_string() + "' is not a UUID");
    if (!r.uuid->is_identity()) u->fail("a placeholder UUID cannot identify a machine");
    ++ids;
  }
  if (ids != 1) node.fail("a reservation names exactly one of mac, client_id or uuid");
  auto ip_node = node.child("ip");
  r.ip = ip_node.as_ipv4();
  if (!s.subnet.contains(r.ip)) {
    ip_node.fail(r.ip.to_string() + " is outside subnet " + s.subnet.to_string());
  }
  r.hostname = node.string_or("hostname", "");
  return r;
}

dhcp::SubnetConfig parse_subnet(const ConfigNode& node, uint32_t default_lease) {
  dhcp::SubnetConfig s;
  s.subnet = node.child("subnet").as_subnet();
  s.interface = node.string_or("interface", "");
  std::vector<ConfigNode> pool_nodes;
  if (auto r = node.find("range")) pool_nodes.push_back(*r);
  if (auto p = node.find("pools")) {
    for (const auto& item : p->as_list()) pool_nodes.push_back(item);
  }
  for (const auto& pn : pool_nodes) {
    dhcp::PoolRange range = parse_range(pn);
    for (Ipv4 ip : {range.first, range.last}) {
      if (!s.subnet.contains(ip)) {
        pn.fail(ip.to_string() + " is outside subnet " + s.subnet.to_string());
      }
      if (s.subnet.prefix < 31 && (ip == s.subnet.network || ip == s.subnet.broadcast())) {
        pn.fail(ip.to_string() + " is the network or broadcast address of " + s.subnet.to_string());
      }
    }
    s.pools.push_back(range);
  }
  s.lease_time =
      static_cast<uint32_t>(node.int_or("lease_time", default_lease, kMinLease, 365LL * 86400));
  s.min_lease_time = static_cast<uint32_t>(
      node.int_or("min_lease_time", std::min<int64_t>(60, s.lease_time), kMinLease, s.lease_time));
  s.max_lease_time = static_cast<uint32_t>(node.int_or(
      "max_lease_time", std::max<int64_t>(86400, s.lease_time), s.lease_time, 365LL * 86400));
  if (auto r = node.find("routers")) set_option(s, *r, dhcp::opt::kRouters);
  if (auto d = node.find("dns")) set_option(s, *d, dhcp::opt::kDnsServers);
  if (auto d = node.find("domain")) set_option(s, *d, dhcp::opt::kDomainName);
  if (auto o = node.find("options")) parse_options(*o, s);
  if (auto rs = node.find("reservations")) {
    for (const auto& item : rs->as_list()) s.reservations.push_back(parse_reservation(item, s));
  }
  return s;
}

bool overlap(const dhcp::PoolRange& a, const dhcp::PoolRange& b) {
  return a.first <= b.last && b.first <= a.last;
}

// Cross-checks between subnets, pools and reservations; `nodes` are the subnets' YAML nodes.
void check_layout(const std::vector<dhcp::SubnetConfig>& subnets,
                  const std::vector<ConfigNode>& nodes) {
  for (size_t i = 0; i < subnets.size(); ++i) {
    const auto& a = subnets[i];
    for (size_t j = 0; j < i; ++j) {
      const auto& b = subnets[j];
      if (a.subnet.contains(b.subnet.network) || b.subnet.contains(a.subnet.network)) {
        nodes[i].child("subnet").fail(a.subnet.to_string() + " overlaps subnet " +
                                      b.subnet.to_string());
      }
    }
    if (a.pools.empty() && a.reservations.empty()) {
      nodes[i].fail("a subnet needs a range, pools or reservations to hand out addresses");
    }
    for (size_t p = 0; p < a.pools.size(); ++p) {
      for (size_t q = 0; q < p; ++q) {
        if (overlap(a.pools[p], a.pools[q])) {
          nodes[i].fail("pool " + range_text(a.pools[p]) + " overlaps pool " +
                        range_text(a.pools[q]));
        }
      }
    }
    for (size_t r = 0; r < a.reservations.size(); ++r) {
      const auto& res = a.reservations[r];
      ConfigNode where = nodes[i].child("reservations").as_list()[r];
      for (const auto& s : subnets) {
        for (const auto& pool : s.pools) {
          if (pool.first <= res.ip && res.ip <= pool.last) {
            where.child("ip").fail(res.ip.to_string() + " is inside pool " + range_text(pool) +
                                   ": reserved addresses must be outside every pool");
          }
        }
      }
      for (size_t k = 0; k < r; ++k) {
        const auto& other = a.reservations[k];
        if (other.ip == res.ip) where.child("ip").fail(res.ip.to_string() + " is reserved twice");
        bool same_id = (res.mac && other.mac && *res.mac == *other.mac) ||
                       (!res.client_id.empty() && res.client_id == other.client_id) ||
                       (res.uuid && other.uuid && *res.uuid == *other.uuid);
        if (same_id) where.fail("this client already has a reservation in this subnet");
      }
    }
  }
}

}  // namespace

DhcpConfig parse_dhcp_config(const ConfigNode& node) {
  std::vector<std::string_view> allowed = {"enabled",
                                           "mode",
                                           "port",
                                           "authoritative",
                                           "decline_hold",
                                           "offer_hold",
                                           "known_servers",
                                           "answer_router_solicitations",
                                           "detect_foreign_servers",
                                           "subnets"};
  allowed.insert(allowed.end(), kSubnetKeys.begin(), kSubnetKeys.end());
  node.allow_keys(allowed);

  DhcpConfig c;
  c.enabled = node.bool_or("enabled", true);
  c.port = static_cast<uint16_t>(node.int_or("port", 67, 1, 65535));
  c.answer_router_solicitations = node.bool_or("answer_router_solicitations", true);
  c.detect_foreign_servers = node.bool_or("detect_foreign_servers", true);
  auto& r = c.responder;
  std::string mode = node.string_or("mode", "server");
  if (mode == "proxy") {
    r.mode = dhcp::Mode::kProxy;
  } else if (mode != "server") {
    node.child("mode").fail(
        "must be 'server' (hand out addresses) or 'proxy' (boot data only, "
        "next to another DHCP server)");
  }
  r.authoritative = node.bool_or("authoritative", true);
  r.decline_hold_seconds = node.int_or("decline_hold", 600, 0, 86400 * 30);
  r.offer_hold_seconds = node.int_or("offer_hold", 30, 1, 600);
  if (auto k = node.find("known_servers")) {
    for (const auto& item : k->as_list()) c.known_servers.push_back(item.as_ipv4());
  }
  if (!c.enabled) return c;

  auto default_lease =
      static_cast<uint32_t>(node.int_or("lease_time", 3600, kMinLease, 365LL * 86400));
  std::vector<ConfigNode> subnet_nodes;
  if (auto list = node.find("subnets")) {
    if (node.has("subnet")) {
      node.child("subnet").fail("give either one subnet here or a 'subnets' list, not both");
    }
    for (const auto& item : list->as_list()) {
      item.allow_keys(kSubnetKeys);
      subnet_nodes.push_back(item);
    }
  } else if (node.has("subnet")) {
    subnet_nodes.push_back(node);
    c.single_subnet_form = true;
  }
  if (r.mode == dhcp::Mode::kProxy) {
    if (!subnet_nodes.empty()) {
      subnet_nodes.front().fail(
          "proxy mode hands out no addresses: remove the subnets (the "
          "LAN's own DHCP server has them)");
    }
    return c;
  }
  if (subnet_nodes.empty()) {
    node.fail(
        "missing required key 'subnet' (or 'subnets'): the network(s) to hand out "
        "addresses in; or set mode: proxy");
  }
  for (const auto& sn : subnet_nodes) r.subnets.push_back(parse_subnet(sn, default_lease));
  check_layout(r.subnets, subnet_nodes);
  return c;
}

}  // namespace slipway::controlplane
