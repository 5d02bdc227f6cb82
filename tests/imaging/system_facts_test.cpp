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
    std::ofstream(p, std::ios::binary) << content;
  }
  // A sysfs link such as device/driver; its target need not exist.
  void link(const std::string& relative, const std::string& target) {
    fs::path p = root_ / relative;
    fs::create_directories(p.parent_path());
    fs::create_directory_symlink(target, p);
  }
  void mkdir(const std::string& relative) { fs::create_directories(root_ / relative); }
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

  EXPECT_EQ(facts->hardware.nics.size(), 2u);

  AgentReport report = make_report(*facts, AgentEvent::kBooted);
  ASSERT_TRUE(report.facts);
  EXPECT_EQ(*report.facts, facts->hardware);
  report.facts.reset();
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

TEST(DmiTest, ReadsTrimsAndSanitises) {
  FakeRoot root;
  EXPECT_EQ(read_dmi(root.path()), DmiFacts{});
  root.write("sys/class/dmi/id/sys_vendor", "QEMU\n");
  root.write("sys/class/dmi/id/product_name", "  Standard PC (i440FX + PIIX, 1996)  \n");
  root.write("sys/class/dmi/id/product_serial", "SN\x01\xff\n");
  root.write("sys/class/dmi/id/product_uuid", "00000000-0000-0000-0000-000000000000\n");
  root.write("sys/class/dmi/id/bios_version", "rel-1.16.2-0-gea1b7a073390-prebuilt.qemu.org\n");
  root.write("sys/class/dmi/id/bios_date", std::string(300, 'd'));
  DmiFacts d = read_dmi(root.path());
  EXPECT_EQ(d.vendor, "QEMU");
  EXPECT_EQ(d.product, "Standard PC (i440FX + PIIX, 1996)");
  EXPECT_EQ(d.serial, "SN??");
  EXPECT_EQ(d.uuid, "00000000-0000-0000-0000-000000000000");  // shown, never an identity
  EXPECT_EQ(d.bios_version, "rel-1.16.2-0-gea1b7a073390-prebuilt.qemu.org");
  EXPECT_EQ(d.bios_date, std::string(kMaxFactChars, 'd'));
}

// Two processors of an x86 /proc/cpuinfo: one socket, one core, two threads.
constexpr const char* kCpuinfo =
    "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU E5-2680\n"
    "physical id\t: 0\ncore id\t\t: 0\ncpu cores\t: 1\n"
    "flags\t\t: fpu vme  de pse\tsse2\n\n"
    "processor\t: 1\nmodel name\t: Intel(R) Xeon(R) CPU E5-2680\nphysical id\t: 0\n"
    "core id\t\t: 0\nflags\t\t: fpu\n\n";

TEST(CpuTest, CountsFromCpuinfo) {
  FakeRoot root;
  EXPECT_EQ(read_cpu(root.path()), CpuFacts{});
  root.write("proc/cpuinfo", kCpuinfo);
  CpuFacts c = read_cpu(root.path());
  EXPECT_EQ(c.model, "Intel(R) Xeon(R) CPU E5-2680");
  EXPECT_EQ(c.sockets, 1u);
  EXPECT_EQ(c.cores, 1u);
  EXPECT_EQ(c.threads, 2u);
  EXPECT_EQ(c.flags, (std::vector<std::string>{"fpu", "vme", "de", "pse", "sse2"}));
}

TEST(CpuTest, SysfsTopologyWins) {
  FakeRoot root;
  root.write("proc/cpuinfo", kCpuinfo);
  // Two sockets of two cores, one thread each; cpu4 is offline (no topology), cpufreq is no CPU.
  const char* ids[][2] = {{"0", "0"}, {"0", "1"}, {"1", "0"}, {"1", "1"}};
  for (int i = 0; i < 4; ++i) {
    const std::string dir = "sys/devices/system/cpu/cpu" + std::to_string(i) + "/topology/";
    root.write(dir + "physical_package_id", std::string(ids[i][0]) + "\n");
    root.write(dir + "core_id", std::string(ids[i][1]) + "\n");
  }
  root.mkdir("sys/devices/system/cpu/cpu4");
  root.write("sys/devices/system/cpu/cpufreq/topology/core_id", "9\n");
  root.write("sys/devices/system/cpu/cpufreq/topology/physical_package_id", "9\n");
  CpuFacts c = read_cpu(root.path());
  EXPECT_EQ(c.sockets, 2u);
  EXPECT_EQ(c.cores, 4u);
  EXPECT_EQ(c.threads, 4u);
  EXPECT_EQ(c.model, "Intel(R) Xeon(R) CPU E5-2680");
}

