#include "boot/boot_service.h"

#include "boot/dhcp_plan.h"
#include "boot/ipxe_script.h"
#include "boot/pxelinux_config.h"
#include "common/log.h"

namespace slipway::boot {

BootService::BootService(BootConfig config, inventory::MachineStore& machines, const Clock& clock,
                         AgentSecrets* secrets)
    : config_(std::move(config)), machines_(machines), clock_(clock), secrets_(secrets) {}

std::optional<BootAnswer> BootService::on_dhcp(const NetbootClient& client) {
  inventory::Contact contact{client.mac,          client.uuid,  client.firmware, client.arch,
                             client.vendor_class, std::nullopt, "dhcp"};
  if (auto recorded = machines_.record_contact(contact); !recorded) {
    // Booting goes on: the inventory catches up at the next contact.
    log::get("boot")->error("cannot record contact mac={} error=\"{}\"", client.mac.to_string(),
                            recorded.error().message);
  }

  int64_t now = clock_.now();
  auto sent = loader_acked_at_.find(client.mac);
  bool recent = sent != loader_acked_at_.end() && now - sent->second <= kLoaderWindowSeconds;
  auto answer = plan_dhcp_boot(config_, client, recent);
  if (!answer) {
    log::get("boot")->info("no boot data mac={} arch_code={} vendor_class=\"{}\"",
                           client.mac.to_string(), client.arch_code.value_or(0xFFFF),
                           client.vendor_class);
    return answer;
  }
  // Remembered until the window ends, not until the script is handed out: iPXE may ask again
  // (a proxyDHCP client sends more than one boot-service request) and must get the same answer.
  bool is_script = answer->filename.find("/boot/ipxe?") != std::string::npos;
  if (client.committing && !is_script) loader_acked_at_[client.mac] = now;
  if (loader_acked_at_.size() > 10000) {
    std::erase_if(loader_acked_at_,
                  [now](const auto& e) { return now - e.second > kLoaderWindowSeconds; });
  }
  return answer;
}

Result<ScriptTarget> BootService::target_for(const MacAddress& mac, const std::optional<Uuid>& uuid,
                                             std::optional<Ipv4> client_ip, const char* source,
                                             const char* file) {
  inventory::Contact contact{mac, uuid, Firmware::kUnknown, Arch::kUnknown, "", client_ip, source};
  auto machine = machines_.record_contact(contact);
  if (!machine) return machine.error();
  log::get("boot")->info("{} machine={} mac={} state={}", file, machine->name, mac.to_string(),
                         inventory::to_string(machine->state));
  ScriptTarget target{machine->name, mac, machine->state, machine->install_stage, std::nullopt};
  if (secrets_ && boot_choice(target.state, target.install_stage) != BootChoice::kLocalDisk) {
    auto issued = secrets_->issue(mac);
    if (!issued) return issued.error();
    // The boot id, never the secret.
    log::get("boot")->info("agent boot issued machine={} mac={} boot_id={} expires_at={}",
                           machine->name, mac.to_string(), issued->boot.boot_id,
                           issued->boot.expires_at);
    target.agent_secret = std::move(issued->secret);
  }
  if (installer_lookup_) {
    if (auto installer = installer_lookup_(target)) {
      if (!*installer) return installer->error();
      target.installer = std::move(**installer);
    }
  }
  return target;
}

Result<std::string> BootService::script_for(const MacAddress& mac, const std::optional<Uuid>& uuid,
                                            std::optional<Ipv4> client_ip) {
  int64_t now = clock_.now();
  if (auto hit = scripts_.find(mac); hit != scripts_.end()) {
    const CachedScript& c = hit->second;
    if (c.uuid == uuid && c.client_ip == client_ip && c.generation == machines_.generation() &&
        c.secrets_issued == secrets_issued() && now - c.rendered_at < kScriptCacheSeconds &&
        now >= c.rendered_at) {
      return c.script;
    }
  }
  auto target = target_for(mac, uuid, client_ip, "ipxe", "ipxe script");
  if (!target) return target.error();
  Result<std::string> script = [&]() -> Result<std::string> {
    if (script_template_) {
      if (auto templated = script_template_(*target)) return std::move(*templated);
    }
    return render_ipxe_script(config_, *target);
  }();
  if (!script) {
    scripts_.erase(mac);
    return script;
  }
  if (scripts_.size() > 10000) {
    std::erase_if(scripts_, [now](const auto& e) {
      return now - e.second.rendered_at >= kScriptCacheSeconds;
    });
  }
  // Taken after the contact's own write, so that write does not end the entry.
  scripts_[mac] = {uuid, client_ip, machines_.generation(), secrets_issued(), now, *script};
  return script;
}

Result<std::string> BootService::pxelinux_config_for(const MacAddress& mac,
                                                     std::optional<Ipv4> client_ip) {
  auto target = target_for(mac, std::nullopt, client_ip, "pxelinux", "pxelinux config");
  if (!target) return target.error();
  return render_pxelinux_config(config_, *target);
}

}  // namespace slipway::boot
