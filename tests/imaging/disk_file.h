#pragma once
// Disk image files for the partition table tests: byte ranges read and written at an offset,
// and the real tools (sfdisk, sgdisk) run on them.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace slipway::testutil {

// The command's standard output; a non-zero exit status fails the test.
inline std::string run(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  EXPECT_EQ(pclose(p), 0) << command;
  return out;
}

inline std::vector<uint8_t> read_at(const std::filesystem::path& file, uint64_t offset,
                                    size_t len) {
  std::ifstream in(file, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::vector<uint8_t> out(len);
  in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(len));
  out.resize(static_cast<size_t>(in.gcount()));
  return out;
}

// Writes into an existing file without truncating it.
inline void write_at(const std::filesystem::path& file, uint64_t offset,
                     const std::vector<uint8_t>& data) {
  std::fstream out(file, std::ios::binary | std::ios::in | std::ios::out);
  out.seekp(static_cast<std::streamoff>(offset));
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

// An empty file of `bytes` (sparse: nothing is allocated), replacing whatever was there.
inline void make_sparse_file(const std::filesystem::path& file, uint64_t bytes) {
  std::filesystem::remove(file);
  { std::ofstream(file).close(); }
  std::filesystem::resize_file(file, bytes);
}

// An empty temporary folder unique to this process and test (what was there is removed).
inline std::filesystem::path fresh_test_dir(const std::string& prefix) {
  const auto dir = std::filesystem::temp_directory_path() /
                   (prefix + "-" + std::to_string(::getpid()) + "-" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// A temporary file name unique to this process and test.
inline std::filesystem::path temp_disk(const std::string& prefix) {
  return std::filesystem::temp_directory_path() /
         (prefix + "-" + std::to_string(::getpid()) + "-" +
          ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".img");
}

}  // namespace slipway::testutil
