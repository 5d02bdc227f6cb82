#include "imaging/agent/capture.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/unique_fd.h"
#include "imaging/agent/appliance_client.h"
#include "imaging/agent/disk_capture.h"
#include "imaging/agent/disk_io.h"
#include "imaging/agent/gpt.h"
#include "imaging/agent/install_plan.h"

namespace slipway::imaging::agent {

namespace fs = std::filesystem;
using boost::beast::http::verb;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kMaxOrderBytes = 64 * 1024;
constexpr auto kChunkTimeout = std::chrono::seconds(120);

struct CaptureOrder {
  std::string snapshot;
  uint64_t chunk_bytes = 0;
};

Result<CaptureOrder> parse_order(const std::string& text) {
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object() || !doc.contains("snapshot") || !doc["snapshot"].is_string() ||
      !doc.contains("chunk_bytes") || !doc["chunk_bytes"].is_number_unsigned()) {
    return Error{"the capture order is not {\"snapshot\": NAME, \"chunk_bytes\": N}"};
  }
  CaptureOrder order{doc["snapshot"].get<std::string>(), doc["chunk_bytes"].get<uint64_t>()};
  if (order.snapshot.empty() || order.snapshot.find_first_of("/?#% ") != std::string::npos) {
    return Error{"the capture order names the snapshot '" + order.snapshot + "'"};
  }
  return order;
}

std::string reply_text(const Result<HttpReply>& reply) {
  return reply ? "HTTP " + std::to_string(reply->status) + " " + reply->body.substr(0, 300)
               : reply.error().message;
}

// The appliance as the capture's chunk sink.
class ApplianceSink : public ChunkSink {
 public:
  ApplianceSink(const AgentSettings& s, const std::string& snapshot)
      : s_(s), base_("/api/v1/agent/snapshots/" + snapshot) {}

  Result<std::vector<std::string>> missing(const std::vector<std::string>& sha256) override {
    auto reply = send_to_appliance(s_, base_ + "/missing", verb::post, "application/json",
                                   json{{"sha256", sha256}}.dump(), std::chrono::seconds(30), 5);
    if (!reply || reply->status != 200)
      return Error{"asking for missing chunks: " + reply_text(reply)};
    json doc = json::parse(reply->body, nullptr, false);
    if (!doc.is_object() || !doc.contains("missing") || !doc["missing"].is_array()) {
      return Error{"the appliance's answer about missing chunks is not {\"missing\": [...]}"};
    }
    std::vector<std::string> out;
    for (const auto& d : doc["missing"]) {
      if (d.is_string()) out.push_back(d.get<std::string>());
    }
    return out;
  }

  Status put(const std::string& sha256, std::span<const uint8_t> zstd_frame) override {
    auto reply =
        send_to_appliance(s_, base_ + "/chunks/" + sha256, verb::put, "application/zstd",
                          std::string(zstd_frame.begin(), zstd_frame.end()), kChunkTimeout, 5);
    if (!reply || reply->status / 100 != 2) {
      return Error{"sending chunk " + sha256 + ": " + reply_text(reply)};
    }
    sent_bytes_ += zstd_frame.size();
    return {};
  }
  uint64_t sent_bytes() const { return sent_bytes_; }

 private:
  const AgentSettings& s_;
  std::string base_;
  uint64_t sent_bytes_ = 0;
};

struct OpenDisk {
  DiskInfo info;
  UniqueFd fd;
  ReadAt read;
};

