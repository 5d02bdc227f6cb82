#include "imaging/agent/restore.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/unique_fd.h"
#include "imaging/agent/appliance_client.h"
#include "imaging/agent/boot_kit.h"
#include "imaging/agent/disk_io.h"
#include "imaging/agent/disk_restore.h"
#include "imaging/agent/gpt.h"
#include "imaging/agent/grub_cfg.h"
#include "imaging/agent/http_get.h"
#include "imaging/agent/network_fixup.h"
#include "imaging/agent/restore_order.h"
#include "imaging/agent/run_command.h"

namespace slipway::imaging::agent {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct OpenTarget {
  std::string name;
  uint64_t size_bytes = 0;
  UniqueFd fd;
};

RestoreTarget restore_target(const OpenTarget& t) {
  const int fd = t.fd.get();
  return RestoreTarget{
      t.size_bytes,
      [fd](uint64_t offset, std::span<uint8_t> out) {
        return pread_all(fd, out.data(), out.size(), offset);
      },
      [fd](uint64_t offset, std::span<const uint8_t> bytes) {
        return pwrite_all(fd, bytes, offset);
      },
      [fd](uint64_t offset, uint64_t length) { return zero_range(fd, offset, length); },
  };
}

ChunkSource appliance_chunks(const AgentSettings& s) {
  return [&s](const std::string& sha256) -> Result<std::vector<uint8_t>> {
    const HttpGet get{s.appliance.ip, s.appliance.port,
                      s.appliance.target("/api/v1/agent/chunks/" + sha256), s.secret};
    Result<std::string> body = Error{"not asked"};
    for (int attempt = 0; attempt < 3 && !body; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::seconds(2));
      body = http_get_text(get, std::chrono::seconds(60), ZSTD_compressBound(kMaxChunkBytes));
    }
    if (!body) return body.error();
    return std::vector<uint8_t>(body->begin(), body->end());
  };
}

// Partitions the plan made for a boot loader get a fresh GUID.
Status give_new_partitions_guids(LayoutPlan& plan) {
  for (auto& d : plan.disks) {
    for (auto& p : d.partitions) {
      if (!p.unique.empty()) continue;
      auto bytes = random_v4();
      if (!bytes) return bytes.error();
      Guid g;
      g.bytes = *bytes;
      p.unique = g.to_string();
    }
  }
  return {};
}

std::string device_of(const AgentSettings& s, const std::string& disk, uint32_t number) {
  return s.dev_root + "/" + partition_device_name(disk, number);
}

Status grow_filesystem(const AgentSettings& s, const std::string& device) {
  if (!wait_for_device(device)) return Error{device + " did not appear after the table re-read"};
  auto fsck = run_command_exit({"e2fsck", "-f", "-y", device});
  if (!fsck) return fsck.error();
  if (*fsck > 1) {
    return Error{"e2fsck -f -y " + device + " exited with status " + std::to_string(*fsck) +
                 ": the filesystem is not grown"};
  }
  if (auto r = run_command({"resize2fs", device}); !r) return r;
  s.say("grew the filesystem on " + device);
  return {};
}

// The partition the root filesystem is on: the first ext filesystem holding /etc/fstab, left
// mounted read-write on settings.mount_dir. nullopt (nothing mounted) when there is none.
std::optional<std::pair<const MappedDisk*, PartitionLayout>> mount_root(const AgentSettings& s,
                                                                        const LayoutPlan& plan) {
  for (const auto& d : plan.disks) {
    for (const auto& p : d.partitions) {
      if (!p.filesystem.starts_with("ext")) continue;
      const std::string dev = device_of(s, d.target, p.number);
      if (!mount_fs(dev, s.mount_dir, {"ext4"}, s.say)) continue;
      if (fs::exists(fs::path(s.mount_dir) / "etc/fstab")) return std::pair{&d, p};
      ::umount(s.mount_dir.c_str());
    }
  }
  return std::nullopt;
}

const PartitionLayout* find_type(const MappedDisk& d, const char* type) {
  for (const auto& p : d.partitions) {
    if (p.type == type) return &p;
  }
  return nullptr;
}

