#include "controlplane/profile_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "controlplane/app_config.h"
#include "tests/common/test_dir.h"
#include "tests/controlplane/config_error.h"

namespace slipway::controlplane {
namespace {

using config::ConfigNode;

// `yaml` is the list; it goes under `profiles:` on line 1, so its own lines count from 2.
std::vector<boot::Profile> parse(const std::string& yaml,
                                 const std::filesystem::path& config_dir = {}) {
  return parse_profiles(
      ConfigNode::load_string("profiles:\n" + yaml, "profiles.yaml").child("profiles"), config_dir);
}

std::string error_of(const std::string& yaml) {
  return config_error([&] { parse(yaml); });
}

TEST(ProfileConfig, ImageAndInstallerProfilesWithSelectors) {
  auto profiles = parse(R"(- name: web
  description: Debian 12 for the web tier
  image: debian-12
  select:
    - priority: 10
      labels: {role: web}
      facts: {"cpu.threads": ">= 2", "dmi.vendor": "QEMU*"}
    - macs: [52:54:00:12:34:56]
      uuids: [4c4c4544-0042-3510-8050-b4c04f4d3732]
- name: rescue
  installer: {kernel: runtime/vmlinuz, initrd: runtime/initrd.gz, cmdline: "console=ttyS0"}
)");
  ASSERT_EQ(profiles.size(), 2u);
  EXPECT_EQ(profiles[0].image, "debian-12");
  ASSERT_EQ(profiles[0].selectors.size(), 2u);
  EXPECT_EQ(profiles[0].selectors[0].priority, 10);
  EXPECT_EQ(profiles[0].selectors[0].labels.at("role"), "web");
  ASSERT_EQ(profiles[0].selectors[0].facts.size(), 2u);
  EXPECT_EQ(profiles[0].selectors[0].facts[0].path, "cpu.threads");
  EXPECT_EQ(profiles[0].selectors[1].macs[0].to_string(), "52:54:00:12:34:56");
  EXPECT_EQ(profiles[0].selectors[1].priority, 0);
  ASSERT_TRUE(profiles[1].installer);
  EXPECT_EQ(profiles[1].installer->kernel, "runtime/vmlinuz");
  EXPECT_EQ(profiles[1].installer->cmdline, "console=ttyS0");
  EXPECT_TRUE(profiles[1].selectors.empty());
}

TEST(ProfileConfig, InvalidProfilesAndSelectorsThatCouldNeverMatchFailAtLoad) {
  struct Case {
    const char* yaml;
    const char* where;
    const char* why;
  };
  const Case cases[] = {
      {"- name: Web\n  image: x\n", "profiles.yaml:2", "a-z"},
      {"- name: web\n", "profiles.yaml:2", "missing 'image' or 'installer'"},
      {"- name: web\n  image: x\n  installer: {kernel: k, initrd: i}\n", "profiles.yaml:2",
       "not both"},
      {"- name: web\n  installer: {kernel: k}\n", "profiles.yaml:3", "initrd"},
      {"- name: web\n  image: x\n- name: web\n  image: y\n", "profiles.yaml:4", "defined twice"},
      {"- name: web\n  image: x\n  select:\n    - priority: 3\n", "profiles.yaml:5",
       "at least one condition"},
      {"- name: web\n  image: x\n  select:\n    - facts: {\"mem.total_bytes\": \">= 1GiB\"}\n",
       "profiles.yaml:5", "unknown fact 'mem'"},
      {"- name: web\n  image: x\n  select:\n    - facts: {\"cpu.threads\": \">= lots\"}\n",
       "profiles.yaml:5", "'>= 2'"},
      {"- name: web\n  image: x\n  select:\n    - macs: [52:54:00]\n", "profiles.yaml:5",
       "not a MAC"},
      {"- name: web\n  image: x\n  select:\n    - uuids: [00000000-0000-0000-0000-000000000000]\n",
       "profiles.yaml:5", "placeholder"},
      {"- name: web\n  image: x\n  select:\n    - lables: {a: b}\n", "profiles.yaml:5", "lables"},
  };
  for (const auto& c : cases) {
    std::string e = error_of(c.yaml);
    EXPECT_NE(e.find(c.where), std::string::npos) << c.yaml << " -> " << e;
    EXPECT_NE(e.find(c.why), std::string::npos) << c.yaml << " -> " << e;
  }
}

TEST(ProfileConfig, TemplatesAreLoadedRelativeToTheConfigFileAndKeysKept) {
  testutil::TestDir dir;
  std::filesystem::create_directory(dir / "templates");
  std::ofstream(dir / "templates" / "web.tmpl") << "#cloud-config\nhostname: {{HOSTNAME}}\n";
  std::ofstream(dir / "web.ipxe") << "#!ipxe\nexit\n";
  auto profiles = parse(
      "- name: web\n"
      "  image: debian-12\n"
      "  templates:\n"
      "    user-data: templates/web.tmpl\n"
      "    ipxe: " +
          (dir / "web.ipxe").string() +
          "\n"
          "  ssh_authorized_keys: [\"ssh-ed25519 AAAAC3Nza ops@example.org\"]\n",
      dir.path());
  ASSERT_EQ(profiles.size(), 1u);
  EXPECT_EQ(profiles[0].templates.names(), (std::vector<std::string>{"ipxe", "user-data"}));
  EXPECT_EQ(profiles[0].templates.source("user-data"), (dir / "templates/web.tmpl").string());
  EXPECT_EQ(profiles[0].ssh_authorized_keys,
            (std::vector<std::string>{"ssh-ed25519 AAAAC3Nza ops@example.org"}));
}

TEST(ProfileConfig, BadTemplatesFailAtLoadWithTheYamlPositionAndTheFile) {
  testutil::TestDir dir;
  std::ofstream(dir / "bad.tmpl") << "#cloud-config\n{{#DISKS}}\n- {{DISK_NAME}}\n{{/DISK}}\n";
  auto error = [&](const std::string& templates) {
    return config_error(
        [&] { parse("- name: web\n  image: x\n  templates:\n" + templates, dir.path()); });
  };
  std::string missing = error("    user-data: nope.tmpl\n");
  EXPECT_NE(missing.find("profiles.yaml:5"), std::string::npos) << missing;
  EXPECT_NE(missing.find((dir / "nope.tmpl").string() + ": cannot read the template file"),
            std::string::npos)
      << missing;
  std::string syntax = error("    user-data: bad.tmpl\n");
  EXPECT_NE(syntax.find("profiles.yaml:5"), std::string::npos) << syntax;
  EXPECT_NE(syntax.find((dir / "bad.tmpl").string() + ": line 4: Found end of different section"),
            std::string::npos)
      << syntax;
  std::string name = error("    User_Data: bad.tmpl\n");
  EXPECT_NE(name.find("profiles.yaml:5"), std::string::npos) << name;
  EXPECT_NE(name.find("a-z, 0-9 and '-'"), std::string::npos) << name;
  std::string keys = config_error(
      [&] { parse("- name: web\n  image: x\n  ssh_authorized_keys: [\"AAAAC3Nza\"]\n"); });
  EXPECT_NE(keys.find("profiles.yaml:4"), std::string::npos) << keys;
  EXPECT_NE(keys.find("not an SSH public key"), std::string::npos) << keys;
  std::string quoted = config_error(
      [&] { parse("- name: web\n  image: x\n  ssh_authorized_keys: [\"ssh-rsa AAAA 'me'\"]\n"); });
  EXPECT_NE(quoted.find("may not hold quotes"), std::string::npos) << quoted;
}

TEST(ProfileConfig, AnInstallerCommandLineIsATemplateCheckedAtLoad) {
  auto profiles = parse(
      "- name: deb\n  installer: {kernel: d/linux, initrd: d/initrd.gz, cmdline: "
      "\"auto url={{SEED_URL}}preseed\"}\n");
  ASSERT_TRUE(profiles[0].installer);
  EXPECT_TRUE(profiles[0].installer->cmdline_template.contains("cmdline"));
  std::string bad = config_error(
      [&] { parse("- name: deb\n  installer: {kernel: k, initrd: i, cmdline: \"{{#A}}x\"}\n"); });
  EXPECT_NE(bad.find("profiles.yaml:3:"), std::string::npos) << bad;
  EXPECT_NE(bad.find("profile deb installer.cmdline: line 1: File ended before all sections"),
            std::string::npos)
      << bad;
}

TEST(ProfileConfig, KernelArgumentsForTarballImages) {
  auto profiles = parse("- name: web\n  image: x\n  kernel_args: console=ttyS1 quiet\n");
  EXPECT_EQ(profiles[0].kernel_args, "console=ttyS1 quiet");
  EXPECT_EQ(parse("- name: web\n  image: x\n")[0].kernel_args,
            "console=tty0 console=ttyS0,115200n8")
      << "the default";
  std::string bad =
      config_error([&] { parse("- name: web\n  image: x\n  kernel_args: \"quiet; reboot\"\n"); });
  EXPECT_NE(bad.find("profiles.yaml:4:16"), std::string::npos) << bad;
  EXPECT_NE(bad.find("GRUB would read them"), std::string::npos) << bad;
  std::string installer = config_error(
      [&] { parse("- name: web\n  installer: {kernel: k, initrd: i}\n  kernel_args: quiet\n"); });
  EXPECT_NE(installer.find("installer.cmdline"), std::string::npos) << installer;
}

TEST(ProfileConfig, PartOfSlipwayYaml) {
  AppConfig c = parse_config(ConfigNode::load_string(R"(interface: br0
dhcp:
  subnet: 198.18.0.0/24
  range: 198.18.0.100-198.18.0.200
profiles:
  - name: web
    image: debian-12
install:
  ssh_authorized_keys: ["ssh-ed25519 AAAAC3Nza admin@example.org"]
)",
                                                     "slipway.yaml"),
                             fake_lookup);
  ASSERT_EQ(c.profiles.size(), 1u);
  EXPECT_EQ(c.profiles[0].name, "web");
  EXPECT_EQ(c.install.ssh_authorized_keys,
            (std::vector<std::string>{"ssh-ed25519 AAAAC3Nza admin@example.org"}));
}

}  // namespace
}  // namespace slipway::controlplane
