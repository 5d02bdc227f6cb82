// Agent report forgery: the agent routes over a Router with set_access(route_access_table()),
// real AgentSecrets and an AccessControl that takes agent secrets through agent_verifier() (as
// the appliance's does). A machine's own secret passes; another machine's is refused by the
// handler (403, naming the machine it was issued to); an expired, superseded, forged or missing
// one never reaches the handler (401).
#include "controlplane/agent_access.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "common/sqlite.h"
#include "controlplane/api_routes.h"
#include "controlplane/install_routes.h"
#include "controlplane/route_access.h"
#include "controlplane/snapshot_routes.h"
#include "dhcp/memory_lease_store.h"
#include "imaging/snapshot_library.h"
#include "inventory/sqlite_machine_store.h"
#include "tests/common/test_dir.h"

namespace slipway::controlplane {
namespace {

namespace bhttp = http::bhttp;
using nlohmann::json;

constexpr const char* kMacA = "52:54:00:a9:00:01";
constexpr const char* kMacB = "52:54:00:a9:00:02";
constexpr const char* kUuidA = "5a1e00a9-0000-4000-8000-000000000001";

// Agent routes: the secret through agent_verifier, 401 otherwise. Every other route: an admin.
class TestAccessControl final : public http::AccessControl {
 public:
  explicit TestAccessControl(AgentVerifier verify) : verify_(std::move(verify)) {}

  std::variant<http::Principal, http::StringResponse> authorize(const http::Request& req,
                                                                const boost::asio::ip::address&,
                                                                http::Access required,
                                                                std::string_view) override {
    if (required != http::Access::kAgent) {
      return http::Principal{"token:test(admin)", http::Access::kAdmin, std::nullopt};
    }
    std::string_view header = req[bhttp::field::authorization];
    if (!header.starts_with("Bearer ")) {
      return http::error_response(req, bhttp::status::unauthorized, "no agent secret");
    }
    auto principal = verify_(header.substr(7));
    if (!principal) {
      return http::error_response(req, bhttp::status::unauthorized, principal.error().message);
    }
    return std::move(*principal);
  }
  void completed(const http::RequestContext&, http::Access, std::string_view,
                 unsigned status) override {
    statuses.push_back(status);
  }

  std::vector<unsigned> statuses;

 private:
  AgentVerifier verify_;
};

struct Answer {
  unsigned status;
  json body;
};

class AgentAccessTest : public ::testing::Test {
 protected:
  AgentAccessTest()
      : db_(dir_ / "api.db"),
        machines_(db_, clock_),
        secrets_(db_, dir_ / "agent.key", clock_, 600),
        install_(
            machines_, profiles_,
            [](const std::string& name) -> std::optional<InstallImage> {
              return InstallImage{name, std::string(64, 'b'), "raw", 1000,
                                  "/images/sha256/" + std::string(64, 'b')};
            },
            nullptr, "http://198.18.0.1:8080", clock_, &secrets_),
        library_(db_, dir_.path(), clock_),
        snapshots_(machines_, library_, clock_),
        control_(agent_verifier(secrets_)) {
    router_.set_access(route_access_table(), control_);
    add_api_routes(router_, ApiServices{machines_, leases_, metrics_, enrollment_, profiles_,
                                        nullptr, &install_});
    add_install_routes(router_, install_);
    add_snapshot_routes(router_, snapshots_, library_);
    // Two ready machines, each with its own boot.
    for (const char* mac : {kMacA, kMacB}) {
      inventory::Contact c;
      c.mac = *MacAddress::parse(mac);
      if (std::string(mac) == kMacA) c.uuid = Uuid::parse(kUuidA);
      c.source = "dhcp";
      auto m = machines_.record_contact(c);
      EXPECT_TRUE(machines_.transition(m->name, inventory::MachineState::kInspecting, "", "t"));
      EXPECT_TRUE(machines_.finish_inspection(m->name, inventory::EnrollmentPolicy::kAuto, "t"));
    }
    secret_a_ = secrets_.issue(*MacAddress::parse(kMacA))->secret;
    secret_b_ = secrets_.issue(*MacAddress::parse(kMacB))->secret;
  }

  Answer call(bhttp::verb method, const std::string& target, const std::string& secret,
              const json& body = nullptr) {
    http::Request req(method, target, 11);
    if (!secret.empty()) req.set(bhttp::field::authorization, "Bearer " + secret);
    req.body() = body.is_null() ? "" : body.dump();
    req.prepare_payload();
    auto res = router_.dispatch(req, boost::asio::ip::make_address("198.18.0.9"));
    auto& s = std::get<http::StringResponse>(res);
    return {s.result_int(), json::parse(s.body(), nullptr, false)};
  }

