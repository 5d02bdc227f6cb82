#include "imaging/agent/tarball_deploy.h"

#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/uuid.h"
#include "imaging/agent/bios_boot.h"
#include "imaging/agent/disk_io.h"
#include "imaging/agent/disk_layout.h"
#include "imaging/agent/http_get.h"
#include "imaging/agent/run_command.h"
#include "imaging/agent/stored_stream.h"

namespace slipway::imaging::agent {

namespace fs = std::filesystem;

namespace {

constexpr auto kIdle = std::chrono::seconds(60);
constexpr uint64_t kMaxBootFileBytes = 16 << 20;

Status random_bytes(void* out, size_t n) {
  auto* p = static_cast<uint8_t*>(out);
  while (n > 0) {
    ssize_t got = ::getrandom(p, n, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return Error{std::string("getrandom: ") + std::strerror(errno)};
    p += got;
    n -= static_cast<size_t>(got);
  }
  return {};
}

// A random RFC 4122 version 4 identifier (GPT GUIDs and the root filesystem's UUID).
Result<std::array<uint8_t, 16>> random_v4() {
  std::array<uint8_t, 16> b{};
  if (auto s = random_bytes(b.data(), b.size()); !s) return s.error();
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);
  return b;
}

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

// The kernel and initrd to boot, as paths inside the tree: /vmlinuz and /initrd.img (Debian and
// Ubuntu keep them on the newest kernel), else the newest /boot/vmlinuz-* and its initrd.
Result<std::pair<std::string, std::string>> find_kernel(const fs::path& root) {
  auto present = [&](const std::string& p) {
    std::error_code ec;
    return fs::is_symlink(root / p.substr(1), ec) || fs::exists(root / p.substr(1), ec);
  };
  if (present("/vmlinuz"))
    return std::pair{std::string("/vmlinuz"),
                     present("/initrd.img") ? std::string("/initrd.img") : std::string()};
  std::vector<std::string> kernels;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root / "boot", ec)) {
    auto name = e.path().filename().string();
    if (name.starts_with("vmlinuz-")) kernels.push_back(name);
  }
  if (kernels.empty())
    return Error{"the tarball has no /vmlinuz and no /boot/vmlinuz-*: nothing to boot"};
  std::sort(kernels.begin(), kernels.end());
  const std::string version = kernels.back().substr(8);
  std::string initrd;
  for (const char* form : {"/boot/initrd.img-", "/boot/initramfs-"}) {
    for (const char* suffix : {"", ".img"}) {
      if (initrd.empty() && present(form + version + suffix)) initrd = form + version + suffix;
    }
  }
  return std::pair{"/boot/" + kernels.back(), initrd};
}

Result<std::vector<uint8_t>> fetch(const InstallSettings& s, const std::string& path) {
  auto text = http_get_text(HttpGet{s.appliance.ip, s.appliance.port, s.appliance.target(path)},
                            kIdle, kMaxBootFileBytes);
  if (!text) return Error{"fetching " + path + ": " + text.error().message};
  return std::vector<uint8_t>(text->begin(), text->end());
}

// GRUB for BIOS: boot.img into the MBR's code area, core.img into the BIOS boot partition.
Status install_bios_loader(const InstallSettings& s, const InstallPlan::Tarball& kit, int fd,
                           const GptPartition& bios) {
  auto boot_img = fetch(s, kit.boot_img);
  if (!boot_img) return boot_img.error();
  auto core_img = fetch(s, kit.core_img);
  if (!core_img) return core_img.error();
  std::vector<uint8_t> lba0(kSectorBytes);
  if (auto r = pread_all(fd, lba0.data(), lba0.size(), 0); !r) return r;
  auto code = embed_grub_bios(*boot_img, *core_img, bios.first_lba,
                              bios.last_lba - bios.first_lba + 1, lba0);
  if (!code) return Error{"BIOS boot code: " + code.error().message};
  if (auto r = pwrite_all(fd, code->core, bios.first_lba * kSectorBytes); !r) return r;
  return pwrite_all(fd, code->lba0, 0);
}

// GRUB for UEFI: \EFI\BOOT\BOOTX64.EFI on the ESP (the removable-media path every firmware tries).
Status install_efi_loader(const InstallSettings& s, const InstallPlan::Tarball& kit,
                          const std::string& esp_device) {
  auto loader = fetch(s, kit.efi_loader);
  if (!loader) return loader.error();
  const std::string dir = s.mount_dir + ".esp";
  if (auto m = mount_fs(esp_device, dir, {"vfat"}, s.say); !m) return m;
  auto w = write_files(
      dir, {PlanFile{"/EFI/BOOT/BOOTX64.EFI", std::string(loader->begin(), loader->end()), 0644}});
  ::sync();
  if (::umount(dir.c_str()) != 0)
    s.say(std::string("warning: umount ESP: ") + std::strerror(errno));
  return w;
}

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
  const HttpGet get{s.appliance.ip, s.appliance.port, s.appliance.target(plan.image.path)};
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
  auto kernel = find_kernel(root);
  if (!kernel) return fail(kernel.error().message);
  std::string cfg =
      "# Written by slipway-agent for " + plan.machine + " (tarball " + plan.image.name +
      ").\n"
      "serial --unit=0 --speed=115200\n"
      "terminal_input serial console\n"
      "terminal_output serial console\n"
      "set timeout=0\n"
      "linux " +
      kernel->first + " root=UUID=" + root_uuid + " ro" +
      (plan.tarball->kernel_args.empty() ? "" : " " + plan.tarball->kernel_args) + "\n" +
      (kernel->second.empty() ? "" : "initrd " + kernel->second + "\n") + "boot\n";
  std::string fstab =
      "# Written by slipway-agent: the filesystems the install made.\nUUID=" + root_uuid +
      " / ext4 errors=remount-ro 0 1\n";
  if (fs::is_directory(root / "boot/efi"))
    fstab += "UUID=" + esp_id + " /boot/efi vfat umask=0077,nofail 0 2\n";
  if (auto r = write_files(root.string(), {{"/boot/slipway/grub.cfg", cfg}, {"/etc/fstab", fstab}});
      !r) {
    return fail(r.error().message);
  }
  s.say("boot: " + kernel->first + " root=UUID=" + root_uuid);

  if (auto r = install_bios_loader(s, *plan.tarball, fd, bios); !r) return fail(r.error().message);
  if (auto r = install_efi_loader(s, *plan.tarball, esp_dev); !r) return fail(r.error().message);
  ::fsync(fd);
  s.say("boot loaders installed for BIOS and UEFI");
  return TarballResult{root_dev, feeder.received(), *digest};
}

}  // namespace slipway::imaging::agent
