#pragma once
// BootService: the boot module's stateful side. It records every network-boot contact in the
// inventory (so a machine appears the first time its PXE ROM or iPXE speaks), answers the DHCP
// server's boot hook, and renders per-machine boot files (iPXE scripts, PXELINUX configs).
//
// With AgentSecrets, every boot file that starts the runtime or an installer is a new boot of
// that machine: a secret is issued (superseding its previous one) and carried on the kernel line
// (slipway.secret=) and to templates (AGENT_SECRET). Boot files of the local disk carry none and
// issue none, so the installed system keeps the secret of the boot that installed it.
//
// Thread-safety: one thread (the io_context's).

#include <functional>
#include <optional>
#include <unordered_map>

#include "boot/agent_secrets.h"
#include "boot/boot_config.h"
#include "boot/ipxe_script.h"
#include "common/clock.h"
#include "common/netboot.h"
#include "common/result.h"
#include "inventory/machine_store.h"

namespace slipway::boot {

class BootService {
 public:
  // Everything must outlive the service. `secrets` null: no agent secrets are issued.
  BootService(BootConfig config, inventory::MachineStore& machines, const Clock& clock,
              AgentSecrets* secrets = nullptr);

  // The DHCP server's boot hook.
  std::optional<BootAnswer> on_dhcp(const NetbootClient& client);

  // The iPXE script for the machine with this MAC. A MAC never seen before (iPXE reached the
  // script URL some other way) is recorded as a new contact first.
  //
  // Cached per (MAC, UUID, client address): a script asked for again within kScriptCacheSeconds
  // while the machine store's generation is unchanged is answered from memory, without the
  // contact's database write (its last-seen time is then up to that much old). Any change to
  // any machine record, any secret issued since (AgentSecrets::issued_count) or the time ends
  // the entry, so a state change is seen at once and a cached script carries its machine's
  // current secret.
  Result<std::string> script_for(const MacAddress& mac, const std::optional<Uuid>& uuid,
                                 std::optional<Ipv4> client_ip);
  // The PXELINUX configuration for the machine with this MAC: it boots what script_for's script
  // boots. Records the contact as script_for does.
  Result<std::string> pxelinux_config_for(const MacAddress& mac, std::optional<Ipv4> client_ip);

  const BootConfig& config() const { return config_; }

  // Replaces the generated iPXE script of the machines it answers for (a profile's `ipxe`
  // template, MachineTemplates::ipxe_script); nullopt keeps the generated one. Unset (the
  // default), script_for() renders the generated script without looking anything up.
  using ScriptTemplate = std::function<std::optional<Result<std::string>>(const ScriptTarget&)>;
  // Resolves an installing machine's installer profile (MachineTemplates::installer_for); the
  // iPXE script and PXELINUX config then boot that installer instead of the runtime.
  using InstallerLookup =
      std::function<std::optional<Result<InstallerTarget>>(const ScriptTarget&)>;
  void set_installer_lookup(InstallerLookup lookup) { installer_lookup_ = std::move(lookup); }
  void set_script_template(ScriptTemplate hook) { script_template_ = std::move(hook); }

  // How long after an ACK that carried a loader an iPXE from the same MAC is taken to be that
  // loader, even without our marker (UEFI HTTP Boot gives iPXE no cached DHCP reply to echo).
  static constexpr int64_t kLoaderWindowSeconds = 60;
  static constexpr int64_t kScriptCacheSeconds = 2;

 private:
  // Records the contact (`source` goes to the event log, `file` to the log line) and returns
  // what to render for the machine it belongs to, with a newly issued agent secret unless it
  // boots its local disk.
  Result<ScriptTarget> target_for(const MacAddress& mac, const std::optional<Uuid>& uuid,
                                  std::optional<Ipv4> client_ip, const char* source,
                                  const char* file);

  uint64_t secrets_issued() const { return secrets_ ? secrets_->issued_count() : 0; }

  BootConfig config_;
  inventory::MachineStore& machines_;
  const Clock& clock_;
  AgentSecrets* secrets_;
  std::unordered_map<MacAddress, int64_t> loader_acked_at_;
  struct CachedScript {
    std::optional<Uuid> uuid;
    std::optional<Ipv4> client_ip;
    uint64_t generation = 0;
    uint64_t secrets_issued = 0;
    int64_t rendered_at = 0;
    std::string script;
  };
  std::unordered_map<MacAddress, CachedScript> scripts_;
  ScriptTemplate script_template_;
  InstallerLookup installer_lookup_;
};

}  // namespace slipway::boot
