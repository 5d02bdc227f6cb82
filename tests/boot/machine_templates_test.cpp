// MachineTemplates and GET /boot/templates/...: a machine's templates rendered from the inventory.
#include "boot/machine_templates.h"

#include <gtest/gtest.h>

#include "boot/boot_service.h"
#include "boot/http_routes.h"
#include "boot/machine_template_context.h"
#include "common/sqlite.h"
#include "inventory/sqlite_machine_store.h"
#include "tests/common/test_dir.h"

namespace slipway::boot {
namespace {

constexpr const char* kBootMac = "52:54:00:e5:00:01";
constexpr const char* kSecondMac = "52:54:00:e5:00:02";
constexpr const char* kUuid = "5a1e0001-0000-4000-8000-0000000000c1";
constexpr const char* kFacts = R"({
  "firmware": "uefi",
  "dmi": {"vendor": "QEMU", "product": "Standard PC"},
  "cpu": {"threads": 4, "flags": ["sse2", "avx"]},
  "memory": {"total_bytes": 2147483648},
  "disks": [{"name": "vda", "size_bytes": 8589934592, "model": "QEMU HARDDISK", "rotational": true},
            {"name": "vdb", "size_bytes": 1073741824}],
  "nics": [{"name": "ens3", "mac": "52:54:00:e5:00:01"}, {"name": "ens4", "mac": "52:54:00:e5:00:02"}]
})";

constexpr size_t npos = std::string::npos;

MacAddress mac(const char* text) { return *MacAddress::parse(text); }

class MachineTemplatesTest : public ::testing::Test {
 protected:
  MachineTemplatesTest() : db_(dir_ / "t.db"), machines_(db_, clock_) {
    boot_.public_url = "http://198.18.0.1:8080";
    install_.ssh_authorized_keys = {"ssh-ed25519 AAAAC3Nza admin@example.org"};
  }

  // A machine that booted the runtime and was inspected: named web1, labelled role=web.
  inventory::Machine inspected() {
    inventory::Contact c;
    c.mac = mac(kBootMac);
    c.uuid = Uuid::parse(kUuid);
    c.ip = Ipv4::parse("198.18.0.100");
    c.firmware = Firmware::kUefi;
    c.source = "dhcp";
    EXPECT_TRUE(machines_.record_contact(c));
    EXPECT_TRUE(machines_.transition(kBootMac, inventory::MachineState::kInspecting, "", "test"));
    inventory::Inspection in;
    in.boot_mac = mac(kBootMac);
    in.facts_json = kFacts;
    in.nic_macs = {mac(kBootMac), mac(kSecondMac)};
    c.source = "agent";
    EXPECT_TRUE(machines_.record_agent_report(c, "booted", in, inventory::EnrollmentConfig{}));
    EXPECT_TRUE(machines_.rename(kBootMac, "web1", "test"));
    auto m = machines_.label(kBootMac, {{"role", "web"}, {"topology.io/zone", "z1"}}, {}, "test");
    EXPECT_TRUE(m);
    return *m;
  }

  // A machine seen once by DHCP: nothing but its MAC.
  inventory::Machine discovered(const char* m = "52:54:00:e5:00:09") {
    inventory::Contact c;
    c.mac = mac(m);
    c.source = "dhcp";
    return *machines_.record_contact(c);
  }

  Profile web_profile() {
    Profile p;
    p.name = "web";
    p.image = "debian-12";
    Selector s;
    s.labels = {{"role", "web"}};
    p.selectors = {s};
    p.ssh_authorized_keys = {"ssh-rsa AAAAB3Nza ops@example.org"};
    return p;
  }

  // MachineTemplates over the profile web (with template `name` from `text`, when given).
  MachineTemplates web_templates(const std::string& name = "", const std::string& source = "",
                                 const std::string& text = "") {
    profiles_ = {web_profile()};
    if (!name.empty()) {
      auto added = profiles_[0].templates.add(name, source, text);
      EXPECT_TRUE(added) << added.error().message;
    }
    return MachineTemplates(boot_, profiles_, install_, machines_);
  }

  testutil::TestDir dir_;
  std::vector<Profile> profiles_;
  ManualClock clock_;
  sqlite::Database db_;
  inventory::SqliteMachineStore machines_;
  BootConfig boot_;
  InstallConfig install_;
};

