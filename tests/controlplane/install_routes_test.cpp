#include "controlplane/install_routes.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "common/sqlite.h"
#include "controlplane/api_routes.h"
#include "dhcp/memory_lease_store.h"
#include "inventory/sqlite_machine_store.h"
#include "tests/common/test_dir.h"
#include "tests/controlplane/api_call.h"

namespace slipway::controlplane {
namespace {

namespace bhttp = http::bhttp;
using nlohmann::json;

constexpr const char* kMac = "52:54:00:00:00:01";

class InstallRoutesTest : public ::testing::Test {
 protected:
  InstallRoutesTest()
      : db_(dir_ / "api.db"),
        machines_(db_, clock_),
        install_(
            machines_, profiles_,
            [this](const std::string& name) -> std::optional<InstallImage> {
              if (name != "debian-12") return std::nullopt;
              return InstallImage{name, std::string(64, 'b'), image_format_, 1000,
                                  "/images/sha256/" + std::string(64, 'b')};
            },
            nullptr, "http://198.18.0.1:8080", clock_) {
    boot::Profile image;
    image.name = "debian";
    image.image = "debian-12";
    boot::Selector any;
    any.labels = {{"role", "web"}};
    image.selectors = {any};
    boot::Profile missing;
    missing.name = "gone";
    missing.image = "no-such-image";
    boot::Profile installer;
    installer.name = "anaconda";
    installer.installer = boot::InstallerBoot{"k", "i", "", {}};
    profiles_ = {image, missing, installer};
    add_api_routes(router_, ApiServices{machines_, leases_, metrics_, enrollment_, profiles_,
                                        nullptr, &install_});
    add_install_routes(router_, install_);
  }

  ApiAnswer call(bhttp::verb method, const std::string& target, const json& body = nullptr) {
    return call_api(router_, method, target, body.is_null() ? "" : body.dump());
  }

  std::string ready_machine() {
    inventory::Contact c;
    c.mac = *MacAddress::parse(kMac);
    c.uuid = Uuid::parse("5a1e0001-0000-4000-8000-00000000000a");
    c.source = "dhcp";
    auto m = machines_.record_contact(c);
    EXPECT_TRUE(machines_.transition(m->name, inventory::MachineState::kInspecting, "", "t"));
    EXPECT_TRUE(machines_.finish_inspection(m->name, inventory::EnrollmentPolicy::kAuto, "t"));
    EXPECT_TRUE(machines_.rename(m->name, "web1", "t"));
    return "web1";
  }

