#include "boot/template_set.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/common/test_dir.h"

namespace slipway::boot {
namespace {

TemplateSet one(const std::string& name, const std::string& text) {
  TemplateSet set;
  auto added = set.add(name, name + ".tmpl", text);
  EXPECT_TRUE(added) << added.error().message;
  return set;
}

std::string render(const std::string& text, const TemplateContext& ctx) {
  auto out = render_machine_template(one("t", text), "t", ctx);
  EXPECT_TRUE(out) << out.error().message;
  return out ? *out : "";
}

std::string load_error(const std::string& text) {
  TemplateSet set;
  auto added = set.add("t", "/etc/slipway/t.tmpl", text);
  return added ? "" : added.error().message;
}

TEST(TemplateSet, VariablesAreExpandedAndWhitespaceIsKept) {
  TemplateContext ctx;
  ctx.set("HOSTNAME", "web1");
  ctx.set("MAC", "52:54:00:12:34:56");
  EXPECT_EQ(render("host: {{HOSTNAME}}\n  mac: {{MAC}}\n\n{{! a comment }}end\n", ctx),
            "host: web1\n  mac: 52:54:00:12:34:56\n\nend\n");
}

TEST(TemplateSet, SectionsRepeatPerEntryAndSeeTheirParentsVariables) {
  TemplateContext ctx;
  ctx.set("HOSTNAME", "web1");
  for (const char* mac : {"52:54:00:00:00:01", "52:54:00:00:00:02"}) {
    ctx.add_section("INTERFACES").set("INTERFACE_MAC", mac);
  }
  ctx.add_section("INTERFACES").set("INTERFACE_MAC", "52:54:00:00:00:03");
  EXPECT_EQ(render("{{#INTERFACES}}{{HOSTNAME}}={{INTERFACE_MAC}}"
                   "{{#INTERFACES_separator}},{{/INTERFACES_separator}}{{/INTERFACES}}",
                   ctx),
            "web1=52:54:00:00:00:01,web1=52:54:00:00:00:02,web1=52:54:00:00:00:03");
}

TEST(TemplateSet, AbsentSectionsAreHiddenAndSetVariablesAreSectionsToo) {
  TemplateContext ctx;
  ctx.set("UUID", "4c4c4544-0042-3510-8050-b4c04f4d3732");
  EXPECT_EQ(render("a{{#DISKS}}{{DISK_NAME}}{{/DISKS}}b{{#LAST_IP}}ip {{LAST_IP}}{{/LAST_IP}}"
                   "{{#UUID}} uuid {{UUID}}{{/UUID}}",
                   ctx),
            "ab uuid 4c4c4544-0042-3510-8050-b4c04f4d3732");
}

TEST(TemplateSet, BuiltInSpaceAndNewlineVariablesWork) {
  EXPECT_EQ(render("a{{BI_SPACE}}b{{BI_NEWLINE}}", TemplateContext{}), "a b\n");
}

TEST(TemplateSet, ModifiersEscape) {
  TemplateContext ctx;
  ctx.set("KEY", "ssh-ed25519 AAAA \"quoted\" back\\slash");
  EXPECT_EQ(render("\"{{KEY:j}}\"", ctx), "\"ssh-ed25519 AAAA \\x22quoted\\x22 back\\\\slash\"");
}

TEST(TemplateSet, AMissingVariableFailsWithItsNameAndLine) {
  TemplateContext ctx;
  ctx.set("HOSTNAME", "web1");
  auto set =
      one("kickstart", "# ks\nnetwork --hostname={{HOSTNAME}}\n\nnetwork --ip={{LAST_IP}}\n");
  auto out = render_machine_template(set, "kickstart", ctx);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message,
            "kickstart (kickstart.tmpl): line 4: no value for variable LAST_IP");
}

TEST(TemplateSet, EveryMissingVariableIsNamedAndAModifierDoesNotHideIt) {
  auto set = one("t", "{{A}}\n{{B:j}}\n{{A}}\n");
  auto out = render_machine_template(set, "t", TemplateContext{});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message,
            "t (t.tmpl): line 1: no value for variable A; line 2: no value for variable B");
}

TEST(TemplateSet, MissingVariablesInsideHiddenSectionsAreNotErrors) {
  auto out = render_machine_template(one("t", "x{{#DISKS}}{{DISK_MODEL}}{{/DISKS}}y"), "t",
                                     TemplateContext{});
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, "xy");
}

TEST(TemplateSet, AMissingVariableInsideAShownSectionIsAnError) {
  TemplateContext ctx;
  ctx.add_section("DISKS").set("DISK_NAME", "sda");
  auto out = render_machine_template(
      one("t", "{{#DISKS}}\n{{DISK_NAME}} {{DISK_MODEL}}\n{{/DISKS}}"), "t", ctx);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("line 2: no value for variable DISK_MODEL"), std::string::npos)
      << out.error().message;
}

TEST(TemplateSet, SyntaxErrorsFailAtLoadWithTheFileTheLineAndCtemplatesWords) {
  EXPECT_EQ(load_error("a\n{{#DISKS}}\nb\n{{/DISK}}\n"),
            "/etc/slipway/t.tmpl: line 4: Found end of different section than the one I am in; "
            "Found: DISK; In: DISKS");
  std::string unclosed = load_error("a\nb {{#DISKS}}\nc\n");
  EXPECT_EQ(unclosed.rfind("/etc/slipway/t.tmpl: line 2: ", 0), 0u) << unclosed;
  std::string marker = load_error("a\n\nhost {{HOSTNAME\n");
  EXPECT_EQ(marker.rfind("/etc/slipway/t.tmpl: line 3: ", 0), 0u) << marker;
  EXPECT_NE(marker.find("No ending '}}'"), std::string::npos) << marker;
  EXPECT_EQ(load_error("x\n{{>OTHER}}\n"),
            "/etc/slipway/t.tmpl: line 2: includes ({{>OTHER}}) are not supported: a template "
            "sees only its machine");
}

TEST(TemplateSet, NamesAreChecked) {
  TemplateSet set;
  EXPECT_FALSE(set.add("User_Data", "f", "x"));
  EXPECT_FALSE(set.add("", "f", "x"));
  EXPECT_TRUE(set.add("user-data", "f", "x"));
  EXPECT_TRUE(set.add("ipxe", "f", "#!ipxe\n"));
  EXPECT_EQ(set.names(), (std::vector<std::string>{"ipxe", "user-data"}));
}

TEST(TemplateSet, FilesAreReadAndAnUnreadableOneIsNamed) {
  testutil::TestDir dir;
  { std::ofstream(dir / "ks.tmpl") << "hostname {{HOSTNAME}}\n"; }
  TemplateSet set;
  ASSERT_TRUE(set.add_file("kickstart", dir / "ks.tmpl"));
  EXPECT_EQ(set.source("kickstart"), (dir / "ks.tmpl").string());
  auto missing = set.add_file("preseed", dir / "nope.tmpl");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            (dir / "nope.tmpl").string() + ": cannot read the template file");
}

TEST(TemplateSet, UnknownTemplatesAreRefused) {
  auto out = render_machine_template(TemplateSet{}, "kickstart", TemplateContext{});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message, "no template named 'kickstart'");
}

TEST(TemplateSet, TheBuiltInsAreKickstartPreseedAndACloudInitSeed) {
  EXPECT_EQ(builtin_templates().names(),
            (std::vector<std::string>{"kickstart", "meta-data", "preseed", "user-data"}));
  EXPECT_EQ(builtin_templates().source("user-data"), "built-in user-data");
}

}  // namespace
}  // namespace slipway::boot
