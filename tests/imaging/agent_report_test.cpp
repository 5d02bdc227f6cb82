#include "imaging/agent_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace slipway::imaging {
namespace {

AgentReport full_report() {
  AgentReport r;
  r.mac = *MacAddress::parse("52:54:00:77:00:01");
  r.uuid = Uuid::parse("5a1e0001-0000-4000-8000-000000000001");
  r.event = AgentEvent::kBooted;
  r.kernel = "6.1.0-56-amd64";
  r.ip = Ipv4::parse("198.18.77.100");
  return r;
}

std::string error_of(std::string_view json) {
  auto r = parse_agent_report(json);
  EXPECT_FALSE(r.ok()) << json;
  return r.ok() ? "" : r.error().message;
}

TEST(AgentReportTest, RoundTripsEveryField) {
  const AgentReport r = full_report();
  auto parsed = parse_agent_report(to_json(r));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, r);
}

TEST(AgentReportTest, EncodesTheWireNames) {
  auto doc = nlohmann::json::parse(to_json(full_report()));
  EXPECT_EQ(doc, nlohmann::json::parse(R"({"mac":"52:54:00:77:00:01",
      "uuid":"5a1e0001-0000-4000-8000-000000000001","event":"booted",
      "kernel":"6.1.0-56-amd64","ip":"198.18.77.100"})"));
}

TEST(AgentReportTest, LeavesAbsentOptionalFieldsOut) {
  AgentReport r;
  r.mac = *MacAddress::parse("52:54:00:77:00:01");
  auto doc = nlohmann::json::parse(to_json(r));
  EXPECT_EQ(doc, nlohmann::json::parse(R"({"mac":"52:54:00:77:00:01","event":"booted"})"));
  auto parsed = parse_agent_report(to_json(r));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, r);
}

TEST(AgentReportTest, RequiredFieldsOnly) {
  auto r = parse_agent_report(R"({"mac":"52-54-00-AA-BB-CC","event":"booted"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->mac.to_string(), "52:54:00:aa:bb:cc");
  EXPECT_EQ(r->event, AgentEvent::kBooted);
  EXPECT_FALSE(r->uuid);
  EXPECT_FALSE(r->ip);
  EXPECT_EQ(r->kernel, "");
}

TEST(AgentReportTest, OptionalFieldsMayBeNullOrEmpty) {
  auto r = parse_agent_report(
      R"({"mac":"52:54:00:77:00:01","event":"booted","uuid":null,"ip":"","kernel":null})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->uuid);
  EXPECT_FALSE(r->ip);
  EXPECT_EQ(r->kernel, "");
  r = parse_agent_report(R"({"mac":"52:54:00:77:00:01","event":"booted","uuid":""})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->uuid);
}

TEST(AgentReportTest, PlaceholderUuidIsDroppedNotRefused) {
  for (const char* uuid :
       {"00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "03000200-0400-0500-0006-000700080009"}) {
    auto r = parse_agent_report(std::string(R"({"mac":"52:54:00:77:00:01","event":"booted",)") +
                                R"("uuid":")" + uuid + R"("})");
    ASSERT_TRUE(r.ok()) << uuid;
    EXPECT_FALSE(r->uuid) << uuid;
  }
}

TEST(AgentReportTest, KernelAtTheLimitIsAccepted) {
  std::string kernel(128, 'k');
  auto r = parse_agent_report(R"({"mac":"52:54:00:77:00:01","event":"booted","kernel":")" + kernel +
                              R"("})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kernel, kernel);
}

TEST(AgentReportTest, RefusesWhatIsNotAJsonObject) {
  EXPECT_NE(error_of("").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of("{\"mac\":").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of("mac=52:54:00:77:00:01").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of("[]").find("must be a JSON object"), std::string::npos);
  EXPECT_NE(error_of("\"booted\"").find("must be a JSON object"), std::string::npos);
  EXPECT_NE(error_of("42").find("must be a JSON object"), std::string::npos);
}

TEST(AgentReportTest, RefusesUnknownKeys) {
  EXPECT_EQ(error_of(R"({"mac":"52:54:00:77:00:01","event":"booted","macc":"x"})"),
            "unknown key 'macc'");
}

TEST(AgentReportTest, RefusesMissingRequiredFields) {
  EXPECT_EQ(error_of(R"({"event":"booted"})"), "'mac' is required");
  EXPECT_EQ(error_of(R"({"mac":null,"event":"booted"})"), "'mac' is required");
  EXPECT_EQ(error_of(R"({"mac":"52:54:00:77:00:01"})"), "'event' is required");
}

TEST(AgentReportTest, RefusesWrongTypes) {
  EXPECT_EQ(error_of(R"({"mac":525400770001,"event":"booted"})"), "'mac' must be a string");
  EXPECT_EQ(error_of(R"({"mac":"52:54:00:77:00:01","event":["booted"]})"),
            "'event' must be a string");
  EXPECT_EQ(error_of(R"({"mac":"52:54:00:77:00:01","event":"booted","ip":3232235777})"),
            "'ip' must be a string");
}

TEST(AgentReportTest, RefusesBadValues) {
  EXPECT_NE(error_of(R"({"mac":"52:54:00:77:00","event":"booted"})").find("not a MAC"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"mac":"zz:54:00:77:00:01","event":"booted"})").find("not a MAC"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"mac":"52:54:00:77:00:01","event":"booted","uuid":"5a1e0001"})")
                .find("not a UUID"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"mac":"52:54:00:77:00:01","event":"booted",)"
                     R"("uuid":"{5a1e0001-0000-4000-8000-000000000001}"})")
                .find("not a UUID"),
            std::string::npos);
  EXPECT_EQ(error_of(R"({"mac":"52:54:00:77:00:01","event":"rebooted"})"),
            "unknown event 'rebooted'");
  EXPECT_NE(error_of(R"({"mac":"52:54:00:77:00:01","event":"booted","ip":"198.18.77.256"})")
                .find("not an IPv4"),
            std::string::npos);
  EXPECT_EQ(error_of(R"({"mac":"52:54:00:77:00:01","event":"booted","kernel":")" +
                     std::string(129, 'k') + R"("})"),
            "'kernel' is longer than 128 characters");
}

