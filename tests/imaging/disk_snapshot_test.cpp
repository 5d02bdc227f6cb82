// Capture and restore end to end on image files made by the real tools: a GPT disk (sfdisk)
// with GRUB-like MBR code, a BIOS boot partition holding bytes, a FAT16 ESP (mkfs.fat, mcopy)
// and an ext4 root (mke2fs, debugfs) is captured into a map, restored onto a LARGER file full of
// garbage, and checked with e2fsck, debugfs, mtype, sfdisk and resize2fs. Damaged chunks are
// refused before their bytes reach the disk.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "imaging/agent/disk_capture.h"
#include "imaging/agent/disk_restore.h"
#include "imaging/snapshot_layout.h"
#include "imaging/snapshot_manifest.h"
#include "tests/imaging/disk_file.h"

namespace slipway::imaging::agent {
namespace {

namespace fs = std::filesystem;
using testutil::read_at;
using testutil::run;
using testutil::write_at;

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kSourceBytes = 64 * kMiB;
constexpr uint64_t kTargetBytes = 96 * kMiB;
constexpr uint64_t kEspLba = 4096;
constexpr uint64_t kRootLba = 20480;
constexpr uint64_t kRootSectors = 102400;  // 50 MiB
constexpr const char* kDiskGuid = "11111111-2222-3333-4444-555555555555";
constexpr const char* kRootGuid = "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE";

std::vector<uint8_t> pattern(size_t n, uint32_t seed) {
  std::vector<uint8_t> out(n);
  uint32_t x = seed;
  for (auto& b : out) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<uint8_t>(x >> 24);
  }
  return out;
}

void write_file(const fs::path& p, const std::vector<uint8_t>& bytes) {
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

std::vector<uint8_t> file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

std::string root_at(const fs::path& img) {
  return "'" + img.string() + "?offset=" + std::to_string(kRootLba * kSectorBytes) + "'";
}

// Where chunks go in tests: zstd frames by digest, and what was put.
class MapSink : public ChunkSink {
 public:
  Result<std::vector<std::string>> missing(const std::vector<std::string>& sha256) override {
    EXPECT_LE(sha256.size(), kMaxMissingBatch);
    std::vector<std::string> out;
    for (const auto& d : sha256) {
      if (!chunks.count(d)) out.push_back(d);
    }
    return out;
  }
  Status put(const std::string& sha256, std::span<const uint8_t> zstd_frame) override {
    EXPECT_FALSE(chunks.count(sha256)) << "put twice: " << sha256;
    chunks[sha256].assign(zstd_frame.begin(), zstd_frame.end());
    ++puts;
    return {};
  }
  std::map<std::string, std::vector<uint8_t>> chunks;
  size_t puts = 0;
};

class FileDisk {
 public:
  explicit FileDisk(const fs::path& p) : fd_(::open(p.c_str(), O_RDWR | O_CLOEXEC)) {
    EXPECT_GE(fd_, 0) << p;
  }
  ~FileDisk() { ::close(fd_); }
  ReadAt reader() const {
    return [fd = fd_](uint64_t offset, std::span<uint8_t> out) -> Status {
      ssize_t n = ::pread(fd, out.data(), out.size(), static_cast<off_t>(offset));
      if (n != static_cast<ssize_t>(out.size())) return Error{"short read"};
      return {};
    };
  }
  RestoreTarget target(uint64_t size, int* writes = nullptr) const {
    auto write = [fd = fd_, writes](uint64_t offset, std::span<const uint8_t> b) -> Status {
      if (writes) ++*writes;
      ssize_t n = ::pwrite(fd, b.data(), b.size(), static_cast<off_t>(offset));
      if (n != static_cast<ssize_t>(b.size())) return Error{"short write"};
      return {};
    };
    return RestoreTarget{size, reader(), write, [write](uint64_t offset, uint64_t length) {
                           return write(offset, std::vector<uint8_t>(length, 0));
                         }};
  }

 private:
  int fd_;
};

class DiskSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testutil::fresh_test_dir("slipway-snap");
    src_ = dir_ / "source.img";
    tgt_ = dir_ / "target.img";
    make_source();
  }
  void TearDown() override { fs::remove_all(dir_); }

