#include "controlplane/install_service.h"

#include "common/log.h"
#include "inventory/machine_json.h"

namespace slipway::controlplane {

using inventory::Machine;
using inventory::Outcome;
using inventory::Refusal;
using nlohmann::json;

using inventory::conflict;
using inventory::invalid;

std::vector<InstallFile> base_install_files(const Machine& machine, const MacAddress& boot_mac,
                                            const std::string& public_url,
                                            const std::optional<std::string>& agent_secret) {
  std::string env = "# Written by the Slipway installer; read once by slipway-firstboot.\n";
  env += "SLIPWAY_CALLBACK_URL=" + public_url + "/api/v1/agent/firstboot\n";
  env += "SLIPWAY_MAC=" + boot_mac.to_string() + "\n";
  env += "SLIPWAY_UUID=" + (machine.uuid ? machine.uuid->to_string() : std::string()) + "\n";
  env += "SLIPWAY_MACHINE=" + machine.name + "\n";
  if (agent_secret) env += "SLIPWAY_AGENT_SECRET=" + *agent_secret + "\n";
  return {
      {"/etc/hostname", machine.name + "\n", 0644},
      {"/etc/hosts",
       "127.0.0.1\tlocalhost\n127.0.1.1\t" + machine.name +
           "\n::1\tlocalhost ip6-localhost ip6-loopback\n",
       0644},
      {"/etc/slipway/firstboot.env", env, 0600},
  };
}

ExtraFiles install_seed_files(const boot::MachineTemplates& templates,
                              const boot::InstallConfig& install) {
  return [&templates, &install](const Machine&, const MacAddress& mac,
                                const boot::Profile& p) -> Result<std::vector<InstallFile>> {
    std::vector<InstallFile> files;
    for (const char* name : {"user-data", "meta-data"}) {
      auto text = templates.render(mac, name);
      if (!text) return Error{"template " + std::string(name) + ": " + text.refusal().message};
      files.push_back({"/var/lib/cloud/seed/nocloud/" + std::string(name), *text, 0600});
    }
    std::string keys;
    for (const auto* list : {&install.ssh_authorized_keys, &p.ssh_authorized_keys}) {
      for (const auto& k : *list) keys += k + "\n";
    }
    if (!keys.empty()) files.push_back({"/root/.ssh/authorized_keys", keys, 0600});
    return files;
  };
}

InstallService::InstallService(inventory::MachineStore& machines,
                               const std::vector<boot::Profile>& profiles, ImageLookup images,
                               ExtraFiles extra_files, std::string public_url, const Clock& clock,
                               const boot::AgentSecrets* secrets)
    : machines_(machines),
      profiles_(profiles),
      images_(std::move(images)),
      extra_files_(std::move(extra_files)),
      public_url_(std::move(public_url)),
      clock_(clock),
      secrets_(secrets) {}

const boot::Profile* InstallService::find_profile(const std::string& name) const {
  for (const auto& p : profiles_) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

Outcome<Machine> InstallService::start(const std::string& key, const std::string& profile,
                                       const std::string& actor) {
  auto m = machines_.find(key);
  if (!m) return inventory::unknown_machine(key);
  std::string chosen = profile;
  if (chosen.empty()) {
    auto choice = boot::explain_profile(profiles_, *m, inventory::facts_object(machines_, *m));
    if (!choice.profile) {
      return invalid("no profile given and none chosen for machine " + m->name + ": " +
                     choice.summary + " (see `slipway profiles explain " + m->name + "`)");
    }
    chosen = *choice.profile;
  }
  const boot::Profile* p = find_profile(chosen);
  if (!p) {
    std::string known;
    for (const auto& q : profiles_) known += (known.empty() ? "" : ", ") + q.name;
    return Refusal{Refusal::Kind::kNotFound, "no profile '" + chosen + "' (profiles: " +
                                                 (known.empty() ? "none" : known) + ")"};
  }
  if (p->installer) {
    // The machine's next netboot starts the installer; its kickstart or preseed reports
    // "written" at the end, and the installed system's first boot calls back.
    auto started = machines_.start_install(m->name, p->name, actor);
    if (started) progress_.erase(started->id);
    return started;
  }
  auto image = images_(*p->image);
  if (!image) {
    return invalid("profile " + p->name + " installs image '" + *p->image +
                   "', which is not in the image library (`slipway images list`)");
  }
  if (image->format == "iso") {
    return invalid("image '" + image->name +
                   "' is an ISO; the agent deploys disk images (raw, raw.zst) and root-filesystem "
                   "tarballs (tar, tar.gz, tar.zst)");
  }
  auto started = machines_.start_install(m->name, p->name, actor);
  if (started) progress_.erase(started->id);
  return started;
}

Outcome<json> InstallService::plan_for(const MacAddress& mac) const {
  auto m = machines_.find_by_mac(mac);
  if (!m) return inventory::unknown_machine(mac.to_string());
  if (m->state != inventory::MachineState::kInstalling ||
      m->install_stage != inventory::InstallStage::kPending) {
    return conflict("machine " + m->name + " has no pending install (state " +
                    std::string(inventory::to_string(m->state)) + ")");
  }
  const boot::Profile* p = find_profile(m->profile);
  if (p && p->installer) {
    return conflict("machine " + m->name + " installs with the installer of profile " + p->name +
                    ": there is no agent plan (its netboot starts the installer)");
  }
  if (!p || !p->image) {
    return conflict("machine " + m->name + " installs profile '" + m->profile +
                    "', which is no longer an image profile in the configuration");
  }
  auto image = images_(*p->image);
  if (!image) {
    return conflict("image '" + *p->image + "' of profile " + p->name +
                    " is no longer in the image library");
  }
  // The secret of the boot asking for the plan: the installed system's first boot sends it.
  std::optional<std::string> secret;
  if (secrets_) {
    auto current = secrets_->current(mac);
    if (!current) return Refusal{Refusal::Kind::kStorage, current.error().message};
    if (*current) secret = (*current)->secret;
  }
  std::vector<InstallFile> files = base_install_files(*m, mac, public_url_, secret);
  if (extra_files_) {
    auto extra = extra_files_(*m, mac, *p);
    if (!extra) {
      return conflict("machine " + m->name + ", profile " + p->name + ": " + extra.error().message);
    }
    files.insert(files.end(), extra->begin(), extra->end());
  }
  json list = json::array();
  for (const auto& f : files) {
    list.push_back({{"path", f.path}, {"content", f.content}, {"mode", f.mode}});
  }
  json plan = {{"machine", m->name},
               {"profile", p->name},
               {"image",
                {{"name", image->name},
                 {"path", image->path},
                 {"sha256", image->sha256},
                 {"format", image->format},
                 {"size", image->size}}},
               {"files", list}};
  if (image->format.starts_with("tar")) {
    plan["tarball"] = {{"boot_img", std::string(kBootKitPath) + "boot.img"},
                       {"core_img", std::string(kBootKitPath) + "core.img"},
                       {"efi_loader", std::string(kBootKitPath) + "BOOTX64.EFI"},
                       {"kernel_args", p->kernel_args}};
  }
  return plan;
}

Outcome<Machine> InstallService::progress(const MacAddress& mac, const InstallProgress& report) {
  auto m = machines_.find_by_mac(mac);
  if (!m) return inventory::unknown_machine(mac.to_string());
  InstallProgress r = report;
  r.at = clock_.now();
  const bool first = !progress_.contains(m->id) || progress_[m->id].stage != r.stage;
  progress_[m->id] = r;
  json detail = {{"stage", r.stage},
                 {"bytes_done", r.bytes_done},
                 {"bytes_total", r.bytes_total},
                 {"message", r.message}};
  if (r.stage == "written") {
    log::get("install")->info("image written machine={} {}", m->name, r.message);
    return machines_.install_written(m->name, detail.dump(), "agent");
  }
  if (r.stage == "failed") {
    log::get("install")->warn("install failed machine={} reason=\"{}\"", m->name, r.message);
    return machines_.install_failed(m->name, r.message, "agent");
  }
  if (m->state != inventory::MachineState::kInstalling) {
    return conflict("machine " + m->name + " is not installing");
  }
  // Only the start of a stage goes to the event log; the rest stays in memory.
  if (first) {
    if (auto s = machines_.record_event(m->id, "install.progress", detail.dump()); !s) {
      return Refusal{Refusal::Kind::kStorage, s.error().message};
    }
  }
  log::get("install")->info("progress machine={} stage={} done={} total={}", m->name, r.stage,
                            r.bytes_done, r.bytes_total);
  return *m;
}

Outcome<Machine> InstallService::first_boot(const std::string& key, const json& detail) {
  auto done = machines_.finish_install(key, detail.dump(), "installed-os");
  if (done) progress_.erase(done->id);
  return done;
}

std::optional<InstallProgress> InstallService::progress_of(int64_t machine_id) const {
  auto it = progress_.find(machine_id);
  if (it == progress_.end()) return std::nullopt;
  return it->second;
}

}  // namespace slipway::controlplane