  json report(const char* mac) {
    return {{"mac", mac}, {"event", "booted"}, {"kernel", "6.1.0-56-amd64"}};
  }
  // POST {"mac", "stage"} progress to `path` with `secret`: the status.
  unsigned progress(const std::string& path, const std::string& secret, const char* mac,
                    const char* stage) {
    json body = {{"mac", mac}, {"stage", stage}, {"bytes_done", 1}, {"bytes_total", 2}};
    return call(bhttp::verb::post, path, secret, body).status;
  }
  std::string state_of(const char* mac) {
    return std::string(inventory::to_string(machines_.find_by_mac(*MacAddress::parse(mac))->state));
  }

  testutil::TestDir dir_;
  ManualClock clock_;
  sqlite::Database db_;
  inventory::SqliteMachineStore machines_;
  boot::AgentSecrets secrets_;
  dhcp::MemoryLeaseStore leases_;
  Metrics metrics_;
  inventory::EnrollmentConfig enrollment_;
  std::vector<boot::Profile> profiles_;
  InstallService install_;
  imaging::SnapshotLibrary library_;
  SnapshotService snapshots_;
  TestAccessControl control_;
  http::Router router_;
  std::string secret_a_, secret_b_;
};

TEST_F(AgentAccessTest, AReportWithTheMachinesOwnSecretIsTaken) {
  auto r = call(bhttp::verb::post, "/api/v1/agent/report", secret_a_, report(kMacA));
  EXPECT_EQ(r.status, 200u) << r.body.dump();
}

TEST_F(AgentAccessTest, AReportWithAnotherMachinesSecretIsRefusedNamingTheOwner) {
  const uint64_t before = machines_.generation();
  auto r = call(bhttp::verb::post, "/api/v1/agent/report", secret_b_, report(kMacA));
  EXPECT_EQ(r.status, 403u);
  EXPECT_EQ(r.body["error"], std::string("this secret was issued to ") + kMacB);
  EXPECT_EQ(machines_.generation(), before) << "nothing recorded for the forged report";
  ASSERT_FALSE(control_.statuses.empty());
  EXPECT_EQ(control_.statuses.back(), 403u) << "the refusal reaches completed() for the audit";
}

TEST_F(AgentAccessTest, ExpiredSupersededForgedAndMissingSecretsNeverReachTheHandler) {
  std::string forged = secret_a_;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  for (const std::string& bad : {std::string(), forged, std::string("sa1_nonsense")}) {
    EXPECT_EQ(call(bhttp::verb::post, "/api/v1/agent/report", bad, report(kMacA)).status, 401u)
        << bad;
  }
  // Superseded: the machine netbooted again.
  const std::string old = secret_a_;
  secret_a_ = secrets_.issue(*MacAddress::parse(kMacA))->secret;
  EXPECT_EQ(call(bhttp::verb::post, "/api/v1/agent/report", old, report(kMacA)).status, 401u);
  EXPECT_EQ(call(bhttp::verb::post, "/api/v1/agent/report", secret_a_, report(kMacA)).status, 200u);
  // Replayed after it expired.
  clock_.advance(600);
  auto late = call(bhttp::verb::post, "/api/v1/agent/report", secret_a_, report(kMacA));
  EXPECT_EQ(late.status, 401u);
  EXPECT_NE(late.body["error"].get<std::string>().find("expired"), std::string::npos);
}

TEST_F(AgentAccessTest, InstallPlanProgressAndFirstBootSpeakOnlyForTheirOwnMachine) {
  boot::Profile p;
  p.name = "inst";
  p.installer = boot::InstallerBoot{"k", "i", "", {}};
  profiles_.push_back(p);
  auto name = machines_.find_by_mac(*MacAddress::parse(kMacA))->name;
  ASSERT_TRUE(install_.start(name, "inst", "t"));

  const std::string plan = std::string("/api/v1/agent/install?mac=") + kMacA;
  EXPECT_EQ(call(bhttp::verb::get, plan, secret_b_).status, 403u);
  EXPECT_EQ(call(bhttp::verb::get, plan, secret_a_).status, 409u) << "an installer: no plan";
  EXPECT_EQ(progress("/api/v1/agent/install/progress", secret_b_, kMacA, "written"), 403u);
  EXPECT_EQ(state_of(kMacA), "installing");
  EXPECT_EQ(progress("/api/v1/agent/install/progress", secret_a_, kMacA, "written"), 200u);
  // First boot, by MAC and by UUID.
  EXPECT_EQ(call(bhttp::verb::post, "/api/v1/agent/firstboot", secret_b_, {{"mac", kMacA}}).status,
            403u);
  EXPECT_EQ(
      call(bhttp::verb::post, "/api/v1/agent/firstboot", secret_b_, {{"uuid", kUuidA}}).status,
      403u);
  EXPECT_EQ(state_of(kMacA), "installing");
  EXPECT_EQ(
      call(bhttp::verb::post, "/api/v1/agent/firstboot", secret_a_, {{"uuid", kUuidA}}).status,
      200u);
  EXPECT_EQ(state_of(kMacA), "deployed");
}

// The installed system's first boot sends the secret of the boot that installed it: the plan's
// firstboot.env carries it, readable by root only.
TEST_F(AgentAccessTest, TheInstallPlanGivesTheInstalledSystemItsMachinesSecret) {
  boot::Profile p;
  p.name = "img";
  p.image = "debian-12";
  profiles_.push_back(p);
  auto name = machines_.find_by_mac(*MacAddress::parse(kMacA))->name;
  ASSERT_TRUE(install_.start(name, "img", "t"));
  auto plan = call(bhttp::verb::get, std::string("/api/v1/agent/install?mac=") + kMacA, secret_a_);
  ASSERT_EQ(plan.status, 200u) << plan.body.dump();
  bool found = false;
  for (const auto& f : plan.body["plan"]["files"]) {
    if (f["path"] != "/etc/slipway/firstboot.env") continue;
    found = true;
    const std::string content = f["content"];
    EXPECT_NE(content.find("SLIPWAY_AGENT_SECRET=" + secret_a_ + "\n"), std::string::npos)
        << content;
    EXPECT_EQ(content.find(secret_b_), std::string::npos);
    EXPECT_EQ(f["mode"], 0600);
  }
  EXPECT_TRUE(found);
}

TEST_F(AgentAccessTest, SnapshotsAreSentAndRestoredOnlyByTheirOwnMachine) {
  auto name_a = machines_.find_by_mac(*MacAddress::parse(kMacA))->name;
  ASSERT_TRUE(snapshots_.create("s1", name_a, "t"));
  const std::string capture = std::string("/api/v1/agent/capture?mac=") + kMacA;
  EXPECT_EQ(call(bhttp::verb::get, capture, secret_b_).status, 403u);
  auto own = call(bhttp::verb::get, capture, secret_a_);
  EXPECT_EQ(own.status, 200u) << own.body.dump();
  EXPECT_EQ(own.body["snapshot"], "s1");

  // B is not capturing s1: none of s1's routes take its secret, whatever MAC it names.
  const json missing = {{"sha256", json::array()}};
  EXPECT_EQ(
      call(bhttp::verb::post, "/api/v1/agent/snapshots/s1/missing", secret_b_, missing).status,
      403u);
  EXPECT_EQ(
      call(bhttp::verb::put, "/api/v1/agent/snapshots/s1/chunks/" + std::string(64, 'a'), secret_b_)
          .status,
      403u);
  EXPECT_EQ(progress("/api/v1/agent/snapshots/s1/progress", secret_b_, kMacB, "failed"), 403u);
  EXPECT_EQ(state_of(kMacA), "snapshotting");
  EXPECT_EQ(
      call(bhttp::verb::post, "/api/v1/agent/snapshots/s1/missing", secret_a_, missing).status,
      200u);
  // A's own capture, but a progress line in B's name.
  EXPECT_EQ(progress("/api/v1/agent/snapshots/s1/progress", secret_a_, kMacB, "failed"), 403u);
  EXPECT_EQ(progress("/api/v1/agent/snapshots/s1/progress", secret_a_, kMacA, "failed"), 200u);

  const std::string restore = std::string("/api/v1/agent/restore?mac=") + kMacA;
  EXPECT_EQ(call(bhttp::verb::get, restore, secret_b_).status, 403u);
  EXPECT_EQ(call(bhttp::verb::get, restore, secret_a_).status, 409u) << "no restore pending";
  EXPECT_EQ(progress("/api/v1/agent/restore/progress", secret_b_, kMacA, "failed"), 403u);
}

TEST_F(AgentAccessTest, TheVerifierNamesTheMachineAndNeverEchoesTheSecret) {
  auto verify = agent_verifier(secrets_);
  auto p = verify(secret_a_);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->who, std::string("agent:") + kMacA);
  EXPECT_EQ(p->role, http::Access::kAgent);
  EXPECT_EQ(p->machine, MacAddress::parse(kMacA));
  std::string forged = secret_a_;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  auto no = verify(forged);
  ASSERT_FALSE(no);
  EXPECT_EQ(no.error().message.find(forged), std::string::npos);
}

}  // namespace
}  // namespace slipway::controlplane
