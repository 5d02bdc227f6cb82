#include "imaging/agent/install.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/unique_fd.h"
#include "imaging/agent/disk_io.h"
#include "imaging/agent/gpt.h"
#include "imaging/agent/http_get.h"
#include "imaging/agent/http_post.h"
#include "imaging/agent/image_writer.h"
#include "imaging/agent/install_plan.h"
#include "imaging/agent/tarball_deploy.h"

namespace slipway::imaging::agent {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kIdle = std::chrono::seconds(60);
constexpr auto kProgressEvery = std::chrono::seconds(2);

std::string read_line(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  return line;
}

std::vector<DiskInfo> read_disks(const std::string& sys_root) {
  std::vector<DiskInfo> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(sys_root) / "block", ec)) {
    DiskInfo d;
    d.name = entry.path().filename().string();
    d.size_bytes = std::strtoull(read_line(entry.path() / "size").c_str(), nullptr, 10) * 512;
    d.removable = read_line(entry.path() / "removable") == "1";
    d.read_only = read_line(entry.path() / "ro") == "1";
    out.push_back(d);
  }
  return out;
}

class Reporter {
 public:
  explicit Reporter(const InstallSettings& s) : s_(s) {}
  // Best effort while writing (a lost progress line is no failure); the final report retries.
  bool send(const std::string& stage, uint64_t done, uint64_t total, const std::string& message,
            int attempts = 1) {
    json body = {{"mac", s_.mac.to_string()},
                 {"stage", stage},
                 {"bytes_done", done},
                 {"bytes_total", total},
                 {"message", message.substr(0, 1000)}};
    HttpPost post{s_.appliance.ip, s_.appliance.port,
                  s_.appliance.target("/api/v1/agent/install/progress"), "application/json",
                  body.dump()};
    for (int i = 0; i < attempts; ++i) {
      auto reply = http_post(post, std::chrono::seconds(10));
      if (reply && reply->status / 100 == 2) return true;
      if (i + 1 < attempts) std::this_thread::sleep_for(std::chrono::seconds(2));
      if (i + 1 == attempts) {
        s_.say("progress report not delivered: " +
               (reply ? "HTTP " + std::to_string(reply->status) + " " + reply->body
                      : reply.error().message));
      }
    }
    return false;
  }

 private:
  const InstallSettings& s_;
};

// Reads the primary GPT and moves its backup to the disk's end; returns the table.
Result<GptTable> fix_gpt(int fd, uint64_t disk_bytes) {
  std::vector<uint8_t> head(kSectorBytes);
  if (auto s = pread_all(fd, head.data(), head.size(), kSectorBytes); !s) return s.error();
  size_t need = gpt_bytes_needed(head);
  if (need == 0) return Error{"the written image has no GPT at LBA 1"};
  std::vector<uint8_t> bytes(need);
  if (auto s = pread_all(fd, bytes.data(), bytes.size(), kSectorBytes); !s) return s.error();
  auto table = parse_gpt(bytes);
  if (!table) return table.error();
  auto rewrite = relocate_backup(*table, disk_bytes / kSectorBytes);
  if (!rewrite) return rewrite.error();
  if (auto s = pwrite_all(fd, rewrite->backup_entries, rewrite->backup_entries_lba * kSectorBytes);
      !s) {
    return s.error();
  }
  if (auto s = pwrite_all(fd, rewrite->backup_header, disk_bytes - kSectorBytes); !s) {
    return s.error();
  }
  if (auto s = pwrite_all(fd, rewrite->primary_header, kSectorBytes); !s) return s.error();
  std::vector<uint8_t> lba0(kSectorBytes);
  if (auto s = pread_all(fd, lba0.data(), lba0.size(), 0); !s) return s.error();
  if (auto mbr = resize_protective_mbr(lba0, disk_bytes / kSectorBytes)) {
    if (auto s = pwrite_all(fd, *mbr, 0); !s) return s.error();
  }
  fsync(fd);
  return table;
}

std::string rate(uint64_t bytes, Clock::duration d) {
  double s = std::chrono::duration<double>(d).count();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f MB/s", s > 0 ? bytes / s / 1e6 : 0.0);
  return buf;
}

Status write_plan_files(const InstallSettings& s, const InstallPlan& plan,
                        const std::string& root_dev) {
  auto w = write_files(s.mount_dir, plan.files);
  ::sync();
  if (::umount(s.mount_dir.c_str()) != 0) {
    s.say(std::string("warning: umount: ") + std::strerror(errno));
  }
  if (!w) return w;
  s.say("wrote " + std::to_string(plan.files.size()) + " files onto " + root_dev);
  return {};
}

int install_tarball(const InstallSettings& s, const InstallPlan& plan, const DiskInfo& disk, int fd,
                    Reporter& report, const std::function<int(const std::string&)>& fail) {
  const auto start = Clock::now();
  auto last_report = start;
  report.send("writing", 0, plan.image.size, "unpacking onto " + disk.name);
  auto done = deploy_tarball(s, plan, disk, fd, [&](uint64_t received) {
    if (Clock::now() - last_report < kProgressEvery) return;
    last_report = Clock::now();
    report.send("writing", received, plan.image.size, rate(received, last_report - start));
  });
  if (!done) return fail(done.error().message);
  if (auto w = write_plan_files(s, plan, done->root_device); !w) {
    wipe_tables(fd, disk.size_bytes);
    return fail(w.error().message);
  }
  ::sync();
  const auto took = Clock::now() - start;
  const std::string summary = "tarball: " + std::to_string(done->received) + " bytes in " +
                              std::to_string(std::chrono::duration<double>(took).count()) + " s (" +
                              rate(done->received, took) + "), sha256 " + done->sha256;
  if (!report.send("written", done->received, plan.image.size, summary, 10)) {
    return fail("the appliance did not take the 'written' report");
  }
  s.say("install done: " + summary);
  return 0;
}

}  // namespace

