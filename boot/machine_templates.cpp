#include "boot/machine_templates.h"

#include "boot/machine_template_context.h"
#include "boot/template_set.h"
#include "inventory/machine_json.h"

namespace slipway::boot {

using inventory::Refusal;

MachineTemplates::MachineTemplates(const BootConfig& boot, const std::vector<Profile>& profiles,
                                   const InstallConfig& install,
                                   const inventory::MachineStore& machines,
                                   const AgentSecrets* secrets)
    : boot_(boot), profiles_(profiles), install_(install), machines_(machines), secrets_(secrets) {
  for (const auto& p : profiles_) any_ipxe_ = any_ipxe_ || p.templates.contains("ipxe");
  // Parses the built-ins now, at start-up (parsing briefly captures std::cerr), not on the first
  // request.
  builtin_templates();
}

const Profile* MachineTemplates::profile_of(const inventory::Machine& m,
                                            const nlohmann::json& facts) const {
  if (profiles_.empty()) return nullptr;
  // An install names its profile, which may not be the one the selectors choose.
  if (m.state == inventory::MachineState::kInstalling && !m.profile.empty()) {
    for (const auto& p : profiles_) {
      if (p.name == m.profile) return &p;
    }
  }
  ProfileChoice choice = explain_profile(profiles_, m, facts);
  if (!choice.profile) return nullptr;
  for (const auto& p : profiles_) {
    if (p.name == *choice.profile) return &p;
  }
  return nullptr;
}

inventory::Outcome<std::string> MachineTemplates::render(const MacAddress& mac,
                                                         std::string_view name) const {
  auto machine = machines_.find_by_mac(mac);
  if (!machine) return Refusal{Refusal::Kind::kNotFound, "no machine has MAC " + mac.to_string()};
  nlohmann::json facts = inventory::facts_object(machines_, *machine);
  const Profile* profile = profile_of(*machine, facts);
  const TemplateSet* set = nullptr;
  if (profile && profile->templates.contains(name)) {
    set = &profile->templates;
  } else if (builtin_templates().contains(name)) {
    set = &builtin_templates();
  } else {
    return Refusal{Refusal::Kind::kNotFound,
                   "no template '" + std::string(name) + "' for machine " + machine->name +
                       (profile ? " (profile " + profile->name + ")" : " (no profile)")};
  }
  std::optional<std::string> secret;
  if (secrets_) {
    auto current = secrets_->current(mac);
    if (!current) return Refusal{Refusal::Kind::kStorage, current.error().message};
    if (*current) secret = (*current)->secret;
  }
  auto context = machine_template_context(
      {*machine, mac, facts, profile, install_.ssh_authorized_keys, boot_, secret});
  auto rendered = render_machine_template(*set, name, context);
  if (!rendered) {
    return Refusal{Refusal::Kind::kInvalid,
                   "machine " + machine->name + ": " + rendered.error().message};
  }
  return std::move(*rendered);
}

std::optional<Result<std::string>> MachineTemplates::ipxe_script(const ScriptTarget& target) const {
  if (!any_ipxe_) return std::nullopt;
  auto machine = machines_.find_by_mac(target.mac);
  if (!machine) return std::nullopt;
  nlohmann::json facts = inventory::facts_object(machines_, *machine);
  const Profile* profile = profile_of(*machine, facts);
  if (!profile || !profile->templates.contains("ipxe")) return std::nullopt;
  auto context =
      machine_template_context({*machine, target.mac, facts, profile, install_.ssh_authorized_keys,
                                boot_, target.agent_secret});
  auto rendered = render_machine_template(profile->templates, "ipxe", context);
  if (!rendered) return Error{"machine " + machine->name + ": " + rendered.error().message};
  return rendered;
}

std::optional<Result<InstallerTarget>> MachineTemplates::installer_for(
    const ScriptTarget& target) const {
  if (boot_choice(target.state, target.install_stage) != BootChoice::kInstall) return std::nullopt;
  auto machine = machines_.find_by_mac(target.mac);
  if (!machine) return std::nullopt;
  const Profile* profile = nullptr;
  for (const auto& p : profiles_) {
    if (p.name == machine->profile) profile = &p;
  }
  if (!profile || !profile->installer) return std::nullopt;
  const InstallerBoot& in = *profile->installer;
  auto url = [&](const std::string& path) {
    if (path.starts_with("http://") || path.starts_with("https://")) return path;
    return boot_.public_url + "/assets/" + path;
  };
  InstallerTarget out{profile->name, url(in.kernel), url(in.initrd), in.cmdline};
  if (in.cmdline_template.contains("cmdline")) {
    nlohmann::json facts = inventory::facts_object(machines_, *machine);
    auto context =
        machine_template_context({*machine, target.mac, facts, profile,
                                  install_.ssh_authorized_keys, boot_, target.agent_secret});
    auto rendered = render_machine_template(in.cmdline_template, "cmdline", context);
    if (!rendered) return Error{"machine " + machine->name + ": " + rendered.error().message};
    out.cmdline = std::move(*rendered);
    // A template file's trailing newline must not end the kernel line early.
    while (!out.cmdline.empty() && (out.cmdline.back() == '\n' || out.cmdline.back() == '\r')) {
      out.cmdline.pop_back();
    }
  }
  return out;
}

}  // namespace slipway::boot