TEST(AgentReportTest, RefusesOversizedReports) {
  // Valid JSON, so only the size check can refuse it.
  std::string padded = R"({"mac":"52:54:00:77:00:01","event":"booted"})";
  padded.append(kMaxReportBytes + 1 - padded.size(), ' ');
  EXPECT_NE(error_of(padded).find("the limit is"), std::string::npos);
  padded.pop_back();
  EXPECT_TRUE(parse_agent_report(padded).ok());
}

HardwareFacts sample_facts() {
  HardwareFacts f;
  f.firmware = FirmwareMode::kUefi;
  f.dmi = {"QEMU",
           "Standard PC (Q35 + ICH9, 2009)",
           "SN-1",
           "5a1e0001-0000-4000-8000-000000000001",
           "1.16.2-debian-1.16.2-1",
           "04/01/2014"};
  f.cpu = {"QEMU Virtual CPU version 2.5+", 1, 2, 4, {"fpu", "sse2", "lm"}};
  f.memory = {2147483648, {{"DIMM 0", 2147483648, 3200}}};
  f.disks = {{"vda", 8589934592, "", "slipway-disk-1", "", false},
             {"sda", 1000204886016, "WDC WD10EZEX", "WD-1", "naa.50014ee2b5a1c0de", true}};
  f.nics = {{"eth0", *MacAddress::parse("52:54:00:77:00:01"), "virtio_net", 1000, true},
            {"eth1", *MacAddress::parse("52:54:00:77:00:02"), "e1000", std::nullopt, false}};
  f.pci = {{"0000:00:00.0", "8086", "29c0", "060000", ""},
           {"0000:00:03.0", "1af4", "1000", "020000", "virtio-pci"}};
  return f;
}

// A report with `facts_json` as its "facts" member.
std::string with_facts(const std::string& facts_json) {
  return R"({"mac":"52:54:00:77:00:01","event":"booted","facts":)" + facts_json + "}";
}

TEST(AgentReportFactsTest, RoundTripsEveryFact) {
  AgentReport r = full_report();
  r.facts = sample_facts();
  auto parsed = parse_agent_report(to_json(r));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, r);
}

