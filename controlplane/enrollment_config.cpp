#include "controlplane/enrollment_config.h"

#include "inventory/machine.h"
#include "wol/magic_packet.h"

namespace slipway::controlplane {

using config::ConfigNode;

std::map<std::string, std::string> parse_labels(const ConfigNode& node) {
  if (!node.is_map()) node.fail("must be a map of label keys to values");
  std::map<std::string, std::string> labels;
  for (const auto& key : node.keys()) {
    ConfigNode value = node.child(key);
    std::string text = value.as_string();
    if (auto why = inventory::invalid_label(key, text)) value.fail(*why);
    labels[key] = text;
  }
  return labels;
}

namespace {

inventory::EnrollmentRule parse_rule(const ConfigNode& node) {
  node.allow_keys({"match", "name", "labels"});
  inventory::EnrollmentRule rule;
  if (auto match = node.find("match")) {
    match->allow_keys({"vendor", "product", "mac_prefix"});
    if (auto v = match->find("vendor")) rule.vendor_glob = v->as_string();
    if (auto p = match->find("product")) rule.product_glob = p->as_string();
    if (auto m = match->find("mac_prefix")) {
      auto prefix = inventory::parse_mac_prefix(m->as_string());
      if (!prefix) m->fail(prefix.error().message);
      rule.mac_prefix = *prefix;
    }
  }
  if (auto n = node.find("name")) {
    std::string tmpl = n->as_string();
    if (auto why = inventory::invalid_name_template(tmpl)) n->fail(*why);
    rule.name_template = tmpl;
  }
  if (auto labels = node.find("labels")) rule.labels = parse_labels(*labels);
  if (!rule.name_template && rule.labels.empty()) {
    node.fail("a rule needs a 'name' or 'labels' (otherwise it does nothing)");
  }
  return rule;
}

}  // namespace

inventory::EnrollmentConfig parse_enrollment_config(const ConfigNode& node) {
  node.allow_keys({"policy", "rules"});
  inventory::EnrollmentConfig c;
  if (auto p = node.find("policy")) {
    auto policy = inventory::parse_enrollment_policy(p->as_string());
    if (!policy) p->fail("must be 'auto' or 'approve'");
    c.policy = *policy;
  }
  if (auto rules = node.find("rules")) {
    for (const auto& item : rules->as_list()) c.rules.push_back(parse_rule(item));
  }
  return c;
}

PowerConfig parse_power_config(const ConfigNode& node) {
  node.allow_keys({"wol", "rate_per_second", "confirm_timeout_s"});
  PowerConfig c;
  c.rate_per_second =
      static_cast<uint32_t>(node.int_or("rate_per_second", c.rate_per_second, 0, 1000));
  c.confirm_timeout =
      std::chrono::seconds(node.int_or("confirm_timeout_s", c.confirm_timeout.count(), 5, 3600));
  if (auto w = node.find("wol")) {
    w->allow_keys({"mode", "interface", "broadcast", "port", "secureon"});
    if (auto m = w->find("mode")) {
      auto mode = wol::parse_wol_mode(m->as_string());
      if (!mode) m->fail("must be 'udp', 'raw' or 'both'");
      c.wol.mode = *mode;
    }
    c.wol.raw_interface = w->string_or("interface", "");
    if (auto b = w->find("broadcast")) c.wol.udp.broadcast = b->as_ipv4();
    c.wol.udp.port = static_cast<uint16_t>(w->int_or("port", c.wol.udp.port, 1, 65535));
    if (auto s = w->find("secureon")) {
      auto password = wol::parse_password(s->as_string());
      if (!password) {
        s->fail("must be a SecureOn password of 4 or 6 bytes in hex, like 01:02:03:04:05:06");
      }
      c.secureon_password = *password;
    }
  }
  return c;
}

}  // namespace slipway::controlplane
