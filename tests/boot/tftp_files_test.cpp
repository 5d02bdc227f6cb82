#include "boot/tftp_files.h"

#include <gtest/gtest.h>

#include <map>

#include "common/sqlite.h"
#include "inventory/sqlite_machine_store.h"
#include "tests/common/test_dir.h"

namespace slipway::boot {
namespace {

using Kind = GeneratedName::Kind;

MacAddress mac(const char* text) { return *MacAddress::parse(text); }
Ipv4 ip(const char* text) { return *Ipv4::parse(text); }

TEST(GeneratedName, RecognisesPxelinuxConfigsByMacInEitherCase) {
  auto expected = GeneratedName{Kind::kPxelinuxConfig, mac("52:54:00:ab:cd:ef")};
  EXPECT_EQ(parse_generated_name("pxelinux.cfg/01-52-54-00-ab-cd-ef"), expected);
  EXPECT_EQ(parse_generated_name("/pxelinux.cfg/01-52-54-00-ab-cd-ef"), expected);
  EXPECT_EQ(parse_generated_name("pxelinux.cfg/01-52-54-00-AB-CD-EF"), expected);
}

TEST(GeneratedName, RecognisesIpxeScripts) {
  auto own = GeneratedName{Kind::kIpxeScript, std::nullopt};
  EXPECT_EQ(parse_generated_name("slipway.ipxe"), own);
  EXPECT_EQ(parse_generated_name("/slipway.ipxe"), own);
  auto by_mac = GeneratedName{Kind::kIpxeScript, mac("52:54:00:ab:cd:ef")};
  EXPECT_EQ(parse_generated_name("slipway/52:54:00:ab:cd:ef.ipxe"), by_mac);
  EXPECT_EQ(parse_generated_name("/slipway/52-54-00-AB-CD-EF.ipxe"), by_mac);
  EXPECT_EQ(parse_generated_name("slipway/525400abcdef.ipxe"), by_mac);
}

TEST(GeneratedName, RefusesEverythingElse) {
  for (const char* name :
       {"undionly.kpxe", "ipxe.efi", "pxelinux.0", "", "/",
        // the other names PXELINUX tries: UUID, hex IP, default
        "pxelinux.cfg/5a1e0001-0000-4000-8000-000000000001", "pxelinux.cfg/C612000A",
        "pxelinux.cfg/default",
        // malformed MACs
        "pxelinux.cfg/01-52-54-00-ab-cd", "pxelinux.cfg/01-52-54-00-ab-cd-eg",
        "pxelinux.cfg/01-52:54:00:ab:cd:ef", "pxelinux.cfg/01-525400abcdef",
        "pxelinux.cfg/01-52-54-00-ab-cd-ef-00", "pxelinux.cfg/02-52-54-00-ab-cd-ef",
        "pxelinux.cfg/01-52-54-00-ab-cd-ef/x", "slipway/52:54:00:ab:cd.ipxe", "slipway/.ipxe",
        "slipway/52:54:00:ab:cd:zz.ipxe", "slipway/../52:54:00:ab:cd:ef.ipxe",
        "slipway/52:54:00:ab:cd:ef.ipxe.bak", "slipway/52:54:00:ab:cd:ef",
        // near misses
        "slipway.ipxe.bak", "x/slipway.ipxe", "//slipway.ipxe", "SLIPWAY.IPXE",
        "PXELINUX.CFG/01-52-54-00-ab-cd-ef"}) {
    EXPECT_EQ(parse_generated_name(name), std::nullopt) << name;
  }
}

class TftpFilesTest : public ::testing::Test {
 protected:
  TftpFilesTest()
      : db_(dir_ / "b.db"),
        machines_(db_, clock_),
        service_(config(), machines_, clock_),
        files_(service_, [this](Ipv4 address) -> std::optional<MacAddress> {
          ++lookups_;
          auto it = leases_.find(address);
          if (it == leases_.end()) return std::nullopt;
          return it->second;
        }) {}

  static BootConfig config() {
    BootConfig c;
    c.public_url = "http://198.18.0.1:8080";
    c.tftp_server = ip("198.18.0.1");
    return c;
  }
  std::optional<std::string> content(std::string_view path, const char* client) {
    auto result = files_.content_for(path, ip(client));
    EXPECT_TRUE(result) << path;
    return result ? *result : std::nullopt;
  }