TEST(CpuTest, ArmCpuinfoAndFlagLimits) {
  FakeRoot root;
  std::string flags;
  for (int i = 0; i < 300; ++i) flags += "f" + std::to_string(i) + " ";
  flags += std::string(40, 'x');
  root.write("proc/cpuinfo", "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: " + flags +
                                 "\n\nprocessor\t: 1\n\nno colon here\n");
  CpuFacts c = read_cpu(root.path());
  EXPECT_EQ(c.model, "");
  EXPECT_EQ(c.threads, 2u);
  EXPECT_EQ(c.sockets, 0u);  // unknown, not guessed
  ASSERT_EQ(c.flags.size(), kMaxCpuFlags);
  EXPECT_EQ(c.flags.front(), "f0");
}

// A raw SMBIOS type 17 record: the 0x28-byte (SMBIOS 2.8) formatted area, then the strings.
std::string memory_device(uint16_t size, uint16_t speed, uint32_t extended_size = 0,
                          const std::string& locator = "DIMM 0") {
  std::string raw(0x28, '\0');
  raw[0] = 17;
  raw[1] = 0x28;
  auto put = [&](size_t offset, uint64_t v, size_t width) {
    for (size_t i = 0; i < width; ++i) raw[offset + i] = static_cast<char>((v >> (8 * i)) & 0xff);
  };
  put(0x0C, size, 2);
  put(0x10, 2, 1);  // device locator: string 2
  put(0x15, speed, 2);
  put(0x1C, extended_size, 4);
  return raw + "BANK 0" + std::string(1, '\0') + locator + std::string(2, '\0');
}

TEST(SmbiosMemoryDeviceTest, DecodesSizesSpeedsAndLocators) {
  auto d = parse_smbios_memory_device(memory_device(16384, 3200));
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, (Dimm{"DIMM 0", 16ull << 30, 3200}));
  d = parse_smbios_memory_device(memory_device(0x8000 | 512, 0));  // KiB units, unknown speed
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, (Dimm{"DIMM 0", 512ull << 10, 0}));
  d = parse_smbios_memory_device(memory_device(0x7FFF, 4800, 65536));  // extended size
  ASSERT_TRUE(d);
  EXPECT_EQ(d->size_bytes, 64ull << 30);
  d = parse_smbios_memory_device(memory_device(0xFFFF, 2400));  // unknown size
  ASSERT_TRUE(d);
  EXPECT_EQ(d->size_bytes, 0u);
}

TEST(SmbiosMemoryDeviceTest, RefusesEmptySlotsAndBrokenRecords) {
  EXPECT_FALSE(parse_smbios_memory_device(memory_device(0, 0)));  // no module
  EXPECT_FALSE(parse_smbios_memory_device(""));
  std::string other = memory_device(1024, 0);
  other[0] = 16;
  EXPECT_FALSE(parse_smbios_memory_device(other));
  EXPECT_FALSE(parse_smbios_memory_device(memory_device(1024, 0).substr(0, 0x20)));  // truncated
  std::string short_record = memory_device(1024, 0);
  short_record[1] = 0x10;  // shorter than SMBIOS 2.1's
  EXPECT_FALSE(parse_smbios_memory_device(short_record));
  // The formatted area alone, without strings: the locator is unknown, the rest is read.
  auto d = parse_smbios_memory_device(memory_device(1024, 0).substr(0, 0x28));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->locator, "");
  EXPECT_EQ(d->size_bytes, 1ull << 30);
}

TEST(MemoryTest, TotalAndDimmsInRecordOrder) {
  FakeRoot root;
  EXPECT_EQ(read_memory(root.path()), MemoryFacts{});
  root.write("proc/meminfo", "MemTotal:        2014948 kB\nMemFree:         1804472 kB\n");
  root.write("sys/firmware/dmi/entries/17-10/raw", memory_device(2048, 2400, 0, "DIMM 10"));
  root.write("sys/firmware/dmi/entries/17-2/raw", memory_device(1024, 2400, 0, "DIMM 2"));
  root.write("sys/firmware/dmi/entries/17-3/raw", memory_device(0, 0));  // empty slot
  root.mkdir("sys/firmware/dmi/entries/17-4");                           // unreadable raw
  root.write("sys/firmware/dmi/entries/16-0/raw", memory_device(1024, 0));
  MemoryFacts m = read_memory(root.path());
  EXPECT_EQ(m.total_bytes, 2014948ull * 1024);
  ASSERT_EQ(m.dimms.size(), 2u);
  EXPECT_EQ(m.dimms[0].locator, "DIMM 2");
  EXPECT_EQ(m.dimms[1].locator, "DIMM 10");
}

