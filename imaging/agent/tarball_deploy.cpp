#include "imaging/agent/tarball_deploy.h"

#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/uuid.h"
#include "imaging/agent/boot_kit.h"
#include "imaging/agent/disk_io.h"
#include "imaging/agent/disk_layout.h"
#include "imaging/agent/http_get.h"
#include "imaging/agent/run_command.h"
#include "imaging/agent/stored_stream.h"

namespace slipway::imaging::agent {

namespace fs = std::filesystem;

namespace {

constexpr auto kIdle = std::chrono::seconds(60);

// Hashes what arrives (as stored), undoes zstd when asked, and hands the tar stream to tar.
class TarFeeder {
 public:
  TarFeeder(PipedChild tar, bool zstd) : tar_(std::move(tar)), stream_(zstd) {}

  Status feed(std::span<const uint8_t> data) {
    return stream_.feed(data, [this](std::span<const uint8_t> tar_bytes) {
      return tar_.write(tar_bytes.data(), tar_bytes.size());
    });
  }
  // Ends tar's input and waits for it; the SHA-256 of everything fed.
  Result<std::string> finish() {
    auto tar_status = tar_.finish();
    if (auto s = stream_.check_complete(); !s) return s.error();
    if (!tar_status) return tar_status.error();
    return stream_.sha256_hex();
  }
  uint64_t received() const { return stream_.received(); }

 private:
  PipedChild tar_;
  StoredStream stream_;
};

}  // namespace

Result<TarballResult> deploy_tarball(const InstallSettings& s, const InstallPlan& plan,
                                     const DiskInfo& disk, int fd,
                                     const std::function<void(uint64_t)>& progress) {
  if (!plan.tarball) return Error{"the plan has no boot kit for a tarball"};
  const uint64_t sectors = disk.size_bytes / kSectorBytes;
  std::array<Guid, 4> guids;
  for (auto& g : guids) {
    auto b = random_v4();
    if (!b) return b.error();
    g.bytes = *b;
  }
  auto layout = standard_layout(sectors, guids[0], {guids[1], guids[2], guids[3]});
  if (!layout) return Error{"partitioning " + disk.name + ": " + layout.error().message};
  // Stale signatures at the start of the new partitions would confuse blkid and mkfs.
  wipe_tables(fd, disk.size_bytes);
  for (const auto& p : layout->partitions) {
    (void)pwrite_all(fd, std::vector<uint8_t>(1 << 20, 0), p.first_lba * kSectorBytes);
  }
  if (auto r = pwrite_all(fd, layout->head, 0); !r) return r.error();
  if (auto r = pwrite_all(fd, layout->tail, layout->tail_lba * kSectorBytes); !r) return r.error();
  ::fsync(fd);
  if (::ioctl(fd, BLKRRPART) != 0)
    return Error{std::string("re-reading the new partition table: ") + std::strerror(errno)};
  const auto& bios = layout->partitions[kStandardBiosPartition - 1];
  const std::string esp_dev =
      s.dev_root + "/" + partition_device_name(disk.name, kStandardEspPartition);
  const std::string root_dev =
      s.dev_root + "/" + partition_device_name(disk.name, kStandardRootPartition);
  s.say("partitioned " + disk.name + ": bios, esp " + esp_dev + ", root " + root_dev);

  auto fail = [&](const std::string& why) -> Result<TarballResult> {
    ::umount(s.mount_dir.c_str());
    wipe_tables(fd, disk.size_bytes);
    return Error{why};
  };
  auto uuid_bytes = random_v4();
  if (!uuid_bytes) return uuid_bytes.error();
  const std::string root_uuid = Uuid(*uuid_bytes).to_string();
  uint32_t volume_id = 0;
  if (auto r = random_bytes(&volume_id, sizeof volume_id); !r) return r.error();
  char volume_hex[16];
  std::snprintf(volume_hex, sizeof volume_hex, "%08X", volume_id);
  const std::string esp_id = std::string(volume_hex, 4) + "-" + std::string(volume_hex + 4, 4);
  // The device nodes appear asynchronously after the re-read.
  if (!wait_for_device(root_dev) || !wait_for_device(esp_dev)) {
    return fail("the partitions " + esp_dev + " and " + root_dev +
                " did not appear within 5 s of the partition table re-read");
  }
  if (auto r = run_command(
          {"mke2fs", "-q", "-F", "-t", "ext4", "-U", root_uuid, "-L", "slipway-root", root_dev});
      !r) {
    return fail(r.error().message);
  }
  if (auto r = run_command({"mkfs.fat", "-F", "32", "-n", "ESP", "-i", volume_hex, esp_dev}); !r) {
    return fail(r.error().message);
  }
  if (auto m = mount_fs(root_dev, s.mount_dir, {"ext4"}, s.say); !m) return fail(m.error().message);

  std::vector<std::string> tar = {"tar", "-x", "-f", "-", "-C", s.mount_dir};
  if (plan.image.format == "tar.gz") tar.push_back("-z");
  auto child = PipedChild::start(tar);
  if (!child) return fail(child.error().message);
  TarFeeder feeder(std::move(*child), plan.image.format == "tar.zst");
  const HttpGet get{s.appliance.ip, s.appliance.port, s.appliance.target(plan.image.path),
                    s.secret};
  auto got = http_get(get, kIdle, plan.image.size, [&](std::span<const uint8_t> piece) -> Status {
    if (auto r = feeder.feed(piece); !r) return r;
    progress(feeder.received());
    return {};
  });
  auto digest = feeder.finish();
  if (!got) return fail("unpacking the tarball: " + got.error().message);
  if (!digest) return fail("unpacking the tarball: " + digest.error().message);
  if (*digest != plan.image.sha256) {
    return fail("the tarball's SHA-256 is " + *digest + ", not " + plan.image.sha256 +
                ": the disk's partition tables were wiped again");
  }
  s.say("unpacked " + std::to_string(feeder.received()) + " bytes, sha256 ok");

  const fs::path root = s.mount_dir;
  auto kernel = write_slipway_grub_cfg(s.mount_dir, root_uuid, *plan.tarball,
                                       plan.machine + " (tarball " + plan.image.name + ")");
  if (!kernel) return fail(kernel.error().message);
  std::string fstab =
      "# Written by slipway-agent: the filesystems the install made.\nUUID=" + root_uuid +
      " / ext4 errors=remount-ro 0 1\n";
  if (fs::is_directory(root / "boot/efi"))
    fstab += "UUID=" + esp_id + " /boot/efi vfat umask=0077,nofail 0 2\n";
  if (auto r = write_files(root.string(), {{"/etc/fstab", fstab}}); !r) {
    return fail(r.error().message);
  }
  s.say("boot: " + *kernel + " root=UUID=" + root_uuid);

  if (auto r = install_bios_loader(s, *plan.tarball, fd, bios); !r) return fail(r.error().message);
  if (auto r = install_efi_loader(s, *plan.tarball, esp_dev); !r) return fail(r.error().message);
  ::fsync(fd);
  s.say("boot loaders installed for BIOS and UEFI");
  return TarballResult{root_dev, feeder.received(), *digest};
}

}  // namespace slipway::imaging::agent