  testutil::TestDir dir_;
  ManualClock clock_;
  sqlite::Database db_;
  inventory::SqliteMachineStore machines_;
  BootService service_;
  std::map<Ipv4, MacAddress> leases_;
  int lookups_ = 0;
  TftpFiles files_;
};

TEST_F(TftpFilesTest, OtherNamesFallThroughWithoutTouchingTheInventory) {
  EXPECT_EQ(content("undionly.kpxe", "198.18.0.100"), std::nullopt);
  EXPECT_EQ(content("pxelinux.cfg/01-52-54-00-00-00-zz", "198.18.0.100"), std::nullopt);
  EXPECT_EQ(content("pxelinux.cfg/default", "198.18.0.100"), std::nullopt);
  EXPECT_TRUE(machines_.list().empty());
  EXPECT_EQ(lookups_, 0);
}

TEST_F(TftpFilesTest, PxelinuxConfigIsThatMachinesAndRecordsIt) {
  auto a = content("pxelinux.cfg/01-52-54-00-00-00-0a", "198.18.0.100");
  auto b = content("/pxelinux.cfg/01-52-54-00-00-00-0B", "198.18.0.101");
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_NE(a->find("slipway.mac=52:54:00:00:00:0a"), std::string::npos) << *a;
  EXPECT_EQ(a->find("52:54:00:00:00:0b"), std::string::npos) << *a;
  EXPECT_NE(b->find("slipway.mac=52:54:00:00:00:0b"), std::string::npos) << *b;
  EXPECT_EQ(b->find("52:54:00:00:00:0a"), std::string::npos) << *b;
  EXPECT_NE(a->find("KERNEL runtime/vmlinuz"), std::string::npos) << *a;
  auto m = machines_.find_by_mac(mac("52:54:00:00:00:0a"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->interfaces[0].last_ip, ip("198.18.0.100"));
  EXPECT_EQ(lookups_, 0);  // the name alone says whose file it is
}

TEST_F(TftpFilesTest, IpxeScriptByMacIsTheHttpScript) {
  auto tftp = content("slipway/52:54:00:00:00:0a.ipxe", "198.18.0.100");
  ASSERT_TRUE(tftp);
  auto http = service_.script_for(mac("52:54:00:00:00:0a"), std::nullopt, ip("198.18.0.100"));
  ASSERT_TRUE(http);
  EXPECT_EQ(*tftp, *http);
}

TEST_F(TftpFilesTest, OwnIpxeScriptIsFoundByTheAskingAddressesLease) {
  leases_[ip("198.18.0.100")] = mac("52:54:00:00:00:0a");
  leases_[ip("198.18.0.101")] = mac("52:54:00:00:00:0b");
  auto a = content("slipway.ipxe", "198.18.0.100");
  auto b = content("/slipway.ipxe", "198.18.0.101");
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->find("slipway.mac=52:54:00:00:00:0a"), std::string::npos) << *a;
  EXPECT_EQ(a->find("52:54:00:00:00:0b"), std::string::npos) << *a;
  EXPECT_NE(b->find("slipway.mac=52:54:00:00:00:0b"), std::string::npos) << *b;
  EXPECT_EQ(b->find("52:54:00:00:00:0a"), std::string::npos) << *b;
}

TEST_F(TftpFilesTest, OwnIpxeScriptWithoutALeaseFallsThrough) {
  leases_[ip("198.18.0.100")] = mac("52:54:00:00:00:0a");
  EXPECT_EQ(content("slipway.ipxe", "198.18.0.102"), std::nullopt);
  EXPECT_EQ(lookups_, 1);
  EXPECT_TRUE(machines_.list().empty());
}

TEST_F(TftpFilesTest, TheNameWinsOverTheAskingAddressesLease) {
  // A machine that asks for another's file by name gets that file, never its own mixed in; and
  // its own script stays its own.
  leases_[ip("198.18.0.100")] = mac("52:54:00:00:00:0a");
  auto other = content("pxelinux.cfg/01-52-54-00-00-00-0b", "198.18.0.100");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->find("52:54:00:00:00:0a"), std::string::npos) << *other;
  auto own = content("slipway.ipxe", "198.18.0.100");
  ASSERT_TRUE(own);
  EXPECT_EQ(own->find("52:54:00:00:00:0b"), std::string::npos) << *own;
}

TEST(TftpFiles, WithoutALeaseLookupOwnScriptFallsThrough) {
  testutil::TestDir dir;
  ManualClock clock;
  sqlite::Database db(dir / "b.db");
  inventory::SqliteMachineStore machines(db, clock);
  BootService service(BootConfig{}, machines, clock);
  TftpFiles files(service, {});
  auto result = files.content_for("slipway.ipxe", ip("198.18.0.100"));
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, std::nullopt);
}

