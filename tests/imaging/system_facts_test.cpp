#include "imaging/agent/system_facts.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace slipway::imaging::agent {
namespace {

namespace fs = std::filesystem;

// A fake root with the sysfs and procfs files the agent reads, removed at the end of the test.
class FakeRoot {
 public:
  FakeRoot() {
    std::string tmpl = (fs::temp_directory_path() / "slipway-facts-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root_ = tmpl;
  }
  ~FakeRoot() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  FakeRoot(const FakeRoot&) = delete;
  FakeRoot& operator=(const FakeRoot&) = delete;

  const fs::path& path() const { return root_; }

  void write(const std::string& relative, const std::string& content) {
    fs::path p = root_ / relative;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << content;
  }
  // An interface as the kernel shows it; `physical` adds the device link a NIC driver creates.
  void add_interface(const std::string& name, const std::string& mac, int ifindex, int type = 1,
                     bool physical = true) {
    const std::string dir = "sys/class/net/" + name + "/";
    write(dir + "address", mac + "\n");
    write(dir + "ifindex", std::to_string(ifindex) + "\n");
    write(dir + "type", std::to_string(type) + "\n");
    if (physical) fs::create_directories(root_ / dir / "device");
  }

 private:
  fs::path root_;
};

Ipv4Lookup addresses(std::map<std::string, std::string> table) {
  return [table](const std::string& name) -> std::optional<Ipv4> {
    auto it = table.find(name);
    if (it == table.end()) return std::nullopt;
    return Ipv4::parse(it->second);
  };
}

MacAddress mac(const char* text) { return *MacAddress::parse(text); }

TEST(ListInterfacesTest, SkipsLoopbackNonEthernetAndEmptyMacs) {
  FakeRoot root;
  root.add_interface("lo", "00:00:00:00:00:00", 1, 772, false);
  root.add_interface("ib0", "80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0a:bb:cc", 2, 32);
  root.add_interface("dummy0", "00:00:00:00:00:00", 3, 1, false);
  root.add_interface("eth0", "52:54:00:77:00:01", 4);
  root.write("sys/class/net/garbage/address", "not a mac\n");
  auto list = list_interfaces(root.path());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0], (NetInterface{"eth0", mac("52:54:00:77:00:01"), 4, true}));
}

TEST(ListInterfacesTest, PhysicalFirstThenKernelOrder) {
  FakeRoot root;
  root.add_interface("br0", "52:54:00:00:00:0b", 2, 1, false);
  root.add_interface("eth1", "52:54:00:00:00:02", 4);
  root.add_interface("eth0", "52:54:00:00:00:01", 3);
  root.add_interface("enp0s10", "52:54:00:00:00:03", 10);
  auto list = list_interfaces(root.path());
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[0].name, "eth0");
  EXPECT_EQ(list[1].name, "eth1");
  EXPECT_EQ(list[2].name, "enp0s10");
  EXPECT_EQ(list[3].name, "br0");
  EXPECT_FALSE(list[3].physical);
}

TEST(ListInterfacesTest, MissingTreeGivesNone) {
  FakeRoot root;
  EXPECT_TRUE(list_interfaces(root.path()).empty());
  EXPECT_TRUE(list_interfaces(root.path() / "does-not-exist").empty());
}

TEST(SmbiosUuidTest, ReadsTrimsAndRefusesPlaceholders) {
  FakeRoot root;
  EXPECT_FALSE(read_smbios_uuid(root.path()));
  root.write("sys/class/dmi/id/product_uuid", "5A1E0001-0000-4000-8000-000000000001\n");
  EXPECT_EQ(read_smbios_uuid(root.path()), Uuid::parse("5a1e0001-0000-4000-8000-000000000001"));
  root.write("sys/class/dmi/id/product_uuid", "00000000-0000-0000-0000-000000000000\n");
  EXPECT_FALSE(read_smbios_uuid(root.path()));
  root.write("sys/class/dmi/id/product_uuid", "03000200-0400-0500-0006-000700080009\n");
  EXPECT_FALSE(read_smbios_uuid(root.path()));
  root.write("sys/class/dmi/id/product_uuid", "Not Settable\n");
  EXPECT_FALSE(read_smbios_uuid(root.path()));
  root.write("sys/class/dmi/id/product_uuid", "");
  EXPECT_FALSE(read_smbios_uuid(root.path()));
}