  void make_source() {
    testutil::make_sparse_file(src_, kSourceBytes);
    run("printf 'label: gpt\\nlabel-id: " + std::string(kDiskGuid) +
        "\\nstart=2048, size=2048, type=21686148-6449-6E6F-744E-656564454649, name=bios\\n"
        "start=4096, size=16384, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=esp\\n"
        "start=20480, size=102400, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, uuid=" +
        kRootGuid + ", name=root\\n' | sfdisk -q " + src_.string());
    // GRUB-like boot code in front of the protective MBR, core.img-like bytes in partition 1.
    write_at(src_, 0, pattern(kMbrBootCodeBytes, 7));
    write_at(src_, 2048 * kSectorBytes, pattern(300 * 1024, 8));
    run("mkfs.fat -F 16 -s 1 -n ESP --offset=" + std::to_string(kEspLba) + " " + src_.string() +
        " 8192 >/dev/null 2>&1");
    write_file(dir_ / "loader.efi", pattern(200 * 1024, 9));
    run("mcopy -i " + src_.string() + "@@" + std::to_string(kEspLba * kSectorBytes) + " " +
        (dir_ / "loader.efi").string() + " ::/LOADER.EFI");
    run("mke2fs -q -F -t ext4 -E offset=" + std::to_string(kRootLba * kSectorBytes) + " " +
        src_.string() + " " + std::to_string(kRootSectors / 2) + "k");
    files_["/etc/hostname"] = {'w', 'e', 'b', '-', '1', '\n'};
    files_["/etc/fstab"] = {'#', '\n'};
    files_["/big.bin"] = pattern(5 * kMiB + 123, 10);
    files_["/zeros.bin"] = std::vector<uint8_t>(6 * kMiB, 0);
    std::ofstream cmds(dir_ / "debugfs.cmds");
    cmds << "mkdir etc\n";
    int i = 0;
    for (const auto& [path, bytes] : files_) {
      const fs::path local = dir_ / ("f" + std::to_string(i++));
      write_file(local, bytes);
      cmds << "write " << local.string() << " " << path.substr(1) << "\n";
    }
    cmds.close();
    run("debugfs -w -f " + (dir_ / "debugfs.cmds").string() + " " + root_at(src_) +
        " >/dev/null 2>&1");
  }

  // Captures the source; the manifest goes through its codec as the appliance would send it.
  SnapshotManifest capture(MapSink& sink, uint64_t window = kMiB) {
    FileDisk disk(src_);
    auto plan = plan_disk_capture(disk.reader(), "vda", kSourceBytes, window);
    EXPECT_TRUE(plan) << plan.error().message;
    uint64_t last_progress = 0;
    auto st = capture_chunks(
        disk.reader(), *plan, sink,
        [&](uint64_t n) {
          EXPECT_GE(n, last_progress);
          last_progress = n;
        },
        4);
    EXPECT_TRUE(st) << st.error().message;
    EXPECT_EQ(last_progress, plan->bytes_to_read);
    SnapshotManifest m;
    m.name = "snap";
    m.firmware = "bios";
    m.boot_loader = detect_boot_loader(std::span(&*plan, 1));
    m.disks.push_back(plan->disk);
    auto parsed = parse_manifest(encode_manifest(m));
    EXPECT_TRUE(parsed) << parsed.error().message;
    return *parsed;
  }

  ChunkSource source_of(const MapSink& sink) {
    return [&sink](const std::string& sha) -> Result<std::vector<uint8_t>> {
      auto it = sink.chunks.find(sha);
      if (it == sink.chunks.end()) return Error{"404"};
      return it->second;
    };
  }

  void make_garbage_target() {
    std::ofstream out(tgt_, std::ios::binary);
    const auto junk = pattern(kMiB, 99);
    for (uint64_t i = 0; i < kTargetBytes / kMiB; ++i) {
      out.write(reinterpret_cast<const char*>(junk.data()),
                static_cast<std::streamsize>(junk.size()));
    }
  }

  MappedDisk mapped_onto_target(const SnapshotManifest& m) {
    auto plan = plan_layout(disk_layouts(m), "bios", {{"vdb", kTargetBytes}}, "bios");
    EXPECT_TRUE(plan) << plan.error().message;
    return plan->disks.at(0);
  }

  fs::path dir_, src_, tgt_;
  std::map<std::string, std::vector<uint8_t>> files_;
};