// An inventory whose writes fail (a full disk, a locked database).
class FailingMachineStore : public inventory::MachineStore {
 public:
  using Out = inventory::Outcome<inventory::Machine>;

  Result<inventory::Machine> record_contact(const inventory::Contact&) override {
    return Error{"database is locked"};
  }
  Result<inventory::Machine> record_agent_event(const inventory::Contact&,
                                                const std::string&) override {
    return Error{"database is locked"};
  }
  uint64_t generation() const override { return 0; }
  std::optional<inventory::Machine> find_by_mac(const MacAddress&) const override { return {}; }
  std::optional<inventory::Machine> find_by_uuid(const Uuid&) const override { return {}; }
  std::vector<inventory::Machine> list() const override { return {}; }
  std::optional<std::string> name_for(const MacAddress&,
                                      const std::optional<Uuid>&) const override {
    return {};
  }
  std::vector<inventory::Event> events(std::optional<int64_t>, size_t) const override { return {}; }
  std::optional<inventory::Machine> find(const std::string&) const override { return {}; }
  std::vector<inventory::Machine> list(const inventory::MachineFilter&) const override {
    return {};
  }
  Out transition(const std::string&, inventory::MachineState, const std::string&,
                 const std::string&) override {
    return locked();
  }
  Out finish_inspection(const std::string&, inventory::EnrollmentPolicy,
                        const std::string&) override {
    return locked();
  }
  Result<inventory::Machine> record_agent_report(const inventory::Contact&, const std::string&,
                                                 const inventory::Inspection&,
                                                 const inventory::EnrollmentConfig&) override {
    return Error{"database is locked"};
  }
  std::optional<std::string> facts_json(int64_t) const override { return {}; }
  Status record_event(std::optional<int64_t>, const std::string&, const std::string&) override {
    return Error{"database is locked"};
  }
  Out approve(const std::string&, const std::string&) override { return locked(); }
  Out rename(const std::string&, const std::string&, const std::string&) override {
    return locked();
  }
  Out label(const std::string&, const std::map<std::string, std::string>&,
            const std::vector<std::string>&, const std::string&) override {
    return locked();
  }
  Out forget(const std::string&, const std::string&) override { return locked(); }
  Out merge(const std::string&, const std::string&, const std::string&) override {
    return locked();
  }
  Out start_install(const std::string&, const std::string&, const std::string&) override {
    return locked();
  }
  Out install_written(const std::string&, const std::string&, const std::string&) override {
    return locked();
  }
  Out install_failed(const std::string&, const std::string&, const std::string&) override {
    return locked();
  }
  Out finish_install(const std::string&, const std::string&, const std::string&) override {
    return locked();
  }

 private:
  static inventory::Refusal locked() {
    return {inventory::Refusal::Kind::kStorage, "database is locked"};
  }
};

TEST(TftpFiles, AnInventoryErrorFailsTheRequestInsteadOfFallingThrough) {
  ManualClock clock;
  FailingMachineStore machines;
  BootService service(BootConfig{}, machines, clock);
  TftpFiles files(service,
                  [](Ipv4) { return std::optional<MacAddress>(mac("52:54:00:00:00:0a")); });
  for (const char* name : {"pxelinux.cfg/01-52-54-00-00-00-0a", "slipway.ipxe"}) {
    auto result = files.content_for(name, ip("198.18.0.100"));
    ASSERT_FALSE(result) << name;
    EXPECT_EQ(result.error().message, "database is locked");
  }
}

}  // namespace
}  // namespace slipway::boot