TEST_F(MachineTemplatesTest, TheContextHoldsTheMachineItsInterfacesDisksFactsLabelsAndUrls) {
  inventory::Machine m = inspected();
  Profile profile = web_profile();
  nlohmann::json facts = nlohmann::json::parse(kFacts);
  TemplateContext ctx = machine_template_context(
      {m, mac(kBootMac), facts, &profile, install_.ssh_authorized_keys, boot_});
  auto value = [&](const char* name) {
    const std::string* v = ctx.value(name);
    return v ? *v : std::string("<unset>");
  };
  EXPECT_EQ(value("HOSTNAME"), "web1");
  EXPECT_EQ(value("UUID"), kUuid);
  EXPECT_EQ(value("BOOT_MAC"), kBootMac);
  EXPECT_EQ(value("BOOT_IP"), "198.18.0.100");
  EXPECT_EQ(value("BOOT_INTERFACE"), "ens3");
  EXPECT_EQ(value("LAST_IP"), "198.18.0.100");
  EXPECT_EQ(value("STATE"), "ready");
  EXPECT_EQ(value("FIRMWARE"), "uefi");
  EXPECT_EQ(value("DISK"), "vda");
  EXPECT_EQ(value("PROFILE"), "web");
  EXPECT_EQ(value("IMAGE"), "debian-12");
  EXPECT_EQ(value("IMAGE_URL"), "http://198.18.0.1:8080/images/debian-12");
  EXPECT_EQ(value("SERVER_URL"), "http://198.18.0.1:8080");
  EXPECT_EQ(value("SEED_URL"), "http://198.18.0.1:8080/boot/templates/52:54:00:e5:00:01/");
  EXPECT_EQ(value("FIRSTBOOT_URL"), "http://198.18.0.1:8080/api/v1/agent/firstboot");
  EXPECT_EQ(value("FACT_CPU_THREADS"), "4");
  EXPECT_EQ(value("FACT_CPU_FLAGS_1"), "avx");
  EXPECT_EQ(value("FACT_DMI_VENDOR"), "QEMU");
  EXPECT_EQ(value("FACT_DISKS_0_ROTATIONAL"), "true");
  EXPECT_EQ(value("FACT_MEMORY_TOTAL_BYTES"), "2147483648");
  EXPECT_EQ(value("LABEL_ROLE"), "web");
  EXPECT_EQ(value("LABEL_TOPOLOGY_IO_ZONE"), "z1");

  auto set = [] {
    TemplateSet s;
    EXPECT_TRUE(s.add("t", "t",
                      "{{#INTERFACES}}{{INTERFACE_MAC}} {{#INTERFACE_IP}}{{INTERFACE_IP}}"
                      "{{/INTERFACE_IP}} {{INTERFACE_NAME}}{{#INTERFACE_BOOT}} boot"
                      "{{/INTERFACE_BOOT}}\n{{/INTERFACES}}"
                      "{{#DISKS}}{{DISK_NAME}} {{DISK_SIZE_BYTES}}{{#DISK_MODEL}} {{DISK_MODEL}}"
                      "{{/DISK_MODEL}}\n{{/DISKS}}"
                      "{{#LABELS}}{{LABEL_KEY}}={{LABEL_VALUE}}\n{{/LABELS}}"
                      "{{#HAS_SSH_AUTHORIZED_KEYS}}keys:\n{{/HAS_SSH_AUTHORIZED_KEYS}}"
                      "{{#SSH_AUTHORIZED_KEYS}}{{SSH_KEY}}\n{{/SSH_AUTHORIZED_KEYS}}"));
    return s;
  }();
  auto out = render_machine_template(set, "t", ctx);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out,
            "52:54:00:e5:00:01 198.18.0.100 ens3 boot\n"
            "52:54:00:e5:00:02  ens4\n"
            "vda 8589934592 QEMU HARDDISK\n"
            "vdb 1073741824\n"
            "role=web\n"
            "topology.io/zone=z1\n"
            "keys:\n"
            "ssh-ed25519 AAAAC3Nza admin@example.org\n"
            "ssh-rsa AAAAB3Nza ops@example.org\n");
}

TEST_F(MachineTemplatesTest, AMachineNeverInspectedHasNoDisksFactsOrUuid) {
  inventory::Machine m = discovered();
  std::vector<std::string> no_keys;
  TemplateContext ctx =
      machine_template_context({m, m.interfaces[0].mac, nullptr, nullptr, no_keys, boot_});
  for (const char* unset : {"UUID", "DISK", "BOOT_IP", "LAST_IP", "PROFILE", "IMAGE_URL"}) {
    EXPECT_EQ(ctx.value(unset), nullptr) << unset;
  }
  EXPECT_EQ(ctx.section("DISKS"), nullptr);
  EXPECT_EQ(ctx.section("HAS_SSH_AUTHORIZED_KEYS"), nullptr);
  for (const auto& [name, value] : ctx.values()) EXPECT_NE(name.rfind("FACT_", 0), 0u) << name;
}

