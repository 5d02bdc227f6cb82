// render_builtin_templates OUTDIR: writes the built-in templates rendered for two sample machines
// (OUTDIR/full/NAME: inspected, labelled, with SSH keys; OUTDIR/minimal/NAME: seen once by DHCP)
// for validate_builtin_templates.sh to check with the real tools. Exit 1 on a rendering error.

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "boot/machine_template_context.h"
#include "boot/template_set.h"

namespace sb = slipway::boot;

namespace {

bool render_all(const std::filesystem::path& dir, const sb::TemplateContext& ctx) {
  std::filesystem::create_directories(dir);
  for (const auto& name : sb::builtin_templates().names()) {
    auto out = sb::render_machine_template(sb::builtin_templates(), name, ctx);
    if (!out) {
      std::cerr << out.error().message << "\n";
      return false;
    }
    std::ofstream(dir / name) << *out;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: render_builtin_templates OUTDIR\n";
    return 2;
  }
  std::filesystem::path out = argv[1];
  sb::BootConfig boot;
  boot.public_url = "http://198.18.0.1:8080";

  slipway::inventory::Machine full;
  full.name = "web1";
  full.uuid = slipway::Uuid::parse("5a1e0001-0000-4000-8000-0000000000c1");
  full.state = slipway::inventory::MachineState::kInstalling;
  full.labels = {{"role", "web"}};
  slipway::inventory::Interface boot_nic;
  boot_nic.mac = *slipway::MacAddress::parse("52:54:00:e5:00:01");
  boot_nic.last_ip = slipway::Ipv4::parse("198.18.0.100");
  full.interfaces = {boot_nic};
  nlohmann::json facts = nlohmann::json::parse(R"({
    "cpu": {"threads": 4}, "memory": {"total_bytes": 2147483648},
    "disks": [{"name": "vda", "size_bytes": 8589934592, "model": "QEMU HARDDISK"}],
    "nics": [{"name": "ens3", "mac": "52:54:00:e5:00:01"}]})");
  std::vector<std::string> keys = {
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHX2u4G0rsS2c6Z0bW5m9S0uyJ9XG0uyJ9XG0uyJ9XG0 "
      "admin@example.org",
      "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 ops key: #1 {a}"};
  sb::Profile profile;
  profile.name = "web";
  profile.image = "debian-12";
  // With an agent secret: the first-boot and progress calls carry its header.
  auto full_ctx = sb::machine_template_context(
      {full, boot_nic.mac, facts, &profile, keys, boot,
       "sa1_0123456789abcdef0123456789abcdef_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCd"});

  slipway::inventory::Machine minimal;
  minimal.name = "m-525400e50009";
  slipway::inventory::Interface nic;
  nic.mac = *slipway::MacAddress::parse("52:54:00:e5:00:09");
  minimal.interfaces = {nic};
  std::vector<std::string> no_keys;
  auto minimal_ctx =
      sb::machine_template_context({minimal, nic.mac, nullptr, nullptr, no_keys, boot});

  return render_all(out / "full", full_ctx) && render_all(out / "minimal", minimal_ctx) ? 0 : 1;
}
