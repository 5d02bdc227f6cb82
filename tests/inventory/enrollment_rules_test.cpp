#include "inventory/enrollment_rules.h"

#include <gtest/gtest.h>

namespace slipway::inventory {
namespace {

MacAddress mac(const char* text) { return *MacAddress::parse(text); }

EnrollmentSubject qemu_vm() {
  EnrollmentSubject s;
  s.vendor = "QEMU";
  s.product = "Standard PC (i440FX + PIIX, 1996)";
  s.serial = "";
  s.boot_mac = mac("52:54:00:e5:01:0a");
  s.macs = {s.boot_mac, mac("02:00:00:00:00:01")};
  return s;
}

EnrollmentSubject dell() {
  EnrollmentSubject s;
  s.vendor = "Dell Inc.";
  s.product = "PowerEdge R640";
  s.serial = "7XK2LM2";
  s.boot_mac = mac("b0:26:28:00:11:22");
  s.macs = {s.boot_mac};
  return s;
}

TEST(MacPrefixTest, AcceptsColonDashAndBareForms) {
  EXPECT_EQ(*parse_mac_prefix("52:54:00"), (std::vector<uint8_t>{0x52, 0x54, 0x00}));
  EXPECT_EQ(*parse_mac_prefix("52-54-00-E5"), (std::vector<uint8_t>{0x52, 0x54, 0x00, 0xe5}));
  EXPECT_EQ(*parse_mac_prefix("525400"), (std::vector<uint8_t>{0x52, 0x54, 0x00}));
  EXPECT_EQ(*parse_mac_prefix("b0"), (std::vector<uint8_t>{0xb0}));
  EXPECT_EQ(parse_mac_prefix("52:54:00:12:34:56")->size(), 6u);
}

TEST(MacPrefixTest, RefusesHalfBytesStrayCharactersAndTooLong) {
  for (const char* bad : {"", "5", "52:5", "52:54:", ":52", "52::54", "52:54:0g", "5254000",
                          "52:54:00:12:34:56:78", "52 54", "52545"}) {
    auto r = parse_mac_prefix(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("52:54:00"), std::string::npos) << r.error().message;
  }
}

TEST(NameTemplateTest, KnownPlaceholdersAndLiteralsAreAccepted) {
  for (const char* good : {"lab-{mac}", "{vendor}-{serial}", "node{mac6}", "{product}", "web"}) {
    EXPECT_EQ(invalid_name_template(good), std::nullopt) << good;
  }
}

TEST(NameTemplateTest, BadTemplatesSayWhy) {
  EXPECT_NE(invalid_name_template("{hostname}")->find("unknown placeholder {hostname}"),
            std::string::npos);
  EXPECT_NE(invalid_name_template("a-{mac")->find("'{' without '}' at character 3"),
            std::string::npos);
  EXPECT_NE(invalid_name_template("a}")->find("'}' without '{'"), std::string::npos);
  EXPECT_TRUE(invalid_name_template(""));
  EXPECT_TRUE(invalid_name_template("---"));
}

TEST(NameTemplateTest, RendersAValidMachineName) {
  EXPECT_EQ(render_machine_name("lab-{mac}", qemu_vm()), "lab-525400e5010a");
  EXPECT_EQ(render_machine_name("n{mac6}", qemu_vm()), "ne5010a");
  EXPECT_EQ(render_machine_name("{vendor}-{product}", dell()), "dell-inc-poweredge-r640");
  EXPECT_EQ(render_machine_name("{product}", qemu_vm()), "standard-pc-i440fx-piix-1996");
  EXPECT_EQ(render_machine_name("srv-{serial}", dell()), "srv-7xk2lm2");
  // Nothing usable left: no name (the machine keeps its default one).
  EXPECT_EQ(render_machine_name("{serial}", qemu_vm()), std::nullopt);
  // Trailing separators from an empty placeholder go away.
  EXPECT_EQ(render_machine_name("srv-{serial}", qemu_vm()), "srv");
  EnrollmentSubject long_name = dell();
  long_name.product = std::string(100, 'x');
  auto name = render_machine_name("{product}", long_name);
  ASSERT_TRUE(name);
  EXPECT_EQ(name->size(), 63u);
  EXPECT_EQ(invalid_machine_name(*name), std::nullopt);
}

TEST(RulesTest, GlobsAreCaseInsensitiveAndEveryConditionMustHold) {
  EnrollmentRule rule;
  rule.vendor_glob = "qemu*";
  EXPECT_TRUE(rule_matches(rule, qemu_vm()));
  EXPECT_FALSE(rule_matches(rule, dell()));
  rule.product_glob = "*PowerEdge*";
  EXPECT_FALSE(rule_matches(rule, qemu_vm()));
  rule.vendor_glob = "Dell*";
  EXPECT_TRUE(rule_matches(rule, dell()));
  rule.mac_prefix = {0xb0, 0x26, 0x29};
  EXPECT_FALSE(rule_matches(rule, dell()));
  rule.mac_prefix = {0xb0, 0x26, 0x28};
  EXPECT_TRUE(rule_matches(rule, dell()));
  EXPECT_TRUE(rule_matches(EnrollmentRule{}, dell()));  // no condition: everything
}

TEST(RulesTest, MacPrefixMatchesAnyInterface) {
  EnrollmentRule rule;
  rule.mac_prefix = {0x02, 0x00};
  EXPECT_TRUE(rule_matches(rule, qemu_vm()));  // the second NIC
  rule.mac_prefix = {0x52, 0x54, 0x00, 0xe5};
  EXPECT_TRUE(rule_matches(rule, qemu_vm()));
  rule.mac_prefix = {0x52, 0x54, 0x00, 0xe6};
  EXPECT_FALSE(rule_matches(rule, qemu_vm()));
}

TEST(RulesTest, AllMatchingRulesLabelTheFirstNamedOneNames) {
  std::vector<EnrollmentRule> rules(4);
  rules[0].vendor_glob = "QEMU";
  rules[0].labels = {{"kind", "vm"}, {"rack", "none"}};
  rules[1].mac_prefix = {0x52, 0x54, 0x00};
  rules[1].name_template = "vm-{mac6}";
  rules[1].labels = {{"rack", "lab"}};
  rules[2].vendor_glob = "Dell*";
  rules[2].name_template = "dell-{serial}";
  rules[3].name_template = "other-{mac}";  // matches everything, names only the unnamed
  auto d = decide_enrollment(rules, qemu_vm());
  EXPECT_EQ(d.name, "vm-e5010a");
  EXPECT_EQ(d.labels, (std::map<std::string, std::string>{{"kind", "vm"}, {"rack", "lab"}}));
  EXPECT_EQ(d.matched, (std::vector<size_t>{0, 1, 3}));

  auto e = decide_enrollment(rules, dell());
  EXPECT_EQ(e.name, "dell-7xk2lm2");
  EXPECT_TRUE(e.labels.empty());
  EXPECT_EQ(e.matched, (std::vector<size_t>{2, 3}));

  EXPECT_EQ(decide_enrollment({}, dell()).name, std::nullopt);
}

TEST(RulesTest, AnEmptyRenderedNameFallsThroughToTheNextNamingRule) {
  std::vector<EnrollmentRule> rules(2);
  rules[0].name_template = "{serial}";
  rules[1].name_template = "vm-{mac6}";
  EXPECT_EQ(decide_enrollment(rules, qemu_vm()).name, "vm-e5010a");
  EXPECT_EQ(decide_enrollment(rules, dell()).name, "7xk2lm2");
}

}  // namespace
}  // namespace slipway::inventory
