#include "imaging/snapshot_manifest.h"

#include <gtest/gtest.h>

namespace slipway::imaging {
namespace {

using nlohmann::json;

const std::string kHashA(64, 'a');
const std::string kHashB(64, 'b');

SnapshotManifest sample() {
  SnapshotManifest m;
  m.name = "web1-2026-12-03";
  m.machine = "web1";
  m.hostname = "web1.example.org";
  m.firmware = "bios";
  m.boot_loader = "grub-bios+grub-efi";
  m.created_at = "2026-12-03T01:00:00Z";
  m.facts = {{"cpu", {{"threads", 2}}}};
  CapturedDisk d;
  d.layout = {"vda",
              3ull << 30,
              true,
              {{1, kBiosBootType, "U1", "bios", 2048, 4095, ""},
               {3, "0FC63DAF-8483-4772-8E79-3D69D8477DE4", "U3", "root", 4096, 1310719, "ext4"}}};
  d.disk_guid = "D15C0000-0000-4000-8000-000000000001";
  d.model = "QEMU HARDDISK";
  d.regions = {{"head", 0, 1 << 20, "raw", "", "", 1 << 20},
               {"partition 3", 4096 * 512ull, (1310720 - 4096) * 512ull, "used-blocks", "ext4",
                "0a0b0c0d-0000-4000-8000-000000000000", 300 << 20}};
  d.chunks = {{0, 1 << 20, kHashA}, {4096 * 512ull, 4 << 20, kHashB}, {8 << 20, 123, kHashA}};
  m.disks.push_back(d);
  return m;
}

TEST(SnapshotManifestTest, RoundTripKeepsEverything) {
  SnapshotManifest m = sample();
  auto back = parse_manifest(encode_manifest(m));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(to_json(*back), to_json(m));
  EXPECT_EQ(back->disks[0].chunks, m.disks[0].chunks);
  EXPECT_EQ(back->disks[0].regions, m.disks[0].regions);
  EXPECT_EQ(back->disks[0].layout.partitions, m.disks[0].layout.partitions);
  EXPECT_EQ(back->logical_bytes(), (1u << 20) + (4u << 20) + 123u);
  EXPECT_EQ(back->chunk_count(), 3u);
  ASSERT_EQ(disk_layouts(*back).size(), 1u);
  EXPECT_EQ(disk_layouts(*back)[0].name, "vda");
}

// Changes one thing of the sample's JSON and expects a refusal mentioning `expected`.
void expect_refused(const std::function<void(json&)>& change, const std::string& expected) {
  json doc = to_json(sample());
  change(doc);
  auto parsed = parse_manifest(doc.dump());
  ASSERT_FALSE(parsed) << "accepted: " << expected;
  EXPECT_NE(parsed.error().message.find(expected), std::string::npos) << parsed.error().message;
}

TEST(SnapshotManifestTest, RefusalsNameTheField) {
  expect_refused([](json& d) { d["version"] = 2; }, "manifest version 2 is not known");
  expect_refused([](json& d) { d.erase("name"); }, "'name' is missing");
  expect_refused([](json& d) { d["disks"] = json::array(); }, "'disks' is empty");
  expect_refused([](json& d) { d["disks"][0]["size_bytes"] = -1; },
                 "'disks[0].size_bytes' must be an unsigned integer");
  expect_refused([](json& d) { d["disks"][0]["partitions"][1]["last_lba"] = 1ull << 40; },
                 "'disks[0].partitions[1].last_lba' puts the partition outside its disk");
  expect_refused([](json& d) { d["disks"][0]["partitions"][0]["number"] = 0; },
                 "'disks[0].partitions[0].number' must be 1..128");
  expect_refused([](json& d) { d["disks"][0]["regions"][1]["mode"] = "guess"; },
                 "'disks[0].regions[1].mode' must be used-blocks or raw");
  expect_refused([](json& d) { d["disks"][0]["chunks"][1][2] = "ABC"; },
                 "'disks[0].chunks[1]' has a malformed SHA-256");
  expect_refused([](json& d) { d["disks"][0]["chunks"][1][1] = (4 << 20) + 1; },
                 "'disks[0].chunks[1]' has length 4194305");
  expect_refused([](json& d) { d["disks"][0]["chunks"][2][0] = 100; },
                 "'disks[0].chunks[2]' starts at 100, before the previous chunk ends");
  expect_refused([](json& d) { d["disks"][0]["chunks"][2][0] = (3ull << 30) - 100; },
                 "'disks[0].chunks[2]' ends past its disk");
  expect_refused([](json& d) { d["disks"][0]["chunks"][0] = json::object(); },
                 "'disks[0].chunks[0]' must be [offset, length, sha256]");
  expect_refused([](json& d) { d["facts"] = 3; }, "'facts' must be an object");
}

TEST(SnapshotManifestTest, NotJsonIsRefused) {
  auto parsed = parse_manifest("{\"version\": 1,");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message, "the manifest is not JSON");
}

}  // namespace
}  // namespace slipway::imaging