TEST(AgentReportFactsTest, EncodesTheWireNames) {
  AgentReport r;
  r.mac = *MacAddress::parse("52:54:00:77:00:01");
  r.facts = sample_facts();
  r.facts->disks.resize(1);
  r.facts->nics.resize(2);
  r.facts->pci.resize(1);
  auto doc = nlohmann::json::parse(to_json(r));
  EXPECT_EQ(doc["facts"], nlohmann::json::parse(R"json({
      "firmware":"uefi",
      "dmi":{"vendor":"QEMU","product":"Standard PC (Q35 + ICH9, 2009)","serial":"SN-1",
             "uuid":"5a1e0001-0000-4000-8000-000000000001",
             "bios_version":"1.16.2-debian-1.16.2-1","bios_date":"04/01/2014"},
      "cpu":{"model":"QEMU Virtual CPU version 2.5+","sockets":1,"cores":2,"threads":4,
             "flags":["fpu","sse2","lm"]},
      "memory":{"total_bytes":2147483648,
                "dimms":[{"locator":"DIMM 0","size_bytes":2147483648,"speed_mts":3200}]},
      "disks":[{"name":"vda","size_bytes":8589934592,"model":"","serial":"slipway-disk-1",
                "wwn":"","rotational":false}],
      "nics":[{"name":"eth0","mac":"52:54:00:77:00:01","driver":"virtio_net","speed_mbps":1000,
               "link":true},
              {"name":"eth1","mac":"52:54:00:77:00:02","driver":"e1000","link":false}],
      "pci":[{"address":"0000:00:00.0","vendor":"8086","device":"29c0","class":"060000",
              "driver":""}]})json"));
}

