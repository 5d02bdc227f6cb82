#include "imaging/snapshot_layout.h"

#include <algorithm>
#include <numeric>

namespace slipway::imaging {
namespace {

constexpr uint64_t kTableSectors = 34;  // protective MBR + header + 128 entries (and the backup)
constexpr uint64_t kAlignSectors = 2048;
constexpr uint64_t kMinBiosBootSectors = 512;  // 256 KiB: GRUB's core.img with room to spare
constexpr uint64_t kBiosBootFirstLba = 40;     // after the entries, 4 KiB aligned

std::string mib(uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

bool grows_offline(const std::string& fs) { return fs == "ext4" || fs == "ext3" || fs == "ext2"; }

const PartitionLayout* find_type(const DiskLayout& d, const char* type) {
  for (const auto& p : d.partitions) {
    if (p.type == type) return &p;
  }
  return nullptr;
}

// Where the first partition starts (UINT64_MAX without partitions).
uint64_t first_lba_of(const DiskLayout& d) {
  uint64_t first = UINT64_MAX;
  for (const auto& p : d.partitions) first = std::min(first, p.first_lba);
  return first;
}

uint64_t last_lba_of(const DiskLayout& d) {
  uint64_t last = 0;
  for (const auto& p : d.partitions) last = std::max(last, p.last_lba);
  return last;
}

uint32_t next_number(const std::vector<PartitionLayout>& parts) {
  uint32_t n = 0;
  for (const auto& p : parts) n = std::max(n, p.number);
  return n + 1;
}

// The last LBA a partition may end at on a disk of `bytes` (at least 34 sectors), 1 MiB aligned
// at its end when the disk has a whole MiB.
uint64_t aligned_end(uint64_t bytes) {
  uint64_t sectors = bytes / kLayoutSectorBytes;
  uint64_t last_usable = sectors - kTableSectors;  // the backup entries and header follow
  uint64_t aligned = (last_usable + 1) / kAlignSectors * kAlignSectors;
  return aligned == 0 ? last_usable : aligned - 1;
}

// What the boot disk must add for the target's firmware mode: an ESP after the last partition
// (its bytes count towards the need), or a BIOS boot partition in the gap before the first.
struct LoaderNeed {
  std::string install;  // "uefi", "bios" or ""
  bool new_esp = false;
  bool new_bios_boot = false;
};

Result<LoaderNeed> loader_need(const DiskLayout& boot, const std::string& from,
                               const std::string& to) {
  LoaderNeed need;
  if (from == to || from == "unknown" || to == "unknown" || from.empty() || to.empty()) {
    return need;
  }
  need.install = to;
  if (!boot.gpt) {
    return Error{"the snapshot's boot disk " + boot.name +
                 " has no partition table: its boot loader cannot be changed from " + from +
                 " to " + to};
  }
  if (to == "uefi") {
    need.new_esp = find_type(boot, kEfiSystemType) == nullptr;
    return need;
  }
  if (find_type(boot, kBiosBootType)) return need;
  const uint64_t first = first_lba_of(boot);
  if (first == UINT64_MAX || first < kBiosBootFirstLba + kMinBiosBootSectors) {
    return Error{"UEFI to BIOS needs a BIOS boot partition: the snapshot's boot disk " + boot.name +
                 " has none and no room for one before its first partition (it starts at sector " +
                 std::to_string(first == UINT64_MAX ? 0 : first) + ", " +
                 std::to_string(kBiosBootFirstLba + kMinBiosBootSectors) + " needed)"};
  }
  need.new_bios_boot = true;
  return need;
}

}  // namespace

uint64_t required_bytes(const DiskLayout& disk) {
  if (!disk.gpt) return disk.size_bytes;
  return (last_lba_of(disk) + 1 + kTableSectors - 1) * kLayoutSectorBytes;
}

Result<LayoutPlan> plan_layout(const std::vector<DiskLayout>& captured,
                               const std::string& captured_firmware,
                               const std::vector<TargetDisk>& targets,
                               const std::string& target_firmware) {
  if (captured.empty()) return Error{"the snapshot has no disks"};
  auto need = loader_need(captured[0], captured_firmware, target_firmware);
  if (!need) return need.error();

  std::vector<uint64_t> required(captured.size());
  for (size_t i = 0; i < captured.size(); ++i) {
    required[i] = required_bytes(captured[i]);
    // A new ESP goes after the last partition, 1 MiB aligned.
    if (i == 0 && need->new_esp) {
      uint64_t esp_first = (last_lba_of(captured[0]) / kAlignSectors + 1) * kAlignSectors;
      required[i] =
          (esp_first + kNewEspBytes / kLayoutSectorBytes + kTableSectors - 1) * kLayoutSectorBytes;
    }
  }
  std::vector<size_t> order(captured.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return required[a] > required[b]; });
  std::vector<size_t> by_size(targets.size());
  std::iota(by_size.begin(), by_size.end(), 0);
  std::stable_sort(by_size.begin(), by_size.end(), [&](size_t a, size_t b) {
    return targets[a].size_bytes < targets[b].size_bytes;
  });

