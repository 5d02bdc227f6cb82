#pragma once
// Installer ISOs: their file tree is extracted (libarchive) so that the appliance can serve a
// distribution's kernel, initrd and install tree over HTTP, and the kernel and initrd are found
// by the distributions' known layouts (kBootLayouts).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace slipway::imaging {

struct BootLayout {
  std::string_view distribution;
  std::string_view kernel;  // relative to the ISO's root
  std::string_view initrd;
};

// Debian and Ubuntu's netinst/server/live layouts, RHEL/Fedora/Rocky/Alma pxeboot; the first
// whose two files exist wins.
inline constexpr BootLayout kBootLayouts[] = {
    {"debian", "install.amd/vmlinuz", "install.amd/initrd.gz"},
    {"debian", "install.a64/vmlinuz", "install.a64/initrd.gz"},
    {"debian", "install/vmlinuz", "install/initrd.gz"},
    {"debian-live", "live/vmlinuz", "live/initrd.img"},
    {"ubuntu", "casper/vmlinuz", "casper/initrd"},
    {"ubuntu", "casper/vmlinuz", "casper/initrd.gz"},
    {"redhat", "images/pxeboot/vmlinuz", "images/pxeboot/initrd.img"},
};

struct BootFiles {
  std::string distribution;
  std::string kernel;  // relative to the tree
  std::string initrd;
};

// The kernel and initrd of an extracted tree, or nullopt when no known layout matches.
std::optional<BootFiles> find_boot_files(const std::filesystem::path& tree);

// Limits on what an ISO may extract to (a hostile ISO is a zip bomb like any archive).
struct ExtractLimits {
  uint64_t max_bytes = 64ull << 30;
  uint64_t max_entries = 1'000'000;
};

// Extracts the ISO 9660 image `iso` into `dest` (created; must not exist yet). Regular files and
// folders only (links and devices are left out); an entry with an absolute path or a '..'
// component fails the extraction, and libarchive refuses to write through a symlink. On failure
// `dest` is removed and the error says what failed.
Status extract_iso(const std::filesystem::path& iso, const std::filesystem::path& dest,
                   const ExtractLimits& limits = {});

}  // namespace slipway::imaging