  testutil::TestDir dir_;
  ManualClock clock_;
  sqlite::Database db_;
  inventory::SqliteMachineStore machines_;
  dhcp::MemoryLeaseStore leases_;
  Metrics metrics_;
  inventory::EnrollmentConfig enrollment_;
  std::vector<boot::Profile> profiles_;
  std::string image_format_ = "raw.zst";
  InstallService install_;
  http::Router router_;
};

TEST_F(InstallRoutesTest, AnInstallRunsFromStartToDeployed) {
  std::string name = ready_machine();
  auto started = call(bhttp::verb::post, "/api/v1/machines/web1/install", {{"profile", "debian"}});
  ASSERT_EQ(started.status, 200u) << started.body.dump();
  EXPECT_EQ(started.body["machine"]["state"], "installing");
  EXPECT_EQ(started.body["machine"]["install_stage"], "pending");
  EXPECT_EQ(started.body["machine"]["profile"], "debian");

  auto plan = call(bhttp::verb::get, std::string("/api/v1/agent/install?mac=") + kMac);
  ASSERT_EQ(plan.status, 200u) << plan.body.dump();
  const json& p = plan.body["plan"];
  EXPECT_EQ(p["machine"], "web1");
  EXPECT_EQ(p["image"]["format"], "raw.zst");
  EXPECT_EQ(p["image"]["path"], "/images/sha256/" + std::string(64, 'b'));
  std::map<std::string, std::string> files;
  for (const auto& f : p["files"]) files[f["path"]] = f["content"];
  EXPECT_EQ(files["/etc/hostname"], "web1\n");
  EXPECT_NE(files["/etc/hosts"].find("127.0.1.1\tweb1\n"), std::string::npos);
  EXPECT_NE(files["/etc/slipway/firstboot.env"].find(
                "SLIPWAY_CALLBACK_URL=http://198.18.0.1:8080/api/v1/agent/firstboot\n"),
            std::string::npos);
  EXPECT_NE(files["/etc/slipway/firstboot.env"].find(std::string("SLIPWAY_MAC=") + kMac),
            std::string::npos);

  auto writing = call(bhttp::verb::post, "/api/v1/agent/install/progress",
                      {{"mac", kMac},
                       {"stage", "writing"},
                       {"bytes_done", 500},
                       {"bytes_total", 1000},
                       {"message", "12 MB/s"}});
  ASSERT_EQ(writing.status, 200u) << writing.body.dump();
  auto shown = call(bhttp::verb::get, "/api/v1/machines/web1");
  EXPECT_EQ(shown.body["machine"]["install_progress"]["bytes_done"], 500);
  EXPECT_EQ(shown.body["machine"]["install_progress"]["stage"], "writing");

  auto written =
      call(bhttp::verb::post, "/api/v1/agent/install/progress",
           {{"mac", kMac}, {"stage", "written"}, {"bytes_done", 1000}, {"bytes_total", 1000}});
  ASSERT_EQ(written.status, 200u) << written.body.dump();
  EXPECT_EQ(written.body["machine"]["install_stage"], "written");
  // The plan is gone once the image is written: a second runtime boot would not rewrite it.
  EXPECT_EQ(call(bhttp::verb::get, std::string("/api/v1/agent/install?mac=") + kMac).status, 409u);

  auto first = call(bhttp::verb::post, "/api/v1/agent/firstboot",
                    {{"mac", "52-54-00-00-00-01"}, {"hostname", "web1"}, {"machine_id", "abc"}});
  ASSERT_EQ(first.status, 200u) << first.body.dump();
  EXPECT_EQ(first.body["machine"]["state"], "deployed");
  auto events = call(bhttp::verb::get, "/api/v1/machines/web1/events");
  bool saw_first_boot = false;
  for (const auto& e : events.body["events"]) {
    if (e["kind"] == "install.first_boot") {
      saw_first_boot = true;
      EXPECT_EQ(e["detail"]["hostname"], "web1");
      EXPECT_EQ(e["detail"]["source"], "198.18.0.9");
    }
  }
  EXPECT_TRUE(saw_first_boot) << events.body.dump();
}

// cloud-init's phone_home posts a form, with the MAC in the URL the user-data template gave it.
TEST_F(InstallRoutesTest, FirstBootTakesCloudInitsPhoneHomeForm) {
  ready_machine();
  ASSERT_EQ(
      call(bhttp::verb::post, "/api/v1/machines/web1/install", {{"profile", "debian"}}).status,
      200u);
  ASSERT_EQ(call(bhttp::verb::post, "/api/v1/agent/install/progress",
                 {{"mac", kMac}, {"stage", "written"}, {"bytes_done", 1000}, {"bytes_total", 1000}})
                .status,
            200u);
  auto form = [&](const std::string& target, const std::string& body) {
    http::Request req(bhttp::verb::post, target, 11);
    req.set(bhttp::field::content_type, "application/x-www-form-urlencoded");
    req.body() = body;
    req.prepare_payload();
    auto res = router_.dispatch(req, boost::asio::ip::make_address("198.18.0.9"));
    auto& r = std::get<http::StringResponse>(res);
    return ApiAnswer{r.result_int(), json::parse(r.body(), nullptr, false)};
  };
  EXPECT_EQ(form("/api/v1/agent/firstboot", "hostname=web1&bad=%zz").status, 400u);
  EXPECT_EQ(form("/api/v1/agent/firstboot", "hostname=web1").status, 400u) << "no mac, no uuid";
  auto home = form(std::string("/api/v1/agent/firstboot?mac=") + kMac,
                   "instance_id=iid-web1&hostname=web1&fqdn=web1.lab");
  ASSERT_EQ(home.status, 200u) << home.body.dump();
  EXPECT_EQ(home.body["machine"]["state"], "deployed");
  auto events = call(bhttp::verb::get, "/api/v1/machines/web1/events");
  bool saw = false;
  for (const auto& e : events.body["events"]) {
    if (e["kind"] != "install.first_boot") continue;
    saw = true;
    EXPECT_EQ(e["detail"]["instance_id"], "iid-web1");
    EXPECT_EQ(e["detail"]["fqdn"], "web1.lab");
    EXPECT_EQ(e["detail"]["mac"], kMac);
  }
  EXPECT_TRUE(saw) << events.body.dump();
}

TEST_F(InstallRoutesTest, WithoutAProfileTheSelectorsChoose) {
  ready_machine();
  auto none = call(bhttp::verb::post, "/api/v1/machines/web1/install", json::object());
  EXPECT_EQ(none.status, 400u);
  EXPECT_NE(none.body["error"].get<std::string>().find("profiles explain web1"), std::string::npos)
      << none.body.dump();
  ASSERT_TRUE(machines_.label("web1", {{"role", "web"}}, {}, "t"));
  auto chosen = call(bhttp::verb::post, "/api/v1/machines/web1/install", json::object());
  ASSERT_EQ(chosen.status, 200u) << chosen.body.dump();
  EXPECT_EQ(chosen.body["machine"]["profile"], "debian");
}

TEST_F(InstallRoutesTest, RefusalsNameWhatIsWrong) {
  ready_machine();
  struct Case {
    json profile;
    unsigned status;
    const char* says;
  };
  const Case cases[] = {
      {"nope", 404, "no profile 'nope' (profiles: debian, gone, anaconda)"},
      {"gone", 400, "'no-such-image', which is not in the image library"},
      {7, 400, "'profile' must be a string"},
  };
  for (const auto& c : cases) {
    auto r = call(bhttp::verb::post, "/api/v1/machines/web1/install", {{"profile", c.profile}});
    EXPECT_EQ(r.status, c.status) << r.body.dump();
    EXPECT_NE(r.body["error"].get<std::string>().find(c.says), std::string::npos) << r.body.dump();
  }
  image_format_ = "iso";
  auto iso = call(bhttp::verb::post, "/api/v1/machines/web1/install", {{"profile", "debian"}});
  EXPECT_EQ(iso.status, 400u);
  EXPECT_NE(iso.body["error"].get<std::string>().find("is an ISO"), std::string::npos);
  EXPECT_EQ(
      call(bhttp::verb::post, "/api/v1/machines/nobody/install", {{"profile", "debian"}}).status,
      404u);
  EXPECT_EQ(machines_.find("web1")->state, inventory::MachineState::kReady);

  // Agent and first-boot routes without an install.
  EXPECT_EQ(call(bhttp::verb::get, std::string("/api/v1/agent/install?mac=") + kMac).status, 409u);
  EXPECT_EQ(call(bhttp::verb::get, "/api/v1/agent/install?mac=zz").status, 400u);
  EXPECT_EQ(call(bhttp::verb::post, "/api/v1/agent/firstboot", {{"mac", kMac}}).status, 409u);
  EXPECT_EQ(call(bhttp::verb::post, "/api/v1/agent/firstboot", {{"hostname", "x"}}).status, 400u);
  EXPECT_EQ(call(bhttp::verb::post, "/api/v1/agent/install/progress",
                 {{"mac", kMac}, {"stage", "dancing"}})
                .status,
            400u);
  EXPECT_EQ(call(bhttp::verb::post, "/api/v1/agent/install/progress",
                 {{"mac", kMac}, {"stage", "writing"}, {"bytes_done", -1}})
                .status,
            400u);
}

// A root-filesystem tarball: the plan adds the boot kit and the profile's kernel arguments.
TEST_F(InstallRoutesTest, ATarballPlanCarriesTheBootKit) {
  ready_machine();
  image_format_ = "tar.zst";
  profiles_[0].kernel_args = "console=ttyS0,115200n8 quiet";
  ASSERT_EQ(
      call(bhttp::verb::post, "/api/v1/machines/web1/install", {{"profile", "debian"}}).status,
      200u);
  auto plan = call(bhttp::verb::get, std::string("/api/v1/agent/install?mac=") + kMac);
  ASSERT_EQ(plan.status, 200u) << plan.body.dump();
  const auto& p = plan.body["plan"];
  EXPECT_EQ(p["image"]["format"], "tar.zst");
  EXPECT_EQ(p["tarball"]["boot_img"], "/assets/bootkit/boot.img");
  EXPECT_EQ(p["tarball"]["core_img"], "/assets/bootkit/core.img");
  EXPECT_EQ(p["tarball"]["efi_loader"], "/assets/bootkit/BOOTX64.EFI");
  EXPECT_EQ(p["tarball"]["kernel_args"], "console=ttyS0,115200n8 quiet");
  image_format_ = "raw.zst";
  EXPECT_FALSE(call(bhttp::verb::get, std::string("/api/v1/agent/install?mac=") + kMac)
                   .body["plan"]
                   .contains("tarball"));
}

// An installer profile: no agent plan; the installer's own "written" report and the installed
// system's first boot take the machine to deployed.
TEST_F(InstallRoutesTest, AnInstallerProfileInstallsThroughItsInstaller) {
  ready_machine();
  auto started =
      call(bhttp::verb::post, "/api/v1/machines/web1/install", {{"profile", "anaconda"}});
  ASSERT_EQ(started.status, 200u) << started.body.dump();
  EXPECT_EQ(started.body["machine"]["state"], "installing");
  EXPECT_EQ(started.body["machine"]["profile"], "anaconda");
  auto plan = call(bhttp::verb::get, std::string("/api/v1/agent/install?mac=") + kMac);
  EXPECT_EQ(plan.status, 409u);
  EXPECT_NE(plan.body["error"].get<std::string>().find("no agent plan"), std::string::npos)
      << plan.body.dump();
  // What the built-in kickstart's %post and preseed's late_command send.
  auto written = call(bhttp::verb::post, "/api/v1/agent/install/progress",
                      {{"mac", kMac},
                       {"stage", "written"},
                       {"bytes_done", 0},
                       {"bytes_total", 0},
                       {"message", "kickstart %post"}});
  ASSERT_EQ(written.status, 200u) << written.body.dump();
  EXPECT_EQ(written.body["machine"]["install_stage"], "written");
  auto first = call(bhttp::verb::post, "/api/v1/agent/firstboot", {{"mac", kMac}});
  ASSERT_EQ(first.status, 200u) << first.body.dump();
  EXPECT_EQ(first.body["machine"]["state"], "deployed");
}

TEST_F(InstallRoutesTest, AFailedInstallLeavesTheMachineReady) {
  ready_machine();
  ASSERT_EQ(
      call(bhttp::verb::post, "/api/v1/machines/web1/install", {{"profile", "debian"}}).status,
      200u);
  auto failed = call(bhttp::verb::post, "/api/v1/agent/install/progress",
                     {{"mac", kMac}, {"stage", "failed"}, {"message", "sha256 mismatch"}});
  ASSERT_EQ(failed.status, 200u) << failed.body.dump();
  EXPECT_EQ(failed.body["machine"]["state"], "ready");
}

}  // namespace
}  // namespace slipway::controlplane