// The boot kit's loader for this machine's firmware, and /boot/slipway/grub.cfg for it.
Status install_loader(const AgentSettings& s, const RestoreOrder& order, const LayoutPlan& plan,
                      const std::vector<OpenTarget>& targets, const std::string& root_uuid) {
  const MappedDisk& boot = plan.disks.front();
  BootKit kit = *order.boot_kit;
  // The restored system boots with the arguments it had (its serial console, say).
  if (kit.kernel_args.empty()) {
    std::ifstream in(fs::path(s.mount_dir) / "boot/grub/grub.cfg");
    std::stringstream text;
    text << in.rdbuf();
    kit.kernel_args = kernel_args_of_grub_cfg(text.str());
  }
  auto cfg = write_slipway_grub_cfg(s.mount_dir, root_uuid, kit, "snapshot " + order.snapshot);
  if (!cfg) return cfg.error();
  if (plan.install_loader == "bios") {
    const PartitionLayout* bios = find_type(boot, kBiosBootType);
    if (!bios) return Error{"the plan has no BIOS boot partition on " + boot.target};
    for (const auto& t : targets) {
      if (t.name != boot.target) continue;
      GptPartition part;
      part.number = bios->number;
      part.first_lba = bios->first_lba;
      part.last_lba = bios->last_lba;
      return install_bios_loader(s, kit, t.fd.get(), part);
    }
    return Error{"the boot disk " + boot.target + " is not open"};
  }
  const PartitionLayout* esp = find_type(boot, kEfiSystemType);
  if (!esp) return Error{"the plan has no EFI system partition on " + boot.target};
  const std::string esp_dev = device_of(s, boot.target, esp->number);
  if (boot.created == esp->number) {
    if (!wait_for_device(esp_dev)) return Error{esp_dev + " did not appear"};
    if (auto r = run_command({"mkfs.fat", "-F", "32", "-n", "ESP", esp_dev}); !r) return r;
  }
  return install_efi_loader(s, kit, esp_dev);
}

std::string fs_uuid_of(const CapturedDisk& disk, uint32_t number) {
  for (const auto& r : disk.regions) {
    if (r.what == "partition " + std::to_string(number)) return r.fs_uuid;
  }
  return "";
}

// Steps 3 and 4 of restore.h.
Status finish_system(const AgentSettings& s, const RestoreOrder& order, const LayoutPlan& plan,
                     const std::vector<OpenTarget>& targets) {
  for (const auto& d : plan.disks) {
    if (d.grown && d.grow_filesystem) {
      if (auto r = grow_filesystem(s, device_of(s, d.target, *d.grown)); !r) return r;
    }
  }
  auto root = mount_root(s, plan);
  if (!root) {
    if (!plan.install_loader.empty()) {
      return Error{"restoring a " + order.manifest.firmware + " snapshot onto a " +
                   plan.install_loader +
                   " machine needs the root filesystem (an ext filesystem with /etc/fstab) for "
                   "/boot/slipway/grub.cfg; none was found"};
    }
    s.say("warning: no ext filesystem with /etc/fstab: network settings left as they are");
    return {};
  }
  Status done;
  auto changed = fix_network_macs(s.mount_dir, order.captured_macs, order.boot_mac);
  if (!changed) done = changed.error();
  for (const auto& f : changed ? *changed : std::vector<std::string>{}) {
    s.say("network fix-up: /" + f + " now names " + order.boot_mac.to_string());
  }
  if (done && !plan.install_loader.empty()) {
    const std::string uuid =
        fs_uuid_of(order.manifest.disks[root->first->source], root->second.number);
    done = install_loader(s, order, plan, targets, uuid);
    if (done) s.say("installed the " + plan.install_loader + " boot loader from the boot kit");
  }
  ::sync();
  if (::umount(s.mount_dir.c_str()) != 0) {
    s.say(std::string("warning: umount: ") + std::strerror(errno));
  }
  return done;
}

Result<std::vector<OpenTarget>> open_targets(const AgentSettings& s, const LayoutPlan& plan) {
  std::vector<OpenTarget> out;
  for (const auto& d : plan.disks) {
    const std::string device = s.dev_root + "/" + d.target;
    UniqueFd fd(::open(device.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd.valid()) return Error{"cannot open " + device + ": " + std::strerror(errno)};
    out.push_back({d.target, d.target_bytes, std::move(fd)});
  }
  return out;
}

}  // namespace

