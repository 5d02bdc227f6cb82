#include "boot/machine_template_context.h"

#include <filesystem>

#include "boot/ipxe_script.h"

namespace slipway::boot {

using nlohmann::json;

namespace {

// FACT_<PATH> for every string, number and boolean under `node`; lists by index.
void add_facts(TemplateContext& ctx, const json& node, const std::string& name) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      add_facts(ctx, value, name + "_" + variable_name_part(key));
    }
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i)
      add_facts(ctx, node[i], name + "_" + std::to_string(i));
  } else if (node.is_string()) {
    ctx.set(name, node.get<std::string>());
  } else if (node.is_boolean() || node.is_number()) {
    ctx.set(name, node.dump());
  }
}

const std::string* string_member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

// A section entry of list `name` for each item; HAS_<name> is shown once when there are any.
TemplateContext& add_entry(TemplateContext& ctx, const std::string& name) {
  if (!ctx.section("HAS_" + name)) ctx.add_section("HAS_" + name);
  return ctx.add_section(name);
}

void add_interfaces(TemplateContext& ctx, const MachineTemplateInputs& in) {
  // The NIC names the agent saw, by MAC ("eth0", "enp1s0").
  std::map<std::string, std::string> nic_names;
  if (auto nics = in.facts.find("nics"); in.facts.is_object() && nics != in.facts.end()) {
    for (const auto& nic : *nics) {
      const std::string* mac = string_member(nic, "mac");
      const std::string* name = string_member(nic, "name");
      if (!mac || !name) continue;
      if (auto parsed = MacAddress::parse(*mac)) nic_names[parsed->to_string()] = *name;
    }
  }
  const inventory::Interface* latest = nullptr;
  for (const auto& i : in.machine.interfaces) {
    std::string mac = i.mac.to_string();
    TemplateContext& entry = add_entry(ctx, "INTERFACES");
    entry.set("INTERFACE_MAC", mac);
    if (i.last_ip) entry.set("INTERFACE_IP", i.last_ip->to_string());
    if (auto it = nic_names.find(mac); it != nic_names.end())
      entry.set("INTERFACE_NAME", it->second);
    if (i.mac == in.boot_mac) {
      entry.add_section("INTERFACE_BOOT");
      if (i.last_ip) ctx.set("BOOT_IP", i.last_ip->to_string());
      if (auto it = nic_names.find(mac); it != nic_names.end())
        ctx.set("BOOT_INTERFACE", it->second);
    }
    if (i.last_ip && (!latest || i.last_seen > latest->last_seen)) latest = &i;
  }
  if (latest) ctx.set("LAST_IP", latest->last_ip->to_string());
}

void add_disks(TemplateContext& ctx, const json& facts) {
  auto disks = facts.is_object() ? facts.find("disks") : facts.end();
  if (!facts.is_object() || disks == facts.end() || !disks->is_array()) return;
  for (const auto& disk : *disks) {
    const std::string* name = string_member(disk, "name");
    if (!name) continue;
    if (!ctx.value("DISK")) ctx.set("DISK", *name);
    TemplateContext& entry = add_entry(ctx, "DISKS");
    entry.set("DISK_NAME", *name);
    uint64_t size = 0;
    if (auto s = disk.find("size_bytes"); s != disk.end() && s->is_number_unsigned()) {
      size = s->get<uint64_t>();
    }
    entry.set("DISK_SIZE_BYTES", std::to_string(size));
    if (const std::string* model = string_member(disk, "model")) entry.set("DISK_MODEL", *model);
    if (const std::string* serial = string_member(disk, "serial")) {
      entry.set("DISK_SERIAL", *serial);
    }
  }
}

void add_boot_choice(TemplateContext& ctx, const MachineTemplateInputs& in) {
  const BootConfig& b = in.boot;
  std::string assets = b.public_url + "/assets/";
  // Inspection, image installs, captures and restores all boot the runtime; the kernel
  // arguments tell its agent which of them to do.
  const BootChoice choice = boot_choice(in.machine.state, in.machine.install_stage);
  ctx.add_section(choice == BootChoice::kLocalDisk ? "LOCAL_DISK" : "RUNTIME");
  ctx.set("RUNTIME_KERNEL_URL", assets + b.runtime_kernel);
  ctx.set("RUNTIME_INITRD_URL", assets + b.runtime_initrd);
  ctx.set("RUNTIME_INITRD_NAME", std::filesystem::path(b.runtime_initrd).filename().string());
  ctx.set("RUNTIME_KERNEL_ARGS", runtime_kernel_args(b, in.boot_mac, choice, in.agent_secret));
}

}  // namespace

std::string firstboot_url(const BootConfig& config) {
  return config.public_url + "/api/v1/agent/firstboot";
}

std::string seed_url(const BootConfig& config, const MacAddress& mac) {
  return config.public_url + "/boot/templates/" + mac.to_string() + "/";
}

std::string image_url(const BootConfig& config, const std::string& image) {
  return config.public_url + "/images/" + image;
}

TemplateContext machine_template_context(const MachineTemplateInputs& in) {
  const inventory::Machine& m = in.machine;
  TemplateContext ctx;
  ctx.set("HOSTNAME", m.name);
  ctx.set("STATE", std::string(inventory::to_string(m.state)));
  ctx.set("FIRMWARE", std::string(to_string(m.firmware)));
  ctx.set("ARCH", std::string(to_string(m.arch)));
  if (m.uuid) ctx.set("UUID", m.uuid->to_string());
  ctx.set("BOOT_MAC", in.boot_mac.to_string());
  add_interfaces(ctx, in);
  add_disks(ctx, in.facts);
  for (const auto& [key, value] : m.labels) {
    TemplateContext& entry = add_entry(ctx, "LABELS");
    entry.set("LABEL_KEY", key);
    entry.set("LABEL_VALUE", value);
    ctx.set("LABEL_" + variable_name_part(key), value);
  }
  auto add_key = [&](const std::string& key) {
    add_entry(ctx, "SSH_AUTHORIZED_KEYS").set("SSH_KEY", key);
  };
  for (const auto& key : in.ssh_authorized_keys) add_key(key);
  if (in.profile) {
    for (const auto& key : in.profile->ssh_authorized_keys) add_key(key);
    ctx.set("PROFILE", in.profile->name);
    if (in.profile->image) {
      ctx.set("IMAGE", *in.profile->image);
      ctx.set("IMAGE_URL", image_url(in.boot, *in.profile->image));
    }
  }
  ctx.set("SERVER_URL", in.boot.public_url);
  ctx.set("ASSETS_URL", in.boot.public_url + "/assets");
  ctx.set("SEED_URL", seed_url(in.boot, in.boot_mac));
  ctx.set("FIRSTBOOT_URL", firstboot_url(in.boot));
  ctx.set("PROGRESS_URL", in.boot.public_url + "/api/v1/agent/install/progress");
  if (in.agent_secret) ctx.set("AGENT_SECRET", *in.agent_secret);
  add_boot_choice(ctx, in);
  if (in.facts.is_object()) add_facts(ctx, in.facts, "FACT");
  return ctx;
}

}  // namespace slipway::boot
