#include "imaging/agent/disk_io.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/unique_fd.h"
#include "imaging/agent/gpt.h"

namespace slipway::imaging::agent {

namespace fs = std::filesystem;

Status pread_all(int fd, uint8_t* out, size_t len, uint64_t offset) {
  size_t at = 0;
  while (at < len) {
    ssize_t n = pread(fd, out + at, len - at, static_cast<off_t>(offset + at));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return Error{std::string("reading the disk: ") +
                   (n < 0 ? std::strerror(errno) : "end of disk")};
    at += static_cast<size_t>(n);
  }
  return {};
}

Status pwrite_all(int fd, std::span<const uint8_t> data, uint64_t offset) {
  size_t at = 0;
  while (at < data.size()) {
    ssize_t n = pwrite(fd, data.data() + at, data.size() - at, static_cast<off_t>(offset + at));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error{std::string("writing the disk: ") + std::strerror(errno)};
    at += static_cast<size_t>(n);
  }
  return {};
}

Status zero_range(int fd, uint64_t offset, uint64_t length) {
  uint64_t range[2] = {offset, length};
  if (length == 0 || ::ioctl(fd, BLKZEROOUT, range) == 0) return {};
  const std::vector<uint8_t> zeros(std::min<uint64_t>(length, 1 << 20), 0);
  for (uint64_t at = 0; at < length; at += zeros.size()) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(zeros.size(), length - at));
    if (auto s = pwrite_all(fd, std::span(zeros.data(), n), offset + at); !s) return s;
  }
  return {};
}

void wipe_tables(int fd, uint64_t disk_bytes) {
  std::vector<uint8_t> zeros(34 * kSectorBytes, 0);
  (void)pwrite_all(fd, zeros, 0);
  if (disk_bytes > zeros.size()) (void)pwrite_all(fd, zeros, disk_bytes - zeros.size());
  fsync(fd);
}

Status write_files(const std::string& root, const std::vector<PlanFile>& files) {
  for (const auto& f : files) {
    fs::path target = fs::path(root) / f.path.substr(1);
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) return Error{"creating " + target.parent_path().string() + ": " + ec.message()};
    // A link in the image must not send the write elsewhere: replace whatever is there.
    ::unlink(target.c_str());
    UniqueFd fd(
        ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, f.mode));
    if (!fd.valid()) return Error{"writing " + f.path + ": " + std::strerror(errno)};
    if (auto s = pwrite_all(fd.get(), std::vector<uint8_t>(f.content.begin(), f.content.end()), 0);
        !s) {
      return Error{"writing " + f.path + ": " + s.error().message};
    }
    ::fchmod(fd.get(), f.mode);
    ::fsync(fd.get());
  }
  return {};
}

bool wait_for_device(const std::string& device) {
  // The kernel creates partition nodes asynchronously after the re-read.
  for (int i = 0; i < 50; ++i) {
    if (fs::exists(device)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return fs::exists(device);
}

Status mount_fs(const std::string& device, const std::string& dir,
                std::initializer_list<const char*> types,
                const std::function<void(const std::string&)>& say, unsigned long flags,
                const char* data) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  wait_for_device(device);
  for (const char* type : types) {
    if (::mount(device.c_str(), dir.c_str(), type, flags, data) == 0) {
      say("mounted " + device + " (" + type + ") on " + dir);
      return {};
    }
  }
  return Error{"cannot mount " + device + ": " + std::strerror(errno)};
}

namespace {

std::string read_line(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

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

}  // namespace slipway::imaging::agent
