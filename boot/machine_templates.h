#pragma once
// MachineTemplates: a machine's rendered templates, on request. It finds the machine by MAC,
// its profile (the one its install names while it is installing, else explain_profile over its
// labels and facts), the template (the profile's, else
// the built-in one of that name) and renders it with machine_template_context(). Nothing is
// cached: each request renders for the machine that asks.
//
// A machine with no single profile (none matches, or a tie) gets the built-in templates.
//
// Thread-safety: one thread (the io_context's), as the MachineStore it reads.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boot/agent_secrets.h"
#include "boot/boot_config.h"
#include "boot/ipxe_script.h"
#include "boot/profile.h"
#include "common/mac_address.h"
#include "common/result.h"
#include "inventory/machine_store.h"

namespace slipway::boot {

// slipway.yaml's `install` section: what every installed machine gets.
struct InstallConfig {
  std::vector<std::string> ssh_authorized_keys;
};

class MachineTemplates {
 public:
  // Everything must outlive this object. `secrets` null: templates get no AGENT_SECRET.
  MachineTemplates(const BootConfig& boot, const std::vector<Profile>& profiles,
                   const InstallConfig& install, const inventory::MachineStore& machines,
                   const AgentSecrets* secrets = nullptr);

  // Template `name` rendered for the machine with this MAC (its boot MAC), with its current
  // agent secret as AGENT_SECRET when it has one. Refusals: kNotFound for an unknown machine or
  // template (the message says which), kInvalid for a rendering error (render_machine_template's
  // message: the missing variable and its line).
  inventory::Outcome<std::string> render(const MacAddress& mac, std::string_view name) const;

  // Whether any profile has an `ipxe` template (when none has, the generated script is used
  // without looking anything up).
  bool any_ipxe_template() const { return any_ipxe_; }
  // The machine's profile's `ipxe` template rendered for it (with target.agent_secret); nullopt
  // when its profile has none (the generated script applies).
  std::optional<Result<std::string>> ipxe_script(const ScriptTarget& target) const;
  // For a machine installing (image not yet written) with an installer profile: that
  // installer's kernel and initrd URLs (asset paths under <public_url>/assets/, URLs as given)
  // and its command line rendered for the machine. nullopt for any other machine; an Error when
  // the command line does not render (a missing variable).
  std::optional<Result<InstallerTarget>> installer_for(const ScriptTarget& target) const;

 private:
  const Profile* profile_of(const inventory::Machine& m, const nlohmann::json& facts) const;

  const BootConfig& boot_;
  const std::vector<Profile>& profiles_;
  const InstallConfig& install_;
  const inventory::MachineStore& machines_;
  const AgentSecrets* secrets_;
  bool any_ipxe_ = false;
};

}  // namespace slipway::boot