TEST(MemoryTest, OddMeminfoGivesZero) {
  FakeRoot root;
  for (const char* text : {"MemTotal: lots kB\n", "MemTotal: 1024\n", "MemTotal: 1024 MB\n",
                           "MemFree: 1024 kB\n", ""}) {
    root.write("proc/meminfo", text);
    EXPECT_EQ(read_memory(root.path()).total_bytes, 0u) << text;
  }
}

TEST(DisksTest, ReadsBlockDevicesSkippingVirtualOnes) {
  FakeRoot root;
  EXPECT_TRUE(read_disks(root.path()).empty());
  for (const char* name : {"loop0", "ram0", "zram0"}) {
    root.write(std::string("sys/block/") + name + "/size", "1024\n");
  }
  root.write("sys/block/vda/size", "16777216\n");
  root.write("sys/block/vda/serial", "slipway-disk-1\n");
  root.write("sys/block/vda/queue/rotational", "1\n");
  root.write("sys/block/sda/size", "1953525168\n");
  root.write("sys/block/sda/device/model", "WDC WD10EZEX-08W\n");
  root.write("sys/block/sda/device/wwid", "naa.50014ee2b5a1c0de\n");
  root.write("sys/block/sda/queue/rotational", "0\n");
  root.write("sys/block/sda/device/vpd_pg80", std::string("\0\x80\0\x08", 4) + "WD-WCC6Y");
  root.write("sys/block/nvme0n1/size", "garbage\n");
  root.write("sys/block/nvme0n1/device/serial", "S4EWNX0R\n");
  root.write("sys/block/nvme0n1/wwid", "eui.0025388b91b2a0c1\n");
  auto disks = read_disks(root.path());
  ASSERT_EQ(disks.size(), 3u);
  EXPECT_EQ(disks[0], (DiskFacts{"nvme0n1", 0, "", "S4EWNX0R", "eui.0025388b91b2a0c1", false}));
  EXPECT_EQ(disks[1], (DiskFacts{"sda", 1953525168ull * 512, "WDC WD10EZEX-08W", "WD-WCC6Y",
                                 "naa.50014ee2b5a1c0de", false}));
  EXPECT_EQ(disks[2], (DiskFacts{"vda", 8ull << 30, "", "slipway-disk-1", "", true}));
}

TEST(DisksTest, BrokenVpdPageAndTooManyDisks) {
  FakeRoot root;
  root.write("sys/block/sda/device/vpd_pg80", std::string("\0\x83\0\x04", 4) + "NOPE");
  root.write("sys/block/sdb/device/vpd_pg80", std::string("\0\x80", 2));
  root.write("sys/block/sdc/device/vpd_pg80", std::string("\0\x80\0\xff", 4) + "SHORT");
  for (int i = 0; i < 70; ++i) root.mkdir("sys/block/vd" + std::to_string(100 + i));
  auto disks = read_disks(root.path());
  ASSERT_EQ(disks.size(), kMaxDisks);
  EXPECT_EQ(disks[0].serial, "");
  EXPECT_EQ(disks[1].serial, "");
  EXPECT_EQ(disks[2].serial, "SHORT");
}

