#pragma once
// Enrollment rules: how a newly inspected machine is named and labelled from its hardware facts
// (slipway.yaml `enrollment.rules`). Pure data and functions: the controlplane parses the rules
// and the inventory applies the decision.
//
// Every rule whose match holds adds its labels (a later rule's value wins for the same key); the
// first matching rule that has a name template names the machine. A rule matches when every
// condition it gives holds:
//  - vendor, product: a glob (fnmatch: * ? [..]) on the DMI system vendor / product name,
//    case-insensitive;
//  - mac_prefix: one of the machine's MACs starts with these bytes ("52:54:00", "52-54-00-e5").
// A rule with no condition matches every machine.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/mac_address.h"
#include "common/result.h"
#include "inventory/lifecycle.h"

namespace slipway::inventory {

// What rules look at.
struct EnrollmentSubject {
  std::string vendor, product, serial;  // DMI; "" when unknown
  MacAddress boot_mac;                  // the MAC the machine booted from
  std::vector<MacAddress> macs;         // every MAC it has (boot MAC included)
};

struct EnrollmentRule {
  std::optional<std::string> vendor_glob, product_glob;
  std::vector<uint8_t> mac_prefix;  // empty: no MAC condition
  std::optional<std::string> name_template;
  std::map<std::string, std::string> labels;
};

struct EnrollmentConfig {
  EnrollmentPolicy policy = EnrollmentPolicy::kAuto;
  std::vector<EnrollmentRule> rules;
};

struct EnrollmentDecision {
  std::optional<std::string> name;  // a valid machine name (invalid_machine_name is empty)
  std::map<std::string, std::string> labels;
  std::vector<size_t> matched;  // indexes of the matching rules, for the event log
};

// "52:54:00", "52-54-00-e5" or "525400": 1 to 6 bytes. Returns why a prefix is refused.
Result<std::vector<uint8_t>> parse_mac_prefix(std::string_view text);

// Checks a name template at load time: only the placeholders {vendor} {product} {serial} {mac}
// {mac6} (the last 6 hex digits of the boot MAC), balanced braces, and some literal or
// placeholder text. Returns why it is refused.
std::optional<std::string> invalid_name_template(std::string_view tmpl);

// The template with its placeholders filled, made a machine name: lower case, every run of
// characters outside a-z 0-9 turned into one '-', no '-' at either end, cut to 63 characters.
// nullopt when nothing is left (e.g. "{serial}" of a machine without a serial).
// REQUIRES: invalid_name_template(tmpl) is empty.
std::optional<std::string> render_machine_name(std::string_view tmpl,
                                               const EnrollmentSubject& subject);

bool rule_matches(const EnrollmentRule& rule, const EnrollmentSubject& subject);
EnrollmentDecision decide_enrollment(const std::vector<EnrollmentRule>& rules,
                                     const EnrollmentSubject& subject);

}  // namespace slipway::inventory