TEST_F(DiskSnapshotTest, CapturePlanReadsTheLayoutAndUsedBlocks) {
  FileDisk disk(src_);
  auto plan = plan_disk_capture(disk.reader(), "vda", kSourceBytes, kMiB);
  ASSERT_TRUE(plan) << plan.error().message;
  const CapturedDisk& d = plan->disk;
  EXPECT_TRUE(d.layout.gpt);
  EXPECT_EQ(d.disk_guid, kDiskGuid);
  ASSERT_EQ(d.layout.partitions.size(), 3u);
  EXPECT_EQ(d.layout.partitions[2].unique, kRootGuid);
  EXPECT_EQ(d.layout.partitions[2].first_lba, kRootLba);
  EXPECT_EQ(d.layout.partitions[2].filesystem, "ext4");
  EXPECT_EQ(d.layout.partitions[1].filesystem, "vfat");
  ASSERT_EQ(d.regions.size(), 4u);
  EXPECT_EQ(d.regions[0].what, "head");
  EXPECT_EQ(d.regions[0].length, 2048 * kSectorBytes);
  EXPECT_EQ(d.regions[1].mode, "raw");  // the BIOS boot partition has no filesystem
  EXPECT_EQ(d.regions[2].mode, "used-blocks");
  EXPECT_EQ(d.regions[3].mode, "used-blocks");
  EXPECT_FALSE(d.regions[3].fs_uuid.empty());
  // The ext4 root is 50 MiB with ~11 MiB of files: far from all of it is read.
  EXPECT_LT(d.regions[3].used_bytes, d.regions[3].length / 2);
  EXPECT_GT(d.regions[3].used_bytes, 11 * kMiB);
  EXPECT_TRUE(plan->mbr_boot_code);
  EXPECT_EQ(detect_boot_loader(std::span(&*plan, 1)), "grub-bios+grub-efi");
}

TEST_F(DiskSnapshotTest, DiskWithoutGptIsOneRawRegion) {
  const fs::path plain = dir_ / "plain.img";
  testutil::make_sparse_file(plain, 8 * kMiB);
  write_at(plain, 3 * kMiB, pattern(1000, 3));
  FileDisk disk(plain);
  auto plan = plan_disk_capture(disk.reader(), "vdc", 8 * kMiB, 4 * kMiB);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_FALSE(plan->disk.layout.gpt);
  ASSERT_EQ(plan->disk.regions.size(), 1u);
  EXPECT_EQ(plan->disk.regions[0].what, "head");
  EXPECT_EQ(plan->disk.regions[0].mode, "raw");
  EXPECT_EQ(plan->disk.regions[0].length, 8 * kMiB);
  MapSink sink;
  ASSERT_TRUE(capture_chunks(disk.reader(), *plan, sink, [](uint64_t) {}));
  ASSERT_EQ(plan->disk.chunks.size(), 1u);  // the other (all-zero) window is left out
  EXPECT_EQ(plan->disk.chunks[0].offset, 0u);
  EXPECT_EQ(detect_boot_loader(std::span(&*plan, 1)), "none");

  // Restored onto a larger disk of garbage: the same bytes, the skipped window zeroed, no table.
  make_garbage_target();
  MappedDisk mapped;
  mapped.target = "vdb";
  mapped.target_bytes = kTargetBytes;
  FileDisk target(tgt_);
  auto counts = restore_disk(plan->disk, mapped, source_of(sink), target.target(kTargetBytes),
                             [](uint64_t) {});
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_EQ(counts->zeroed, 4 * kMiB);
  EXPECT_EQ(read_at(tgt_, 0, 8 * kMiB), read_at(plain, 0, 8 * kMiB));
  EXPECT_EQ(read_at(tgt_, kTargetBytes - 34 * kSectorBytes, 34 * kSectorBytes),
            std::vector<uint8_t>(34 * kSectorBytes, 0));
}

TEST_F(DiskSnapshotTest, SecondCaptureOfTheSameDiskSendsNothing) {
  MapSink sink;
  const auto first = capture(sink);
  const size_t puts = sink.puts;
  EXPECT_GT(puts, 10u);
  EXPECT_EQ(sink.chunks.size(), puts);
  const auto second = capture(sink);
  EXPECT_EQ(sink.puts, puts);
  EXPECT_EQ(second.disks[0].chunks, first.disks[0].chunks);
  // Every chunk is a plain window of at most 1 MiB whose zstd frame holds its bytes.
  for (const auto& c : first.disks[0].chunks) {
    auto plain = fetch_chunk(source_of(sink), c);
    ASSERT_TRUE(plain) << plain.error().message;
    EXPECT_EQ(*plain, read_at(src_, c.offset, c.length));
  }
}