  LayoutPlan plan;
  plan.install_loader = need->install;
  std::vector<bool> used(targets.size(), false);
  std::vector<MappedDisk> mapped(captured.size());
  for (size_t src : order) {
    const DiskLayout& disk = captured[src];
    std::optional<size_t> chosen;
    for (size_t t : by_size) {
      if (!used[t] && targets[t].size_bytes >= required[src]) {
        chosen = t;
        break;
      }
    }
    if (!chosen) {
      std::string have;
      for (size_t t : by_size) {
        if (used[t]) continue;
        have += (have.empty() ? "" : ", ") + targets[t].name + " " +
                std::to_string(targets[t].size_bytes) + " bytes";
      }
      return Error{"the snapshot's disk " + disk.name + " needs " + std::to_string(required[src]) +
                   " bytes (" + mib(required[src]) + ")" +
                   (src == 0 && need->new_esp
                        ? " with a new " + mib(kNewEspBytes) + " EFI system partition for UEFI"
                        : "") +
                   " and no free target disk is that large (" +
                   (have.empty() ? "none left" : have) + ")"};
    }
    used[*chosen] = true;
    MappedDisk m;
    m.source = src;
    m.target = targets[*chosen].name;
    m.target_bytes = targets[*chosen].size_bytes;
    m.partitions = disk.partitions;
    plan.notes.push_back("disk " + disk.name + " (" + mib(disk.size_bytes) + ") goes to " +
                         m.target + " (" + mib(m.target_bytes) + ")");
    if (disk.gpt) {
      uint64_t end = aligned_end(m.target_bytes);
      if (src == 0 && need->new_esp) {
        PartitionLayout esp;
        esp.number = next_number(m.partitions);
        esp.type = kEfiSystemType;
        esp.name = "EFI system partition";
        esp.filesystem = "vfat";
        esp.last_lba = end;
        esp.first_lba = end + 1 - kNewEspBytes / kLayoutSectorBytes;
        end = esp.first_lba - 1;
        m.created = esp.number;
        plan.notes.push_back("a new " + mib(kNewEspBytes) + " EFI system partition " +
                             std::to_string(esp.number) + " on " + m.target +
                             " for the UEFI boot loader");
        m.partitions.push_back(esp);
      }
      if (src == 0 && need->new_bios_boot) {
        PartitionLayout bios;
        bios.number = next_number(m.partitions);
        bios.type = kBiosBootType;
        bios.name = "BIOS boot partition";
        bios.first_lba = kBiosBootFirstLba;
        bios.last_lba = first_lba_of(disk) - 1;
        m.created = bios.number;
        plan.notes.push_back("a new BIOS boot partition " + std::to_string(bios.number) + " on " +
                             m.target + " for GRUB");
        m.partitions.push_back(bios);
      }
      // The partition that ends last among the captured ones grows to `end`.
      auto last = std::max_element(m.partitions.begin(),
                                   m.partitions.begin() + static_cast<long>(disk.partitions.size()),
                                   [](const PartitionLayout& a, const PartitionLayout& b) {
                                     return a.last_lba < b.last_lba;
                                   });
      if (last != m.partitions.begin() + static_cast<long>(disk.partitions.size()) &&
          end > last->last_lba) {
        if (grows_offline(last->filesystem)) {
          plan.notes.push_back("partition " + std::to_string(last->number) + " (" +
                               last->filesystem + ") grows from " +
                               mib((last->last_lba - last->first_lba + 1) * kLayoutSectorBytes) +
                               " to " + mib((end - last->first_lba + 1) * kLayoutSectorBytes));
          last->last_lba = end;
          m.grown = last->number;
          m.grow_filesystem = true;
        } else {
          plan.notes.push_back(
              "partition " + std::to_string(last->number) + " (" +
              (last->filesystem.empty() ? "unknown filesystem" : last->filesystem) +
              ") keeps its size: only ext2/3/4 are grown");
        }
      }
    }
    mapped[src] = std::move(m);
  }
  if (!plan.install_loader.empty()) {
    plan.notes.push_back("the firmware changes from " + captured_firmware + " to " +
                         target_firmware + ": the " + target_firmware +
                         " boot loader is installed");
  }
  plan.disks = std::move(mapped);
  return plan;
}

}  // namespace slipway::imaging
