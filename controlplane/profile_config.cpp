#include "controlplane/profile_config.h"

#include <array>
#include <set>

#include "controlplane/enrollment_config.h"
#include "inventory/machine.h"

namespace slipway::controlplane {

using config::ConfigNode;

namespace {

// The top-level keys of the agent's facts (imaging/README.md): a path elsewhere is a typo that
// would never match.
constexpr std::array<std::string_view, 7> kFactRoots = {"firmware", "dmi",  "cpu", "memory",
                                                        "disks",    "nics", "pci"};

boot::Selector parse_selector(const ConfigNode& node) {
  node.allow_keys({"priority", "labels", "facts", "macs", "uuids"});
  boot::Selector s;
  s.priority = static_cast<int>(node.int_or("priority", 0, -1000000, 1000000));
  if (auto labels = node.find("labels")) s.labels = parse_labels(*labels);
  if (auto facts = node.find("facts")) {
    if (!facts->is_map()) facts->fail("must be a map of fact paths to conditions");
    for (const auto& path : facts->keys()) {
      ConfigNode value = facts->child(path);
      std::string root = path.substr(0, path.find('.'));
      if (std::find(kFactRoots.begin(), kFactRoots.end(), root) == kFactRoots.end()) {
        value.fail("unknown fact '" + root +
                   "' (facts are firmware, dmi, cpu, memory, disks, nics, pci)");
      }
      auto condition = boot::parse_fact_condition(path, value.as_string());
      if (!condition) value.fail(condition.error().message);
      s.facts.push_back(*condition);
    }
  }
  if (auto macs = node.find("macs")) {
    for (const auto& item : macs->as_list()) {
      auto mac = MacAddress::parse(item.as_string());
      if (!mac) item.fail("not a MAC address");
      s.macs.push_back(*mac);
    }
  }
  if (auto uuids = node.find("uuids")) {
    for (const auto& item : uuids->as_list()) {
      auto uuid = Uuid::parse(item.as_string());
      if (!uuid) item.fail("not a UUID");
      if (!uuid->is_identity()) item.fail("a placeholder UUID identifies no machine");
      s.uuids.push_back(*uuid);
    }
  }
  if (s.empty()) {
    node.fail("a selector needs at least one condition (labels, facts, macs or uuids)");
  }
  return s;
}

// "<type> <base64> [comment]", one line: what sshd's authorized_keys takes without options,
// with nothing a shell or a quoted string would interpret.
std::vector<std::string> parse_ssh_keys(const ConfigNode& list) {
  std::vector<std::string> keys;
  for (const auto& item : list.as_list()) {
    std::string key = item.as_string();
    if (key.find_first_of("\r\n") != std::string::npos) item.fail("an SSH key is one line");
    // Templates put keys inside quotes (the built-in kickstart and preseed do).
    if (key.find_first_of("\"'\\`$") != std::string::npos) {
      item.fail("an SSH key may not hold quotes, backslashes, '`' or '$'");
    }
    size_t space = key.find(' ');
    if (space == 0 || space == std::string::npos || key.size() == space + 1 ||
        key.find(' ', space + 1) == space + 1) {
      item.fail("not an SSH public key (\"<type> <base64> [comment]\")");
    }
    keys.push_back(std::move(key));
  }
  return keys;
}

boot::TemplateSet parse_templates(const ConfigNode& node, const std::filesystem::path& config_dir) {
  if (!node.is_map()) node.fail("must be a map of template names to files");
  boot::TemplateSet set;
  for (const auto& name : node.keys()) {
    ConfigNode value = node.child(name);
    if (auto why = boot::invalid_template_name(name)) value.fail(*why);
    std::filesystem::path file = value.as_string();
    if (file.empty()) value.fail("must name a template file");
    if (file.is_relative()) file = config_dir / file;
    if (auto added = set.add_file(name, file); !added) value.fail(added.error().message);
  }
  return set;
}

boot::Profile parse_profile(const ConfigNode& node, const std::filesystem::path& config_dir) {
  node.allow_keys({"name", "description", "image", "installer", "select", "templates",
                   "ssh_authorized_keys", "kernel_args"});
  boot::Profile p;
  ConfigNode name = node.child("name");
  p.name = name.as_string();
  if (auto why = inventory::invalid_machine_name(p.name)) name.fail(*why);
  p.description = node.string_or("description", "");
  auto image = node.find("image");
  auto installer = node.find("installer");
  if (image && installer) node.fail("give 'image' or 'installer', not both");
  if (!image && !installer) node.fail("missing 'image' or 'installer': what the profile installs");
  if (image) {
    p.image = image->as_string();
    if (p.image->empty()) image->fail("must name an image");
    if (auto args = node.find("kernel_args")) {
      p.kernel_args = args->as_string();
      if (p.kernel_args.find_first_of("\n\r\"'$;{}") != std::string::npos) {
        args->fail("must not hold quotes, '$', ';', braces or line breaks (GRUB would read them)");
      }
    }
  } else {
    if (node.find("kernel_args"))
      node.child("kernel_args").fail("installer profiles give 'installer.cmdline'");
    installer->allow_keys({"kernel", "initrd", "cmdline"});
    p.installer = boot::InstallerBoot{installer->child("kernel").as_string(),
                                      installer->child("initrd").as_string(),
                                      installer->string_or("cmdline", ""),
                                      {}};
    if (auto added = p.installer->cmdline_template.add(
            "cmdline", "profile " + p.name + " installer.cmdline", p.installer->cmdline);
        !added) {
      installer->child("cmdline").fail(added.error().message);
    }
  }
  if (auto select = node.find("select")) {
    for (const auto& item : select->as_list()) p.selectors.push_back(parse_selector(item));
  }
  if (auto templates = node.find("templates"))
    p.templates = parse_templates(*templates, config_dir);
  if (auto keys = node.find("ssh_authorized_keys")) p.ssh_authorized_keys = parse_ssh_keys(*keys);
  return p;
}

}  // namespace

std::vector<boot::Profile> parse_profiles(const ConfigNode& list,
                                          const std::filesystem::path& config_dir) {
  std::vector<boot::Profile> profiles;
  std::set<std::string> names;
  for (const auto& item : list.as_list()) {
    boot::Profile p = parse_profile(item, config_dir);
    if (!names.insert(p.name).second) {
      item.child("name").fail("profile '" + p.name + "' is defined twice");
    }
    profiles.push_back(std::move(p));
  }
  return profiles;
}

boot::InstallConfig parse_install_config(const ConfigNode& node) {
  node.allow_keys({"ssh_authorized_keys"});
  boot::InstallConfig c;
  if (auto keys = node.find("ssh_authorized_keys")) c.ssh_authorized_keys = parse_ssh_keys(*keys);
  return c;
}

}  // namespace slipway::controlplane