TEST(NicsTest, DriverSpeedAndLink) {
  FakeRoot root;
  root.add_interface("eth0", "52:54:00:77:00:01", 2);
  root.link("sys/class/net/eth0/device/driver", "../../../../bus/pci/drivers/virtio_net");
  root.write("sys/class/net/eth0/speed", "1000\n");
  root.write("sys/class/net/eth0/carrier", "1\n");
  root.add_interface("eth1", "52:54:00:77:00:02", 3);
  root.write("sys/class/net/eth1/speed", "-1\n");
  root.write("sys/class/net/eth1/operstate", "down\n");
  root.add_interface("eth2", "52:54:00:77:00:03", 4);
  root.write("sys/class/net/eth2/operstate", "up\n");
  root.write("sys/class/net/eth2/speed", "4294967296\n");
  root.add_interface("br0", "52:54:00:77:00:0b", 5, 1, false);
  auto nics = read_nics(root.path());
  ASSERT_EQ(nics.size(), 3u);
  EXPECT_EQ(nics[0], (NicFacts{"eth0", mac("52:54:00:77:00:01"), "virtio_net", 1000, true}));
  EXPECT_EQ(nics[1], (NicFacts{"eth1", mac("52:54:00:77:00:02"), "", std::nullopt, false}));
  EXPECT_EQ(nics[2], (NicFacts{"eth2", mac("52:54:00:77:00:03"), "", std::nullopt, true}));
}

TEST(PciTest, ReadsIdsAndDrivers) {
  FakeRoot root;
  EXPECT_TRUE(read_pci_devices(root.path()).empty());
  const std::string dev = "sys/bus/pci/devices/0000:00:03.0/";
  root.write(dev + "vendor", "0x1AF4\n");
  root.write(dev + "device", "0x1000\n");
  root.write(dev + "class", "0x020000\n");
  root.link(dev + "driver", "../../../bus/pci/drivers/virtio-pci");
  const std::string host = "sys/bus/pci/devices/0000:00:00.0/";
  root.write(host + "vendor", "0x8086\n");
  root.write(host + "device", "0x1237\n");
  root.write(host + "class", "0x060000\n");
  const std::string odd = "sys/bus/pci/devices/0000:00:04.0/";
  root.write(odd + "vendor", "0xzzzz\n");
  root.write(odd + "device", "0x1000\n");
  root.write(odd + "class", "0x020000\n");
  root.mkdir("sys/bus/pci/devices/0000:00:05.0");  // no files at all
  auto pci = read_pci_devices(root.path());
  ASSERT_EQ(pci.size(), 2u);
  EXPECT_EQ(pci[0], (PciDevice{"0000:00:00.0", "8086", "1237", "060000", ""}));
  EXPECT_EQ(pci[1], (PciDevice{"0000:00:03.0", "1af4", "1000", "020000", "virtio-pci"}));
}

TEST(FirmwareModeTest, EfiDirectoryMeansUefi) {
  FakeRoot root;
  EXPECT_EQ(read_firmware_mode(root.path()), FirmwareMode::kUnknown);
  root.mkdir("sys/firmware/acpi");
  EXPECT_EQ(read_firmware_mode(root.path()), FirmwareMode::kBios);
  root.mkdir("sys/firmware/efi/efivars");
  EXPECT_EQ(read_firmware_mode(root.path()), FirmwareMode::kUefi);
}

TEST(CollectHardwareFactsTest, WholeTreeMakesAValidReport) {
  FakeRoot root;
  root.add_interface("eth0", "52:54:00:77:00:01", 2);
  root.write("proc/cpuinfo", kCpuinfo);
  root.write("proc/meminfo", "MemTotal: 2014948 kB\n");
  root.write("sys/class/dmi/id/sys_vendor", "Caf\xc3\xa9 Systems\n");  // UTF-8 becomes '?'
  root.write("sys/block/vda/size", "16777216\n");
  root.mkdir("sys/firmware/efi");
  HardwareFacts h = collect_hardware_facts(root.path());
  EXPECT_EQ(h.firmware, FirmwareMode::kUefi);
  EXPECT_EQ(h.dmi.vendor, "Caf?? Systems");
  EXPECT_EQ(h.nics.size(), 1u);
  EXPECT_EQ(h.disks.size(), 1u);
  SystemFacts facts;
  facts.mac = mac("52:54:00:77:00:01");
  facts.hardware = h;
  AgentReport report = make_report(facts, AgentEvent::kBooted);
  auto parsed = parse_agent_report(to_json(report));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, report);
}

// The live machine's facts, whatever they are, always make a report the appliance accepts.
TEST(CollectHardwareFactsTest, LiveMachineMakesAValidReport) {
  SystemFacts facts;
  facts.mac = mac("52:54:00:77:00:01");
  facts.hardware = collect_hardware_facts("/");
  auto parsed = parse_agent_report(to_json(make_report(facts, AgentEvent::kBooted)));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
}

}  // namespace
}  // namespace slipway::imaging::agent