TEST_F(MachineTemplatesTest, TheBuiltInsRenderForAMachineThatIsBarelyKnown) {
  discovered();
  std::vector<Profile> none;
  InstallConfig no_keys;
  MachineTemplates templates(boot_, none, no_keys, machines_);
  for (const char* name : {"kickstart", "preseed", "user-data", "meta-data"}) {
    auto out = templates.render(mac("52:54:00:e5:00:09"), name);
    ASSERT_TRUE(out) << name << ": " << out.refusal().message;
    EXPECT_NE(out->find("m-525400e50009"), std::string::npos) << *out;
  }
}

TEST_F(MachineTemplatesTest, TheProfilesTemplateWinsAndTheBuiltInsFillIn) {
  inspected();
  MachineTemplates templates = web_templates(
      "user-data", "web.tmpl", "#cloud-config\nhostname: {{HOSTNAME}}-{{LABEL_ROLE}}\n");
  auto own = templates.render(mac(kBootMac), "user-data");
  ASSERT_TRUE(own) << own.refusal().message;
  EXPECT_EQ(*own, "#cloud-config\nhostname: web1-web\n");
  auto builtin = templates.render(mac(kBootMac), "meta-data");
  ASSERT_TRUE(builtin) << builtin.refusal().message;
  EXPECT_EQ(*builtin, "instance-id: \"slipway-web1\"\nlocal-hostname: web1\n");
  // Any MAC of the machine finds it; the one asked with is the boot MAC.
  auto second = templates.render(mac(kSecondMac), "kickstart");
  ASSERT_TRUE(second);
  EXPECT_NE(second->find("--device=52:54:00:e5:00:02"), std::string::npos) << *second;
}

TEST_F(MachineTemplatesTest, UnknownMachinesAndTemplatesAreNotFoundAndMissingVariablesInvalid) {
  inspected();
  MachineTemplates templates = web_templates("user-data", "/etc/slipway/web.tmpl",
                                             "#cloud-config\n\nfqdn: {{HOSTNAME}}.{{DOMAIN}}\n");
  auto unknown_machine = templates.render(mac("52:54:00:99:99:99"), "user-data");
  ASSERT_FALSE(unknown_machine);
  EXPECT_EQ(unknown_machine.refusal().kind, inventory::Refusal::Kind::kNotFound);
  auto unknown_template = templates.render(mac(kBootMac), "autoyast");
  ASSERT_FALSE(unknown_template);
  EXPECT_EQ(unknown_template.refusal().kind, inventory::Refusal::Kind::kNotFound);
  EXPECT_EQ(unknown_template.refusal().message,
            "no template 'autoyast' for machine web1 (profile web)");
  auto missing = templates.render(mac(kBootMac), "user-data");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.refusal().kind, inventory::Refusal::Kind::kInvalid);
  EXPECT_EQ(missing.refusal().message,
            "machine web1: user-data (/etc/slipway/web.tmpl): line 3: no value for variable "
            "DOMAIN");
}

struct Answer {
  unsigned status;
  std::string body;
  std::string cache_control;
};

Answer get(http::Router& router, const std::string& target) {
  http::Request req(http::bhttp::verb::get, target, 11);
  auto res = router.dispatch(req, boost::asio::ip::make_address("198.18.0.9"));
  auto& r = std::get<http::StringResponse>(res);
  return {r.result_int(), r.body(), std::string(r[http::bhttp::field::cache_control])};
}