int run_restore(const AgentSettings& s) {
  ProgressReporter report(s, "/api/v1/agent/restore/progress");
  auto fail = [&](const std::string& why) { return report.fail("restore", why); };
  auto text = get_text_retrying(s, "/api/v1/agent/restore?mac=" + s.mac.to_string(),
                                kMaxRestoreOrderBytes, "restore order");
  if (!text) return fail("no restore order: " + text.error().message);
  auto order = parse_restore_order(*text);
  if (!order) return fail(order.error().message);

  std::vector<TargetDisk> disks;
  for (const auto& d : fixed_disks(read_disks(s.sys_root))) disks.push_back({d.name, d.size_bytes});
  const std::string firmware = fs::exists(fs::path(s.sys_root) / "firmware/efi") ? "uefi" : "bios";
  auto plan = plan_layout(disk_layouts(order->manifest), order->manifest.firmware, disks, firmware);
  if (!plan) return fail(plan.error().message);
  for (const auto& note : plan->notes) s.say("plan: " + note);
  // A snapshot that carries a loader for this firmware mode keeps it (and its configuration).
  if (!plan->install_loader.empty() &&
      order->manifest.boot_loader.find(plan->install_loader == "uefi" ? "grub-efi" : "grub-bios") !=
          std::string::npos) {
    s.say("plan: the snapshot has its own " + plan->install_loader + " boot loader (" +
          order->manifest.boot_loader + "): kept");
    plan->install_loader.clear();
  }
  if (!plan->install_loader.empty() && !order->boot_kit) {
    return fail("restoring a " + order->manifest.firmware + " snapshot onto a " + firmware +
                " machine needs the appliance's boot kit, and the restore order has none");
  }
  if (auto r = give_new_partitions_guids(*plan); !r) return fail(r.error().message);
  auto targets = open_targets(s, *plan);
  if (!targets) return fail(targets.error().message);

  const uint64_t total = order->manifest.logical_bytes();
  const auto start = Clock::now();
  uint64_t done_before = 0;
  auto wipe_all = [&] {
    for (const auto& t : *targets) wipe_tables(t.fd.get(), t.size_bytes);
  };
  report.send("writing", 0, total, "snapshot " + order->snapshot);
  for (size_t i = 0; i < plan->disks.size(); ++i) {
    const MappedDisk& m = plan->disks[i];
    const CapturedDisk& disk = order->manifest.disks[m.source];
    auto counts = restore_disk(
        disk, m, appliance_chunks(s), restore_target((*targets)[i]), [&](uint64_t written) {
          report.every_so_often("writing", done_before + written, total,
                                rate(done_before + written, Clock::now() - start));
        });
    if (!counts) {
      if (i > 0) wipe_all();  // restore_disk wiped the one it was writing
      return fail(disk.layout.name + " -> " + m.target + ": " + counts.error().message);
    }
    done_before += counts->chunk_bytes;
    s.say("restored " + disk.layout.name + " onto " + m.target + ": " +
          std::to_string(counts->chunk_bytes) + " bytes written, " +
          std::to_string(counts->zeroed) + " zeroed");
  }
  for (const auto& t : *targets) {
    ::fsync(t.fd.get());
    if (::ioctl(t.fd.get(), BLKRRPART) != 0) {
      s.say("warning: BLKRRPART " + t.name + ": " + std::strerror(errno));
    }
  }
  if (auto r = finish_system(s, *order, *plan, *targets); !r) {
    wipe_all();
    return fail(r.error().message);
  }
  for (const auto& t : *targets) ::fsync(t.fd.get());
  const std::string summary = "snapshot " + order->snapshot + ": " + std::to_string(total) +
                              " bytes (" + rate(total, Clock::now() - start) + ")";
  if (!report.send("written", total, total, summary, 10)) {
    return fail("the appliance did not take the 'written' report");
  }
  s.say("restore done: " + summary);
  return 0;
}

}  // namespace slipway::imaging::agent
