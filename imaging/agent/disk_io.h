#pragma once
// The agent's disk and filesystem chores shared by image writes and tarball deploys: whole
// reads and writes at an offset, wiping partition tables after a failed install, mounting a
// partition, and writing the plan's files into a mounted tree without following links.

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "imaging/agent/install_plan.h"

namespace slipway::imaging::agent {

Status pread_all(int fd, uint8_t* out, size_t len, uint64_t offset);
Status pwrite_all(int fd, std::span<const uint8_t> data, uint64_t offset);
inline Status pwrite_all(int fd, const std::vector<uint8_t>& data, uint64_t offset) {
  return pwrite_all(fd, std::span<const uint8_t>(data), offset);
}
// Zeroes `length` bytes at `offset`: BLKZEROOUT on a block device (thin storage keeps no
// blocks), explicit zeros when that is refused or the fd is a file.
Status zero_range(int fd, uint64_t offset, uint64_t length);
// Zeroes the first and last 34 sectors (MBR and both GPTs): a half-written disk does not boot.
void wipe_tables(int fd, uint64_t disk_bytes);
// Writes each file under `root` (replacing what is there, links included), with its mode.
Status write_files(const std::string& root, const std::vector<PlanFile>& files);
// Waits up to 5 s for a partition's device node to appear after a partition table re-read (the
// kernel creates them asynchronously); false when it did not.
bool wait_for_device(const std::string& device);
// Mounts `device` on `dir` (created) with the first of `types` that works, waiting for the
// device node first (wait_for_device). `flags` and `data` go to mount(2) ("ro,noload":
// MS_RDONLY and "noload", which leaves an ext journal alone).
Status mount_fs(const std::string& device, const std::string& dir,
                std::initializer_list<const char*> types,
                const std::function<void(const std::string&)>& say, unsigned long flags = 0,
                const char* data = nullptr);
// The block devices of `sys_root`/block with their size and flags, as /sys shows them.
std::vector<DiskInfo> read_disks(const std::string& sys_root);

}  // namespace slipway::imaging::agent
