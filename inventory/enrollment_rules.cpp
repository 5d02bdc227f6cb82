#include "inventory/enrollment_rules.h"

#include <fnmatch.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "common/hex.h"

namespace slipway::inventory {
namespace {

constexpr std::array<std::string_view, 5> kPlaceholders = {"vendor", "product", "serial", "mac",
                                                           "mac6"};
constexpr size_t kMaxNameChars = 63;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool glob_matches(const std::string& glob, const std::string& text) {
  return ::fnmatch(glob.c_str(), text.c_str(), FNM_CASEFOLD) == 0;
}

std::string mac_hex(const MacAddress& mac) { return hex::encode(mac.bytes()); }

std::string placeholder_value(std::string_view name, const EnrollmentSubject& s) {
  if (name == "vendor") return s.vendor;
  if (name == "product") return s.product;
  if (name == "serial") return s.serial;
  if (name == "mac") return mac_hex(s.boot_mac);
  return mac_hex(s.boot_mac).substr(6);  // mac6
}

// Lower case, runs of other characters to one '-', trimmed, at most 63 characters.
std::string as_dns_label(std::string_view text) {
  std::string out;
  for (char raw : text) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(raw)));
    bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (keep) {
      out += c;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  if (out.size() > kMaxNameChars) out.resize(kMaxNameChars);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

}  // namespace

Result<std::vector<uint8_t>> parse_mac_prefix(std::string_view text) {
  auto refused = [&] {
    return Error{"MAC prefix '" + std::string(text) +
                 "' must be 1 to 6 bytes of hex, like 52:54:00, 52-54-00 or 525400"};
  };
  bool separated = text.find_first_of(":-") != std::string_view::npos;
  std::vector<uint8_t> bytes;
  size_t i = 0;
  while (i < text.size()) {
    if (i + 1 >= text.size() || hex_value(text[i]) < 0 || hex_value(text[i + 1]) < 0) {
      return refused();
    }
    bytes.push_back(static_cast<uint8_t>(hex_value(text[i]) * 16 + hex_value(text[i + 1])));
    i += 2;
    if (separated && i < text.size()) {
      if (text[i] != ':' && text[i] != '-') return refused();
      if (++i == text.size()) return refused();
    }
  }
  if (bytes.empty() || bytes.size() > MacAddress::kSize) return refused();
  return bytes;
}

std::optional<std::string> invalid_name_template(std::string_view tmpl) {
  if (tmpl.empty()) return "the name template is empty";
  bool has_text = false;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == '}') return "'}' without '{' at character " + std::to_string(i + 1);
    if (tmpl[i] != '{') {
      has_text = has_text || std::isalnum(static_cast<unsigned char>(tmpl[i]));
      continue;
    }
    size_t close = tmpl.find('}', i);
    if (close == std::string_view::npos) {
      return "'{' without '}' at character " + std::to_string(i + 1);
    }
    std::string_view name = tmpl.substr(i + 1, close - i - 1);
    if (std::find(kPlaceholders.begin(), kPlaceholders.end(), name) == kPlaceholders.end()) {
      return "unknown placeholder {" + std::string(name) +
             "} (known: {vendor} {product} {serial} {mac} {mac6})";
    }
    has_text = true;
    i = close;
  }
  if (!has_text) return "the name template has no letter, digit or placeholder";
  return std::nullopt;
}

std::optional<std::string> render_machine_name(std::string_view tmpl,
                                               const EnrollmentSubject& subject) {
  std::string text;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '{') {
      text += tmpl[i];
      continue;
    }
    size_t close = tmpl.find('}', i);
    text += placeholder_value(tmpl.substr(i + 1, close - i - 1), subject);
    i = close;
  }
  std::string name = as_dns_label(text);
  if (name.empty()) return std::nullopt;
  return name;
}

bool rule_matches(const EnrollmentRule& rule, const EnrollmentSubject& subject) {
  if (rule.vendor_glob && !glob_matches(*rule.vendor_glob, subject.vendor)) return false;
  if (rule.product_glob && !glob_matches(*rule.product_glob, subject.product)) return false;
  if (!rule.mac_prefix.empty()) {
    auto starts = [&](const MacAddress& mac) {
      return std::equal(rule.mac_prefix.begin(), rule.mac_prefix.end(), mac.bytes().begin());
    };
    if (!starts(subject.boot_mac) &&
        std::none_of(subject.macs.begin(), subject.macs.end(), starts)) {
      return false;
    }
  }
  return true;
}

EnrollmentDecision decide_enrollment(const std::vector<EnrollmentRule>& rules,
                                     const EnrollmentSubject& subject) {
  EnrollmentDecision d;
  for (size_t i = 0; i < rules.size(); ++i) {
    const EnrollmentRule& rule = rules[i];
    if (!rule_matches(rule, subject)) continue;
    d.matched.push_back(i);
    for (const auto& [k, v] : rule.labels) d.labels[k] = v;
    if (!d.name && rule.name_template) d.name = render_machine_name(*rule.name_template, subject);
  }
  return d;
}

}  // namespace slipway::inventory
