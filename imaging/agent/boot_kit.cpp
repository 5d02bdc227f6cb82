#include "imaging/agent/boot_kit.h"

#include <sys/mount.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <vector>

#include "imaging/agent/bios_boot.h"
#include "imaging/agent/disk_io.h"
#include "imaging/agent/http_get.h"

namespace slipway::imaging::agent {

namespace fs = std::filesystem;

namespace {

constexpr auto kIdle = std::chrono::seconds(60);
constexpr uint64_t kMaxBootFileBytes = 16 << 20;

Result<std::vector<uint8_t>> fetch(const InstallSettings& s, const std::string& path) {
  auto text =
      http_get_text(HttpGet{s.appliance.ip, s.appliance.port, s.appliance.target(path), s.secret},
                    kIdle, kMaxBootFileBytes);
  if (!text) return Error{"fetching " + path + ": " + text.error().message};
  return std::vector<uint8_t>(text->begin(), text->end());
}

}  // namespace

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

Result<std::array<uint8_t, 16>> random_v4() {
  std::array<uint8_t, 16> b{};
  if (auto s = random_bytes(b.data(), b.size()); !s) return s.error();
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);
  return b;
}

Result<std::pair<std::string, std::string>> find_kernel(const std::string& root_dir) {
  const fs::path root(root_dir);
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

Result<std::string> write_slipway_grub_cfg(const std::string& root, const std::string& root_uuid,
                                           const BootKit& kit, const std::string& origin) {
  auto kernel = find_kernel(root);
  if (!kernel) return kernel.error();
  const std::string cfg = "# Written by slipway-agent for " + origin +
                          ".\n"
                          "serial --unit=0 --speed=115200\n"
                          "terminal_input serial console\n"
                          "terminal_output serial console\n"
                          "set timeout=0\n"
                          "linux " +
                          kernel->first + " root=UUID=" + root_uuid + " ro" +
                          (kit.kernel_args.empty() ? "" : " " + kit.kernel_args) + "\n" +
                          (kernel->second.empty() ? "" : "initrd " + kernel->second + "\n") +
                          "boot\n";
  if (auto r = write_files(root, {{"/boot/slipway/grub.cfg", cfg}}); !r) return r.error();
  return kernel->first;
}

Status install_bios_loader(const InstallSettings& s, const BootKit& kit, int fd,
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

Status install_efi_loader(const InstallSettings& s, const BootKit& kit,
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

}  // namespace slipway::imaging::agent