Result<std::vector<OpenDisk>> open_disks(const AgentSettings& s) {
  std::vector<OpenDisk> out;
  for (const auto& d : fixed_disks(read_disks(s.sys_root))) {
    const std::string device = s.dev_root + "/" + d.name;
    UniqueFd fd(::open(device.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return Error{"cannot open " + device + ": " + std::strerror(errno)};
    const int raw = fd.get();
    ReadAt read = [raw](uint64_t offset, std::span<uint8_t> out) {
      return pread_all(raw, out.data(), out.size(), offset);
    };
    out.push_back({d, std::move(fd), std::move(read)});
  }
  if (out.empty()) return Error{"no disk to capture (no fixed disk in /sys/block)"};
  return out;
}

// The disks with a boot loader first (plan_layout() takes the first as the boot disk).
void boot_disk_first(std::vector<DiskCapture>& captures) {
  std::stable_partition(captures.begin(), captures.end(), [](const DiskCapture& c) {
    return detect_boot_loader(std::span(&c, 1)) != "none";
  });
}

// /etc/hostname of the first ext filesystem that has one, mounted read-only without replaying
// its journal; "" when none does.
std::string captured_hostname(const AgentSettings& s, const std::vector<DiskCapture>& captures) {
  const std::string dir = s.mount_dir + ".capture";
  for (const auto& c : captures) {
    for (const auto& p : c.disk.layout.partitions) {
      if (!p.filesystem.starts_with("ext")) continue;
      const std::string dev =
          s.dev_root + "/" + partition_device_name(c.disk.layout.name, p.number);
      if (!mount_fs(dev, dir, {"ext4"}, s.say, MS_RDONLY, "noload")) continue;
      std::string name;
      std::getline(std::ifstream(fs::path(dir) / "etc/hostname"), name);  // closed before umount
      if (::umount(dir.c_str()) != 0) {
        s.say("warning: umount " + dir + ": " + std::strerror(errno));
      }
      name.erase(
          std::remove_if(name.begin(), name.end(), [](char ch) { return ch < 0x21 || ch > 0x7e; }),
          name.end());
      if (!name.empty()) return name.substr(0, 253);
    }
  }
  return "";
}

}  // namespace

int run_capture(const AgentSettings& s) {
  auto order_text = get_text_retrying(s, "/api/v1/agent/capture?mac=" + s.mac.to_string(),
                                      kMaxOrderBytes, "capture order");
  if (!order_text) {
    s.say("capture failed: no capture order: " + order_text.error().message);
    return 1;
  }
  auto order = parse_order(*order_text);
  if (!order) {
    s.say("capture failed: " + order.error().message);
    return 1;
  }
  const std::string base = "/api/v1/agent/snapshots/" + order->snapshot;
  ProgressReporter report(s, base + "/progress");
  auto fail = [&](const std::string& why) { return report.fail("capture", why); };

  auto disks = open_disks(s);
  if (!disks) return fail(disks.error().message);
  std::vector<DiskCapture> captures;
  uint64_t total = 0;
  for (auto& d : *disks) {
    auto c = plan_disk_capture(d.read, d.info.name, d.info.size_bytes, order->chunk_bytes);
    if (!c) return fail(d.info.name + ": " + c.error().message);
    s.say("disk " + d.info.name + ": " + std::to_string(c->disk.regions.size()) + " regions, " +
          std::to_string(c->bytes_to_read) + " bytes to read");
    total += c->bytes_to_read;
    captures.push_back(std::move(*c));
  }

  const auto start = Clock::now();
  ApplianceSink sink(s, order->snapshot);
  uint64_t done_before = 0;
  report.send("reading", 0, total, "capturing " + std::to_string(captures.size()) + " disks");
  for (size_t i = 0; i < captures.size(); ++i) {
    auto st = capture_chunks((*disks)[i].read, captures[i], sink, [&](uint64_t read) {
      report.every_so_often("reading", done_before + read, total,
                            rate(done_before + read, Clock::now() - start));
    });
    if (!st) return fail(captures[i].disk.layout.name + ": " + st.error().message);
    done_before += captures[i].bytes_to_read;
    captures[i].windows = {};  // read: only the manifest's part is kept
  }

  SnapshotManifest m;
  m.name = order->snapshot;
  m.firmware = fs::exists(fs::path(s.sys_root) / "firmware/efi") ? "uefi" : "bios";
  m.boot_loader = detect_boot_loader(captures);
  m.hostname = captured_hostname(s, captures);
  boot_disk_first(captures);
  for (auto& c : captures) m.disks.push_back(std::move(c.disk));
  auto reply = send_to_appliance(s, base + "/complete", verb::post, "application/json",
                                 to_json(m).dump(), std::chrono::seconds(60), 5);
  if (!reply || reply->status != 200) return fail("completing the snapshot: " + reply_text(reply));
  s.say("capture done: " + std::to_string(m.chunk_count()) + " chunks, " +
        std::to_string(m.logical_bytes()) + " bytes, " + std::to_string(sink.sent_bytes()) +
        " bytes sent (" + rate(total, Clock::now() - start) + "), boot loader " + m.boot_loader +
        ", hostname '" + m.hostname + "'");
  return 0;
}

}  // namespace slipway::imaging::agent
