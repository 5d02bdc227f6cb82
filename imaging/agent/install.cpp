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

#include "common/unique_fd.h"
#include "imaging/agent/appliance_client.h"
#include "imaging/agent/disk_io.h"
#include "imaging/agent/gpt.h"
#include "imaging/agent/http_get.h"
#include "imaging/agent/http_post.h"
#include "imaging/agent/image_writer.h"
#include "imaging/agent/install_plan.h"
#include "imaging/agent/tarball_deploy.h"

namespace slipway::imaging::agent {

using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kIdle = std::chrono::seconds(60);

using Reporter = ProgressReporter;

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
  report.send("writing", 0, plan.image.size, "unpacking onto " + disk.name);
  auto done = deploy_tarball(s, plan, disk, fd, [&](uint64_t received) {
    report.every_so_often("writing", received, plan.image.size,
                          rate(received, Clock::now() - start));
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
  Reporter report(s, "/api/v1/agent/install/progress");
  auto fail = [&](const std::string& why) { return report.fail("install", why); };

  auto plan_text = get_text_retrying(s, "/api/v1/agent/install?mac=" + s.mac.to_string(),
                                     kMaxPlanBytes, "install plan");
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
  report.send("writing", 0, plan->image.size, "to " + device);
  const HttpGet image_get{s.appliance.ip, s.appliance.port, s.appliance.target(plan->image.path),
                          s.secret};
  auto got =
      http_get(image_get, kIdle, plan->image.size, [&](std::span<const uint8_t> piece) -> Status {
        if (auto st2 = writer.feed(piece); !st2) return st2;
        report.every_so_often("writing", writer.received(), plan->image.size,
                              rate(writer.received(), Clock::now() - start));
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