TEST_F(DiskSnapshotTest, RestoreOntoLargerGarbageDiskGivesTheSameSystem) {
  MapSink sink;
  const auto m = capture(sink);
  make_garbage_target();
  const MappedDisk mapped = mapped_onto_target(m);
  ASSERT_EQ(mapped.grown, 3u);
  ASSERT_TRUE(mapped.grow_filesystem);
  FileDisk target(tgt_);
  uint64_t progress = 0;
  auto counts = restore_disk(m.disks[0], mapped, source_of(sink), target.target(kTargetBytes),
                             [&](uint64_t n) { progress = n; });
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_EQ(progress, m.logical_bytes());
  EXPECT_GT(counts->zeroed, 0u);  // used blocks of zeros (the zero file, inode tables)

  // The table: same GUIDs, partition 3 grown to the target's end, backup at the target's end.
  const auto dump = nlohmann::json::parse(run("sfdisk --json " + tgt_.string()));
  const auto& table = dump["partitiontable"];
  EXPECT_EQ(table["id"], kDiskGuid);
  ASSERT_EQ(table["partitions"].size(), 3u);
  EXPECT_EQ(table["partitions"][2]["uuid"], kRootGuid);
  EXPECT_EQ(table["partitions"][2]["start"], kRootLba);
  const uint64_t grown_sectors = table["partitions"][2]["size"].get<uint64_t>();
  EXPECT_GT(grown_sectors, kRootSectors + 60000);
  EXPECT_NE(run("sfdisk --verify " + tgt_.string() + " 2>&1").find("No errors detected."),
            std::string::npos);
  // Boot code kept in front of a correct protective MBR.
  EXPECT_EQ(read_at(tgt_, 0, kMbrBootCodeBytes), pattern(kMbrBootCodeBytes, 7));
  const auto lba0 = read_at(tgt_, 0, kSectorBytes);
  EXPECT_EQ(lba0[446 + 4], 0xEE);
  EXPECT_EQ(lba0[510], 0x55);
  EXPECT_EQ(lba0[511], 0xAA);
  const uint32_t mbr_size =
      lba0[458] | lba0[459] << 8 | lba0[460] << 16 | uint32_t{lba0[461]} << 24;
  EXPECT_EQ(mbr_size, kTargetBytes / kSectorBytes - 1);
  // The raw BIOS boot partition is the source's, byte for byte (zeros included).
  EXPECT_EQ(read_at(tgt_, 2048 * kSectorBytes, kMiB), read_at(src_, 2048 * kSectorBytes, kMiB));

  // The root filesystem: clean, every file the same.
  EXPECT_EQ(std::system(("e2fsck -fn " + root_at(tgt_) + " >/dev/null 2>&1").c_str()), 0);
  for (const auto& [path, bytes] : files_) {
    const fs::path out = dir_ / "dumped";
    fs::remove(out);
    run("debugfs -R 'dump " + path + " " + out.string() + "' " + root_at(tgt_) + " 2>/dev/null");
    EXPECT_EQ(file_bytes(out), bytes) << path;
  }
  // The ESP: its file reads back the same.
  run("mcopy -i " + tgt_.string() + "@@" + std::to_string(kEspLba * kSectorBytes) +
      " ::/LOADER.EFI " + (dir_ / "loader.out").string());
  EXPECT_EQ(file_bytes(dir_ / "loader.out"), pattern(200 * 1024, 9));

  // resize2fs (what the agent runs after e2fsck -f -y) fills the grown partition.
  run("resize2fs " + root_at(tgt_) + " " + std::to_string(grown_sectors / 2) + "K 2>&1");
  const std::string super = run("dumpe2fs -h " + root_at(tgt_) + " 2>/dev/null");
  std::smatch count, size;
  ASSERT_TRUE(std::regex_search(super, count, std::regex("Block count: +([0-9]+)")));
  ASSERT_TRUE(std::regex_search(super, size, std::regex("Block size: +([0-9]+)")));
  EXPECT_EQ(std::stoull(count[1]) * std::stoull(size[1]), grown_sectors * kSectorBytes);
  EXPECT_EQ(std::system(("e2fsck -fn " + root_at(tgt_) + " >/dev/null 2>&1").c_str()), 0);
}