TEST_F(MachineTemplatesTest, TheHttpRouteServesEachMachineItsOwnRendering) {
  inspected();
  discovered();
  MachineTemplates templates = web_templates("broken", "b.tmpl", "x {{NOPE}}\n");
  Metrics metrics;
  http::Router router;
  add_template_routes(router, templates, metrics);

  Answer web = get(router, "/boot/templates/meta-data?mac=52:54:00:e5:00:01");
  EXPECT_EQ(web.status, 200u);
  EXPECT_EQ(web.body, "instance-id: \"slipway-web1\"\nlocal-hostname: web1\n");
  EXPECT_EQ(web.cache_control, "no-store");
  Answer other = get(router, "/boot/templates/52:54:00:e5:00:09/meta-data");
  EXPECT_EQ(other.status, 200u);
  EXPECT_EQ(other.body,
            "instance-id: \"slipway-m-525400e50009\"\nlocal-hostname: m-525400e50009\n");
  Answer seed = get(router, "/boot/templates/52-54-00-e5-00-01/user-data");
  EXPECT_EQ(seed.status, 200u);
  EXPECT_NE(seed.body.find("ssh-rsa AAAAB3Nza ops@example.org"), std::string::npos) << seed.body;

  EXPECT_EQ(get(router, "/boot/templates/meta-data?mac=52:54:00:99:99:99").status, 404u);
  EXPECT_EQ(get(router, "/boot/templates/autoyast?mac=52:54:00:e5:00:01").status, 404u);
  EXPECT_EQ(get(router, "/boot/templates/../x?mac=52:54:00:e5:00:01").status, 400u);
  EXPECT_EQ(get(router, "/boot/templates/meta-data").status, 400u);
  EXPECT_EQ(get(router, "/boot/templates/meta-data?mac=nope").status, 400u);
  Answer broken = get(router, "/boot/templates/broken?mac=52:54:00:e5:00:01");
  EXPECT_EQ(broken.status, 422u);
  EXPECT_NE(broken.body.find("line 1: no value for variable NOPE"), std::string::npos)
      << broken.body;
}

TEST_F(MachineTemplatesTest, AProfilesIpxeTemplateReplacesTheGeneratedScript) {
  inspected();
  discovered();
  MachineTemplates templates = web_templates(
      "ipxe", "web.ipxe",
      "#!ipxe\n{{#RUNTIME}}kernel {{RUNTIME_KERNEL_URL}} initrd={{RUNTIME_INITRD_NAME}} "
      "{{RUNTIME_KERNEL_ARGS}} hostname={{HOSTNAME}}\n{{/RUNTIME}}{{#LOCAL_DISK}}exit\n"
      "{{/LOCAL_DISK}}");
  ASSERT_TRUE(templates.any_ipxe_template());
  BootService service(boot_, machines_, clock_);
  service.set_script_template(
      [&templates](const ScriptTarget& target) { return templates.ipxe_script(target); });
  auto web = service.script_for(mac(kBootMac), std::nullopt, std::nullopt);
  ASSERT_TRUE(web) << web.error().message;
  EXPECT_EQ(*web,
            "#!ipxe\nkernel http://198.18.0.1:8080/assets/runtime/vmlinuz initrd=initrd.gz "
            "slipway.url=http://198.18.0.1:8080 slipway.mac=52:54:00:e5:00:01 console=ttyS0 "
            "hostname=web1\n");
  // A capture boots the runtime too, its agent told so.
  ASSERT_TRUE(machines_.transition("web1", inventory::MachineState::kSnapshotting, "", "test"));
  auto capture = service.script_for(mac(kBootMac), std::nullopt, std::nullopt);
  ASSERT_TRUE(capture) << capture.error().message;
  EXPECT_NE(capture->find("slipway.mac=52:54:00:e5:00:01 slipway.mode=capture console=ttyS0 "
                          "hostname=web1\n"),
            std::string::npos)
      << *capture;
  // A machine without that profile keeps the generated script.
  auto other = service.script_for(mac("52:54:00:e5:00:09"), std::nullopt, std::nullopt);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->rfind("#!ipxe\n# slipway: machine m-525400e50009", 0), 0u) << *other;
}