TEST(AgentReportFactsTest, ReportsWithoutFactsStillParse) {
  auto r = parse_agent_report(R"({"mac":"52:54:00:77:00:01","event":"booted","facts":null})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->facts);
}

TEST(AgentReportFactsTest, EveryFactIsOptional) {
  auto r = parse_agent_report(with_facts("{}"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->facts);
  EXPECT_EQ(*r->facts, HardwareFacts{});
  r = parse_agent_report(with_facts(
      R"({"dmi":{},"cpu":{"flags":[]},"memory":{"dimms":null},"disks":[{"name":"sda"}],)"
      R"("nics":[{"name":"eth0","mac":"52:54:00:77:00:01","speed_mbps":null}],)"
      R"("pci":[{"address":"0000:00:01.0","vendor":"8086","device":"7000","class":"060100"}]})"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->facts->disks.at(0), (DiskFacts{"sda", 0, "", "", "", false}));
  EXPECT_FALSE(r->facts->nics.at(0).speed_mbps);
  EXPECT_EQ(r->facts->pci.at(0).driver, "");
}

TEST(AgentReportFactsTest, RefusesWrongTypesNamingTheField) {
  EXPECT_EQ(error_of(with_facts("[]")), "'facts' must be an object");
  EXPECT_EQ(error_of(with_facts(R"({"firmware":1})")), "'facts.firmware' must be a string");
  EXPECT_EQ(error_of(with_facts(R"({"firmware":"coreboot"})")),
            "'facts.firmware' must be \"uefi\", \"bios\" or \"unknown\"");
  EXPECT_EQ(error_of(with_facts(R"({"dmi":"QEMU"})")), "'facts.dmi' must be an object");
  EXPECT_EQ(error_of(with_facts(R"({"cpu":{"threads":"4"}})")),
            "'facts.cpu.threads' must be an unsigned integer");
  EXPECT_EQ(error_of(with_facts(R"({"cpu":{"threads":-4}})")),
            "'facts.cpu.threads' must be an unsigned integer");
  EXPECT_EQ(error_of(with_facts(R"({"cpu":{"threads":4.5}})")),
            "'facts.cpu.threads' must be an unsigned integer");
  EXPECT_EQ(error_of(with_facts(R"({"cpu":{"threads":1e30}})")),
            "'facts.cpu.threads' must be an unsigned integer");
  EXPECT_EQ(error_of(with_facts(R"({"cpu":{"sockets":2000000}})")),
            "'facts.cpu.sockets' is larger than 1048576");
  EXPECT_EQ(error_of(with_facts(R"({"cpu":{"flags":"fpu sse"}})")),
            "'facts.cpu.flags' must be an array");
  EXPECT_EQ(error_of(with_facts(R"({"cpu":{"flags":["fpu",7]}})")),
            "'facts.cpu.flags[1]' must be a string");
  EXPECT_EQ(error_of(with_facts(R"({"memory":{"total_bytes":true}})")),
            "'facts.memory.total_bytes' must be an unsigned integer");
  EXPECT_EQ(error_of(with_facts(R"({"memory":{"dimms":[{"speed_mts":"3200"}]}})")),
            "'facts.memory.dimms[0].speed_mts' must be an unsigned integer");
  EXPECT_EQ(error_of(with_facts(R"({"disks":{"name":"sda"}})")), "'facts.disks' must be an array");
  EXPECT_EQ(error_of(with_facts(R"({"disks":["sda"]})")), "'facts.disks[0]' must be an object");
  EXPECT_EQ(error_of(with_facts(R"({"disks":[{"name":"sda"},{"name":"sdb","rotational":1}]})")),
            "'facts.disks[1].rotational' must be true or false");
  EXPECT_EQ(error_of(with_facts(R"({"nics":[{"name":"eth0","mac":"52:54:00:77:00:01",)"
                                R"("speed_mbps":-1}]})")),
            "'facts.nics[0].speed_mbps' must be an unsigned integer");
}

TEST(AgentReportFactsTest, RefusesBadValuesNamingTheField) {
  EXPECT_EQ(error_of(with_facts(R"({"disks":[{"size_bytes":1}]})")),
            "'facts.disks[0].name' is required");
  EXPECT_EQ(error_of(with_facts(R"({"nics":[{"name":"eth0"}]})")),
            "'facts.nics[0].mac' is not a MAC address");
  EXPECT_EQ(error_of(with_facts(R"({"nics":[{"name":"eth0","mac":"52:54:00"}]})")),
            "'facts.nics[0].mac' is not a MAC address");
  EXPECT_EQ(error_of(with_facts(R"({"nics":[{"name":"eth0","mac":"52:54:00:77:00:01",)"
                                R"("speed_mbps":100000001}]})")),
            "'facts.nics[0].speed_mbps' is larger than 100000000");
  EXPECT_EQ(error_of(with_facts(R"({"pci":[{"address":"0000:00:03.0","vendor":"0x1af4",)"
                                R"("device":"1000","class":"020000"}]})")),
            "'facts.pci[0].vendor' is longer than 4 characters");
  EXPECT_EQ(error_of(with_facts(R"({"pci":[{"address":"0000:00:03.0","vendor":"1AF4",)"
                                R"("device":"1000","class":"020000"}]})")),
            "'facts.pci[0].vendor' must be 4 lower-case hex digits");
  EXPECT_EQ(error_of(with_facts(R"({"pci":[{"address":"0000:00:03.0","vendor":"1af4",)"
                                R"("device":"1000"}]})")),
            "'facts.pci[0].class' must be 6 lower-case hex digits");
  EXPECT_EQ(error_of(with_facts(R"({"pci":[{"vendor":"1af4"}]})")),
            "'facts.pci[0].address' is required");
  EXPECT_EQ(error_of(with_facts(R"({"cpu":{"flags":[""]}})")),
            "'facts.cpu.flags[0]' must be 1 to 32 printable characters");
}

TEST(AgentReportFactsTest, RefusesUnknownKeysAtEveryLevel) {
  EXPECT_EQ(error_of(with_facts(R"({"bmc":{}})")), "unknown key 'facts.bmc'");
  EXPECT_EQ(error_of(with_facts(R"({"dmi":{"vendr":"QEMU"}})")), "unknown key 'facts.dmi.vendr'");
  EXPECT_EQ(error_of(with_facts(R"({"disks":[{"name":"sda","size":1}]})")),
            "unknown key 'facts.disks[0].size'");
  EXPECT_EQ(error_of(with_facts(R"({"memory":{"dimms":[{"slot":"A1"}]}})")),
            "unknown key 'facts.memory.dimms[0].slot'");
}

TEST(AgentReportFactsTest, RefusesLongStringsAndControlCharacters) {
  const std::string at_limit(kMaxFactChars, 'v');
  auto r = parse_agent_report(with_facts(R"({"dmi":{"vendor":")" + at_limit + R"("}})"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->facts->dmi.vendor, at_limit);
  EXPECT_EQ(error_of(with_facts(R"({"dmi":{"vendor":")" + at_limit + R"(v"}})")),
            "'facts.dmi.vendor' is longer than 128 characters");
  EXPECT_EQ(error_of(with_facts(R"({"disks":[{"name":")" + std::string(33, 'd') + R"("}]})")),
            "'facts.disks[0].name' is longer than 32 characters");
  EXPECT_EQ(error_of(with_facts(R"({"dmi":{"serial":"SN\u0000\u001b[2J"}})")),
            "'facts.dmi.serial' has control characters");
  EXPECT_EQ(error_of(with_facts(R"({"cpu":{"flags":[")" + std::string(33, 'f') + R"("]}})")),
            "'facts.cpu.flags[0]' must be 1 to 32 printable characters");
}

// `count` copies of `entry` as a JSON array.
std::string repeated(const std::string& entry, size_t count) {
  std::string out = "[";
  for (size_t i = 0; i < count; ++i) out += (i ? "," : "") + entry;
  return out + "]";
}

TEST(AgentReportFactsTest, RefusesTooManyEntries) {
  const std::string disk = R"({"name":"sda"})";
  const std::string nic = R"({"name":"eth0","mac":"52:54:00:77:00:01"})";
  const std::string pci = R"({"address":"0000:00:03.0","vendor":"1af4","device":"1000",)"
                          R"("class":"020000"})";
  const std::string dimm = R"({"locator":"A1"})";
  EXPECT_TRUE(parse_agent_report(with_facts(R"({"disks":)" + repeated(disk, kMaxDisks) + "}")));
  EXPECT_EQ(error_of(with_facts(R"({"disks":)" + repeated(disk, kMaxDisks + 1) + "}")),
            "'facts.disks' has 65 entries, the limit is 64");
  EXPECT_TRUE(parse_agent_report(with_facts(R"({"nics":)" + repeated(nic, kMaxNics) + "}")));
  EXPECT_EQ(error_of(with_facts(R"({"nics":)" + repeated(nic, kMaxNics + 1) + "}")),
            "'facts.nics' has 65 entries, the limit is 64");
  EXPECT_TRUE(parse_agent_report(with_facts(R"({"pci":)" + repeated(pci, kMaxPciDevices) + "}")));
  EXPECT_EQ(error_of(with_facts(R"({"pci":)" + repeated(pci, kMaxPciDevices + 1) + "}")),
            "'facts.pci' has 513 entries, the limit is 512");
  EXPECT_EQ(error_of(with_facts(R"({"memory":{"dimms":)" + repeated(dimm, kMaxDimms + 1) + "}}")),
            "'facts.memory.dimms' has 65 entries, the limit is 64");
  EXPECT_EQ(
      error_of(with_facts(R"({"cpu":{"flags":)" + repeated(R"("f")", kMaxCpuFlags + 1) + "}}")),
      "'facts.cpu.flags' has 257 entries, the limit is 256");
}

// Every list at its limit and every string at its longest still fits the size limit: an agent
// that keeps to the limits is never refused for size.
TEST(AgentReportFactsTest, LargestValidReportFitsTheSizeLimit) {
  const std::string s(kMaxFactChars, 's');
  const std::string name(kMaxNameChars, 'n');
  AgentReport r = full_report();
  r.kernel = std::string(128, 'k');
  HardwareFacts& f = *(r.facts = HardwareFacts{});
  f.dmi = {s, s, s, s, s, s};
  f.cpu = {s, 2, 128, 256,
           std::vector<std::string>(kMaxCpuFlags, std::string(kMaxCpuFlagChars, 'f'))};
  f.memory.total_bytes = UINT64_MAX;
  f.memory.dimms.assign(kMaxDimms, Dimm{s, UINT64_MAX, 1000000});
  f.disks.assign(kMaxDisks, DiskFacts{name, UINT64_MAX, s, s, s, true});
  f.nics.assign(kMaxNics,
                NicFacts{name, *MacAddress::parse("52:54:00:77:00:01"), s, 100000000, true});
  f.pci.assign(kMaxPciDevices,
               PciDevice{std::string(kMaxPciAddressChars, 'a'), "8086", "1000", "020000", s});
  const std::string json = to_json(r);
  EXPECT_LE(json.size(), kMaxReportBytes);
  auto parsed = parse_agent_report(json);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, r);
}

TEST(AgentReportTest, FirmwareModeNames) {
  for (auto m : {FirmwareMode::kUnknown, FirmwareMode::kBios, FirmwareMode::kUefi}) {
    EXPECT_EQ(parse_firmware_mode(to_string(m)), m);
  }
  EXPECT_FALSE(parse_firmware_mode("UEFI"));
}

TEST(AgentReportTest, EventNames) {
  EXPECT_EQ(to_string(AgentEvent::kBooted), "booted");
  EXPECT_EQ(parse_agent_event("booted"), AgentEvent::kBooted);
  EXPECT_FALSE(parse_agent_event("Booted"));
  EXPECT_FALSE(parse_agent_event(""));
}

}  // namespace
}  // namespace slipway::imaging