TEST_F(DiskSnapshotTest, DamagedFirstChunkRefusesAndWritesNothing) {
  MapSink sink;
  const auto m = capture(sink);
  make_garbage_target();
  const auto before = file_bytes(tgt_);
  const ChunkRef first = m.disks[0].chunks.front();
  sink.chunks[first.sha256] = *compress_chunk(pattern(first.length, 1234));
  FileDisk target(tgt_);
  int writes = 0;
  auto counts = restore_disk(m.disks[0], mapped_onto_target(m), source_of(sink),
                             target.target(kTargetBytes, &writes), [](uint64_t) {});
  ASSERT_FALSE(counts);
  EXPECT_NE(counts.error().message.find("chunk " + first.sha256), std::string::npos)
      << counts.error().message;
  EXPECT_EQ(writes, 0);
  EXPECT_EQ(file_bytes(tgt_), before);
}

TEST_F(DiskSnapshotTest, DamagedLaterChunkStopsBeforeItsBytesAndWipesTheTables) {
  MapSink sink;
  const auto m = capture(sink);
  make_garbage_target();
  const auto& chunks = m.disks[0].chunks;
  const ChunkRef bad = chunks[chunks.size() / 2];
  const auto wrong = pattern(bad.length, 4321);
  sink.chunks[bad.sha256] = *compress_chunk(wrong);
  const auto garbage_there = read_at(tgt_, bad.offset, bad.length);
  FileDisk target(tgt_);
  auto counts = restore_disk(m.disks[0], mapped_onto_target(m), source_of(sink),
                             target.target(kTargetBytes), [](uint64_t) {});
  ASSERT_FALSE(counts);
  EXPECT_NE(counts.error().message.find("chunk " + bad.sha256 + " is damaged"), std::string::npos)
      << counts.error().message;
  EXPECT_EQ(read_at(tgt_, bad.offset, bad.length), garbage_there);
  // No partition table at either end: the half-restored disk does not boot.
  EXPECT_EQ(read_at(tgt_, 0, 34 * kSectorBytes), std::vector<uint8_t>(34 * kSectorBytes, 0));
  EXPECT_EQ(read_at(tgt_, kTargetBytes - 34 * kSectorBytes, 34 * kSectorBytes),
            std::vector<uint8_t>(34 * kSectorBytes, 0));
}

TEST_F(DiskSnapshotTest, ChunkThatDoesNotDecompressOrIsMissingIsNamed) {
  const ChunkRef ref{0, 4096, std::string(64, 'a')};
  auto missing = fetch_chunk(
      [](const std::string&) -> Result<std::vector<uint8_t>> { return Error{"HTTP 404"}; }, ref);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "chunk " + ref.sha256 + ": HTTP 404");
  auto garbage = fetch_chunk(
      [](const std::string&) -> Result<std::vector<uint8_t>> {
        return std::vector<uint8_t>{1, 2, 3};
      },
      ref);
  ASSERT_FALSE(garbage);
  EXPECT_NE(garbage.error().message.find("does not decompress"), std::string::npos);
  // A frame holding more than the manifest says is refused, not written past the chunk.
  auto longer = fetch_chunk(
      [](const std::string&) -> Result<std::vector<uint8_t>> {
        return *compress_chunk(std::vector<uint8_t>(8192, 1));
      },
      ref);
  ASSERT_FALSE(longer);
}

TEST_F(DiskSnapshotTest, TableThatCannotBeWrittenRefusesBeforeWriting) {
  MapSink sink;
  auto m = capture(sink);
  make_garbage_target();
  MappedDisk mapped = mapped_onto_target(m);
  mapped.partitions[0].unique = "";  // a created partition left without a GUID
  FileDisk target(tgt_);
  int writes = 0;
  auto counts = restore_disk(m.disks[0], mapped, source_of(sink),
                             target.target(kTargetBytes, &writes), [](uint64_t) {});
  ASSERT_FALSE(counts);
  EXPECT_EQ(writes, 0);
}

TEST(UncoveredTest, GapsBetweenChunks) {
  const std::vector<ChunkRef> chunks = {{100, 50, ""}, {200, 100, ""}, {300, 10, ""}};
  EXPECT_EQ(uncovered(chunks, {0, 400}), (std::vector<ByteRange>{{0, 100}, {150, 50}, {310, 90}}));
  EXPECT_EQ(uncovered(chunks, {120, 100}), (std::vector<ByteRange>{{150, 50}}));
  EXPECT_TRUE(uncovered(chunks, {200, 110}).empty());
  EXPECT_EQ(uncovered({}, {5, 6}), (std::vector<ByteRange>{{5, 6}}));
}

}  // namespace
}  // namespace slipway::imaging::agent