// An installer profile: while the machine installs (nothing written yet), its netboot starts
// that installer with the command line rendered for it; before and after, it does not.
TEST_F(MachineTemplatesTest, AnInstallingMachineBootsItsInstallerProfilesKernel) {
  inspected();
  Profile deb;
  deb.name = "debian-installer";
  deb.installer =
      InstallerBoot{"installers/deb/linux", "http://198.18.0.1:8080/x/initrd.gz?v=2", "", {}};
  ASSERT_TRUE(deb.installer->cmdline_template.add(
      "cmdline", "test", "auto url={{SEED_URL}}preseed hostname={{HOSTNAME}}\n"));
  profiles_ = {deb};
  MachineTemplates templates(boot_, profiles_, install_, machines_);
  BootService service(boot_, machines_, clock_);
  service.set_installer_lookup(
      [&templates](const ScriptTarget& target) { return templates.installer_for(target); });

  auto before = service.script_for(mac(kBootMac), std::nullopt, std::nullopt);
  ASSERT_TRUE(before);
  EXPECT_EQ(before->find("installer"), std::string::npos) << "ready: the runtime; " << *before;

  ASSERT_TRUE(machines_.start_install("web1", "debian-installer", "test"));
  auto script = service.script_for(mac(kBootMac), std::nullopt, std::nullopt);
  ASSERT_TRUE(script) << script.error().message;
  EXPECT_NE(script->find("boots the installer of profile debian-installer\n"
                         "kernel http://198.18.0.1:8080/assets/installers/deb/linux "
                         "initrd=initrd.gz auto "
                         "url=http://198.18.0.1:8080/boot/templates/52:54:00:e5:00:01/preseed "
                         "hostname=web1 || goto failed\n"
                         "initrd http://198.18.0.1:8080/x/initrd.gz?v=2 || goto failed\n"),
            std::string::npos)
      << *script;
  EXPECT_EQ(script->find("slipway.mode=install"), std::string::npos) << *script;
  auto pxe = service.pxelinux_config_for(mac(kBootMac), std::nullopt);
  ASSERT_TRUE(pxe);
  EXPECT_NE(pxe->find("  KERNEL http://198.18.0.1:8080/assets/installers/deb/linux\n"
                      "  APPEND initrd=http://198.18.0.1:8080/x/initrd.gz?v=2 auto url="),
            std::string::npos)
      << *pxe;

  // The installer reported "written": the disk from now on.
  ASSERT_TRUE(machines_.install_written("web1", "{}", "installer"));
  auto after = service.script_for(mac(kBootMac), std::nullopt, std::nullopt);
  ASSERT_TRUE(after);
  EXPECT_NE(after->find("booting from local disk"), std::string::npos) << *after;
}

TEST_F(MachineTemplatesTest, AnInstallerCommandLineThatDoesNotRenderFailsTheScript) {
  inspected();
  Profile deb;
  deb.name = "debian-installer";
  deb.installer = InstallerBoot{"linux", "initrd.gz", "", {}};
  ASSERT_TRUE(deb.installer->cmdline_template.add("cmdline", "test", "domain={{DOMAIN}}"));
  profiles_ = {deb};
  MachineTemplates templates(boot_, profiles_, install_, machines_);
  BootService service(boot_, machines_, clock_);
  service.set_installer_lookup(
      [&templates](const ScriptTarget& target) { return templates.installer_for(target); });
  ASSERT_TRUE(machines_.start_install("web1", "debian-installer", "test"));
  auto script = service.script_for(mac(kBootMac), std::nullopt, std::nullopt);
  ASSERT_FALSE(script);
  EXPECT_NE(script.error().message.find("no value for variable DOMAIN"), std::string::npos)
      << script.error().message;
}

// The built-ins' first-boot and progress calls carry the machine's current agent secret, and
// only its own; a machine without one renders without the header.
TEST_F(MachineTemplatesTest, TemplatesGetTheMachinesCurrentAgentSecret) {
  discovered();
  discovered("52:54:00:e5:00:0a");
  AgentSecrets secrets(db_, dir_ / "agent.key", clock_, 3600);
  std::vector<Profile> none;
  MachineTemplates templates(boot_, none, install_, machines_, &secrets);
  auto plain = templates.render(mac("52:54:00:e5:00:09"), "kickstart");
  ASSERT_TRUE(plain) << plain.refusal().message;
  EXPECT_EQ(plain->find("Authorization"), std::string::npos) << *plain;

  auto mine = secrets.issue(mac("52:54:00:e5:00:09"));
  auto other = secrets.issue(mac("52:54:00:e5:00:0a"));
  ASSERT_TRUE(mine && other);
  const std::string header = "-H \"Authorization: Bearer " + mine->secret + "\"";
  for (const char* name : {"kickstart", "preseed"}) {
    auto out = templates.render(mac("52:54:00:e5:00:09"), name);
    ASSERT_TRUE(out) << out.refusal().message;
    EXPECT_NE(out->find("ExecStart=/usr/bin/curl -fsS -X POST --retry 10 " + header), npos) << *out;
    EXPECT_NE(out->find("'Content-Type: application/json' " + header), npos) << *out;
    EXPECT_EQ(out->find(other->secret), npos);
  }
  auto user_data = templates.render(mac("52:54:00:e5:00:09"), "user-data");
  ASSERT_TRUE(user_data);
  EXPECT_NE(user_data->find("-H, \"Authorization: Bearer " + mine->secret + "\""), npos)
      << *user_data;

  // Expired: no longer given out.
  clock_.advance(3600);
  auto late = templates.render(mac("52:54:00:e5:00:09"), "kickstart");
  ASSERT_TRUE(late);
  EXPECT_EQ(late->find("Authorization"), std::string::npos);
}

}  // namespace
}  // namespace slipway::boot