int run_install(const InstallSettings& s) {
  Reporter report(s);
  auto fail = [&](const std::string& why) {
    s.say("install failed: " + why);
    report.send("failed", 0, 0, why, 5);
    return 1;
  };

  const HttpGet plan_get{s.appliance.ip, s.appliance.port,
                         s.appliance.target("/api/v1/agent/install?mac=" + s.mac.to_string())};
  Result<std::string> plan_text = Error{"not asked"};
  for (int attempt = 0; attempt < 10; ++attempt) {
    plan_text = http_get_text(plan_get, std::chrono::seconds(10), kMaxPlanBytes);
    if (plan_text) break;
    s.say("install plan: " + plan_text.error().message + " (retrying)");
    std::this_thread::sleep_for(std::chrono::seconds(3));
  }
  if (!plan_text) return fail("no install plan: " + plan_text.error().message);
  auto plan = parse_install_plan(*plan_text);
  if (!plan) return fail(plan.error().message);
  s.say("install plan: machine=" + plan->machine + " profile=" + plan->profile +
        " image=" + plan->image.name + " (" + plan->image.format + ", " +
        std::to_string(plan->image.size) + " bytes)");

  auto disk = pick_install_disk(read_disks(s.sys_root));
  if (!disk) return fail("no disk to install on (no fixed, writable disk in /sys/block)");
  const std::string device = s.dev_root + "/" + disk->name;
  s.say("target disk " + device + " (" + std::to_string(disk->size_bytes) + " bytes)");
  UniqueFd fd(::open(device.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.valid()) return fail("cannot open " + device + ": " + std::strerror(errno));
  struct stat st {};
  ::fstat(fd.get(), &st);
  if (plan->is_tarball()) return install_tarball(s, *plan, *disk, fd.get(), report, fail);

  ImageWriter writer(fd.get(), plan->image.format == "raw.zst", S_ISBLK(st.st_mode),
                     disk->size_bytes);
  const auto start = Clock::now();
  auto last_report = start;
  report.send("writing", 0, plan->image.size, "to " + device);
  const HttpGet image_get{s.appliance.ip, s.appliance.port, s.appliance.target(plan->image.path)};
  auto got =
      http_get(image_get, kIdle, plan->image.size, [&](std::span<const uint8_t> piece) -> Status {
        if (auto st2 = writer.feed(piece); !st2) return st2;
        if (Clock::now() - last_report >= kProgressEvery) {
          last_report = Clock::now();
          report.send("writing", writer.received(), plan->image.size,
                      rate(writer.received(), last_report - start));
        }
        return {};
      });
  if (!got) {
    wipe_tables(fd.get(), disk->size_bytes);
    return fail("writing the image: " + got.error().message);
  }
  auto digest = writer.finish();
  if (!digest) {
    wipe_tables(fd.get(), disk->size_bytes);
    return fail(digest.error().message);
  }
  if (*digest != plan->image.sha256) {
    wipe_tables(fd.get(), disk->size_bytes);
    return fail("the image's SHA-256 is " + *digest + ", not " + plan->image.sha256 +
                ": the disk's partition tables were wiped again");
  }
  const auto wrote = Clock::now() - start;
  s.say("image written: " + std::to_string(writer.received()) + " bytes received, " +
        std::to_string(writer.written()) + " disk bytes (" + std::to_string(writer.zeroed()) +
        " zeroed) in " + std::to_string(std::chrono::duration<double>(wrote).count()) +
        " s, sha256 ok");

  auto table = fix_gpt(fd.get(), disk->size_bytes);
  if (!table) return fail(table.error().message);
  if (::ioctl(fd.get(), BLKRRPART) != 0) {
    s.say(std::string("warning: BLKRRPART: ") + std::strerror(errno));
  }
  const GptPartition* root = nullptr;
  for (const auto& p : table->partitions) {
    if (p.type == linux_root_x86_64_type()) root = &p;
  }
  if (!root) return fail("the image has no partition of type Linux root (x86-64)");
  const std::string root_dev = s.dev_root + "/" + partition_device_name(disk->name, root->number);
  if (!plan->files.empty()) {
    if (auto m = mount_fs(root_dev, s.mount_dir, {"ext4", "xfs", "btrfs"}, s.say); !m) {
      return fail(m.error().message);
    }
    if (auto w = write_plan_files(s, *plan, root_dev); !w) return fail(w.error().message);
  }
  ::sync();
  const std::string summary = std::to_string(writer.received()) + " bytes in " +
                              std::to_string(std::chrono::duration<double>(wrote).count()) +
                              " s (" + rate(writer.received(), wrote) + "), sha256 " + *digest;
  if (!report.send("written", writer.received(), plan->image.size, summary, 10)) {
    return fail("the appliance did not take the 'written' report");
  }
  s.say("install done: " + summary);
  return 0;
}

}  // namespace slipway::imaging::agent