TEST(KernelReleaseTest, ReadsOsrelease) {
  FakeRoot root;
  EXPECT_EQ(read_kernel_release(root.path()), "");
  root.write("proc/sys/kernel/osrelease", "6.1.0-56-amd64\n");
  EXPECT_EQ(read_kernel_release(root.path()), "6.1.0-56-amd64");
}

TEST(KernelReleaseTest, LiveRootIsNeverEmpty) { EXPECT_NE(read_kernel_release("/"), ""); }

TEST(CollectSystemFactsTest, UsesTheInterfaceWithTheBootMac) {
  FakeRoot root;
  root.add_interface("eth0", "52:54:00:00:00:01", 2);
  root.add_interface("eth1", "52:54:00:77:00:01", 3);
  root.write("sys/class/dmi/id/product_uuid", "5a1e0001-0000-4000-8000-000000000001\n");
  root.write("proc/sys/kernel/osrelease", "6.1.0-56-amd64\n");
  auto facts =
      collect_system_facts(root.path(), mac("52:54:00:77:00:01"),
                           addresses({{"eth0", "198.18.77.9"}, {"eth1", "198.18.77.100"}}));
  ASSERT_TRUE(facts.ok()) << facts.error().message;
  EXPECT_EQ(facts->mac, mac("52:54:00:77:00:01"));
  EXPECT_EQ(facts->interface, "eth1");
  EXPECT_EQ(facts->ip, Ipv4::parse("198.18.77.100"));
  EXPECT_EQ(facts->uuid, Uuid::parse("5a1e0001-0000-4000-8000-000000000001"));
  EXPECT_EQ(facts->kernel, "6.1.0-56-amd64");
  EXPECT_TRUE(facts->warnings.empty());

  AgentReport report = make_report(*facts, AgentEvent::kBooted);
  EXPECT_EQ(to_json(report),
            R"({"event":"booted","ip":"198.18.77.100","kernel":"6.1.0-56-amd64",)"
            R"("mac":"52:54:00:77:00:01","uuid":"5a1e0001-0000-4000-8000-000000000001"})");
}

TEST(CollectSystemFactsTest, BootMacWithoutInterfaceIsStillReported) {
  FakeRoot root;
  root.add_interface("eth0", "52:54:00:00:00:01", 2);
  auto facts = collect_system_facts(root.path(), mac("52:54:00:77:00:01"),
                                    addresses({{"eth0", "198.18.77.9"}}));
  ASSERT_TRUE(facts.ok());
  EXPECT_EQ(facts->mac, mac("52:54:00:77:00:01"));
  EXPECT_EQ(facts->interface, "");
  EXPECT_FALSE(facts->ip);
  EXPECT_FALSE(facts->uuid);
  ASSERT_EQ(facts->warnings.size(), 2u);
  EXPECT_EQ(facts->warnings[0], "no interface has the boot MAC 52:54:00:77:00:01");
}

TEST(CollectSystemFactsTest, WithoutBootMacTheFirstInterfaceStandsIn) {
  FakeRoot root;
  root.add_interface("eth1", "52:54:00:00:00:02", 3);
  root.add_interface("eth0", "52:54:00:00:00:01", 2);
  root.write("sys/class/dmi/id/product_uuid", "5a1e0001-0000-4000-8000-000000000001\n");
  auto facts = collect_system_facts(root.path(), std::nullopt, addresses({}));
  ASSERT_TRUE(facts.ok());
  EXPECT_EQ(facts->interface, "eth0");
  EXPECT_EQ(facts->mac, mac("52:54:00:00:00:01"));
  EXPECT_FALSE(facts->ip);
  EXPECT_EQ(facts->warnings.size(), 2u);  // no boot MAC, no address
}

TEST(CollectSystemFactsTest, NoMacAtAllIsAnError) {
  FakeRoot root;
  root.add_interface("lo", "00:00:00:00:00:00", 1, 772, false);
  auto facts = collect_system_facts(root.path(), std::nullopt, addresses({}));
  ASSERT_FALSE(facts.ok());
  EXPECT_NE(facts.error().message.find("no Ethernet interface"), std::string::npos);
}

TEST(MakeReportTest, CutsTheKernelReleaseToTheCodecLimit) {
  SystemFacts facts;
  facts.mac = mac("52:54:00:77:00:01");
  facts.kernel = std::string(200, 'k');
  AgentReport report = make_report(facts, AgentEvent::kBooted);
  EXPECT_EQ(report.kernel.size(), 128u);
  EXPECT_TRUE(parse_agent_report(to_json(report)).ok());
}

}  // namespace
}  // namespace slipway::imaging::agent
