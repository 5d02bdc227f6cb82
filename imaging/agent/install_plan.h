#pragma once
// What the agent in install mode is told to do (GET /api/v1/agent/install?mac=M, built by the
// controlplane's InstallService) and which disk it writes. Pure parsing and choosing: no file or
// socket access, so unit tests and fuzzers use it directly.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace slipway::imaging::agent {

inline constexpr size_t kMaxPlanBytes = 8 * 1024 * 1024;
inline constexpr size_t kMaxPlanFileBytes = 1024 * 1024;
inline constexpr size_t kMaxPlanFiles = 64;

struct PlanFile {
  std::string path;  // absolute, no "." or ".." parts, no "//"
  std::string content;
  uint32_t mode = 0644;
};

struct InstallPlan {
  std::string machine;
  std::string profile;
  struct Image {
    std::string name;
    std::string path;    // URL path on the appliance
    std::string sha256;  // 64 lower-case hex digits
    std::string format;  // "raw", "raw.zst" (disk images) or "tar", "tar.gz", "tar.zst"
    uint64_t size = 0;   // bytes to download
  } image;
  // For root-filesystem tarballs (required with a tar format): what the agent adds to make the
  // disk boot. URL paths on the appliance of GRUB's BIOS boot.img and core.img and of the EFI
  // loader (image/build-boot-kit.sh), and the kernel arguments after root=UUID=... ro.
  struct Tarball {
    std::string boot_img, core_img, efi_loader;
    std::string kernel_args;
  };
  std::optional<Tarball> tarball;
  bool is_tarball() const { return image.format.starts_with("tar"); }
  std::vector<PlanFile> files;
};

// The appliance's answer, {"plan": {...}}. Refuses anything the agent would not know how to do
// safely, naming the field.
Result<InstallPlan> parse_install_plan(std::string_view json_text);

// A boot kit object ({"boot_img", "core_img", "efi_loader": URL paths, "kernel_args"}), as the
// install plan's `tarball` and the restore order's `boot_kit` carry it; errors name
// `document` and the member (`where` + key).
Result<InstallPlan::Tarball> parse_boot_kit(const nlohmann::json& object, std::string_view document,
                                            const std::string& where);

// A disk as /sys/block shows it.
struct DiskInfo {
  std::string name;  // "vda", "sda", "nvme0n1"
  uint64_t size_bytes = 0;
  bool removable = false;
  bool read_only = false;
};
// The disk to install on: the first (by name) fixed, writable disk with a size that is not a
// loop, RAM, optical, floppy, zram, device-mapper or MD device. nullopt when there is none.
std::optional<DiskInfo> pick_install_disk(std::vector<DiskInfo> disks);
// Every disk pick_install_disk() would consider, by name: what capture and restore work on.
std::vector<DiskInfo> fixed_disks(std::vector<DiskInfo> disks);

}  // namespace slipway::imaging::agent
