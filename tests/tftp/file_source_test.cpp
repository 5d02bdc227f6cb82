#include "tftp/file_source.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace slipway::tftp {
namespace {

namespace fs = std::filesystem;

void write_file(const fs::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary);
  out << content;
}

std::string read_all(OpenFile& f) {
  std::string s(static_cast<size_t>(f.size()), '\0');
  auto n = f.read_at(0, std::span<uint8_t>(reinterpret_cast<uint8_t*>(s.data()), s.size()));
  EXPECT_TRUE(n.ok());
  EXPECT_EQ(*n, s.size());
  return s;
}

class FileSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "slipway-tftp-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    base_ = tmpl;
    root_ = base_ / "root";
    fs::create_directories(root_ / "sub");
    fs::create_directories(root_ / "dir");
    fs::create_directories(base_ / "outside");
    write_file(root_ / "a.txt", "hello from the root\n");
    write_file(root_ / "sub" / "b.bin", std::string("\x00\x01\x02\x03", 4) + "tail");
    write_file(base_ / "outside" / "secret", "do not serve\n");
    fs::create_symlink("../outside/secret", root_ / "link_out");
    fs::create_symlink("/dev/null", root_ / "devnull");
    fs::create_symlink("a.txt", root_ / "link_in");
    fs::create_symlink(base_ / "outside", root_ / "outdir");
    ASSERT_EQ(::mkfifo((root_ / "fifo").c_str(), 0600), 0);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(base_, ec);
  }

  static OpenError error_of(const OpenResult& r) {
    EXPECT_TRUE(std::holds_alternative<OpenFailure>(r));
    return std::holds_alternative<OpenFailure>(r) ? std::get<OpenFailure>(r).error
                                                  : OpenError::kReadError;
  }
  static OpenFile& file_of(OpenResult& r) {
    if (auto* f = std::get_if<OpenFailure>(&r)) {
      ADD_FAILURE() << "open failed: " << to_string(f->error) << " " << f->reason;
      throw std::runtime_error("open failed");
    }
    return *std::get<std::unique_ptr<OpenFile>>(r);
  }

  fs::path base_;
  fs::path root_;
  ClientInfo client_{Ipv4(0xC6120005), 2000};  // 198.18.0.5
};

TEST_F(FileSourceTest, ServesFilesInsideTheRoot) {
  FileSource files(root_);
  auto r = files.open("a.txt", client_);
  OpenFile& f = file_of(r);
  EXPECT_FALSE(f.in_memory());
  EXPECT_EQ(f.size(), 20u);
  EXPECT_EQ(read_all(f), "hello from the root\n");

  auto leading_slash = files.open("/sub/b.bin", client_);
  EXPECT_EQ(read_all(file_of(leading_slash)), std::string("\x00\x01\x02\x03", 4) + "tail");

  auto via_link = files.open("link_in", client_);  // a symlink that stays inside is fine
  EXPECT_EQ(read_all(file_of(via_link)), "hello from the root\n");
}

TEST_F(FileSourceTest, ReadsByOffsetWithPread) {
  FileSource files(root_);
  auto r = files.open("a.txt", client_);
  OpenFile& f = file_of(r);
  std::array<uint8_t, 4> buf{};
  auto n = f.read_at(6, buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 4u);
  EXPECT_EQ(std::string(buf.begin(), buf.end()), "from");
  auto tail = f.read_at(18, buf);  // runs into the end
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(*tail, 2u);
  auto at_end = f.read_at(20, buf);
  ASSERT_TRUE(at_end.ok());
  EXPECT_EQ(*at_end, 0u);
  EXPECT_FALSE(f.read_at(21, buf).ok());
}

TEST_F(FileSourceTest, ReadAheadServesBlocksInAnyOrderAndSeesAShrunkFile) {
  // Three read-ahead buffers and a bit, with a pattern that tells every offset apart.
  std::string content(3 * OpenFile::kReadAhead + 1000, '\0');
  for (size_t i = 0; i < content.size(); ++i)
    content[i] = static_cast<char>((i * 7 + i / 251) & 0xFF);
  write_file(root_ / "big.bin", content);
  FileSource files(root_);
  auto r = files.open("big.bin", client_);
  OpenFile& f = file_of(r);
  auto block = [&](uint64_t offset, size_t size) {
    std::string out(size, '\0');
    auto n = f.read_at(offset, std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), size));
    EXPECT_TRUE(n.ok());
    out.resize(n.ok() ? *n : 0);
    return out;
  };
  // Forward in 1468-byte blocks across buffer boundaries, then back (a retransmitted window).
  for (uint64_t off = 0; off < content.size(); off += 1468) {
    ASSERT_EQ(block(off, 1468), content.substr(off, 1468)) << "offset " << off;
  }
  EXPECT_EQ(block(1468 * 3, 1468), content.substr(1468 * 3, 1468));
  // A read as large as the buffer bypasses it.
  EXPECT_EQ(block(100, OpenFile::kReadAhead), content.substr(100, OpenFile::kReadAhead));

  // The file shrinks under an open transfer: a read past the new end comes back short.
  ASSERT_EQ(::truncate((root_ / "big.bin").c_str(), OpenFile::kReadAhead), 0);
  EXPECT_EQ(block(2 * OpenFile::kReadAhead, 1468).size(), 0u);
}

TEST_F(FileSourceTest, MissingFileIsNotFound) {
  FileSource files(root_);
  EXPECT_EQ(error_of(files.open("nope.efi", client_)), OpenError::kNotFound);
  EXPECT_EQ(error_of(files.open("sub/nope", client_)), OpenError::kNotFound);
}

TEST_F(FileSourceTest, RefusesDotDotTraversal) {
  FileSource files(root_);
  for (const char* p : {"../outside/secret", "sub/../../outside/secret", "/../outside/secret", "..",
                        "sub/..", "./../outside/secret"}) {
    EXPECT_EQ(error_of(files.open(p, client_)), OpenError::kAccessDenied) << p;
  }
}

TEST_F(FileSourceTest, AbsolutePathsStayInsideTheRoot) {
  FileSource files(root_);
  // A leading '/' names the root: the host's /etc/passwd is never reached.
  EXPECT_EQ(error_of(files.open("/etc/passwd", client_)), OpenError::kNotFound);
  // The same for a host path that does exist: it is looked up under the root instead.
  auto outside = (base_ / "outside" / "secret").string();
  EXPECT_EQ(error_of(files.open(outside, client_)), OpenError::kNotFound);
}

TEST_F(FileSourceTest, RefusesSymlinksOutOfTheRoot) {
  FileSource files(root_);
  EXPECT_EQ(error_of(files.open("link_out", client_)), OpenError::kAccessDenied);
  EXPECT_EQ(error_of(files.open("outdir/secret", client_)), OpenError::kAccessDenied);
}

TEST_F(FileSourceTest, RefusesDevicesDirectoriesAndFifos) {
  FileSource files(root_);
  EXPECT_EQ(error_of(files.open("devnull", client_)), OpenError::kAccessDenied);
  EXPECT_EQ(error_of(files.open("dir", client_)), OpenError::kAccessDenied);
  EXPECT_EQ(error_of(files.open("sub/", client_)), OpenError::kAccessDenied);
  EXPECT_EQ(error_of(files.open("/", client_)), OpenError::kAccessDenied);
  EXPECT_EQ(error_of(files.open("fifo", client_)), OpenError::kAccessDenied);  // and no hang
}

TEST_F(FileSourceTest, RefusesOddBytes) {
  FileSource files(root_);
  using namespace std::string_view_literals;
  EXPECT_EQ(error_of(files.open("a.txt\0../x"sv, client_)), OpenError::kAccessDenied);
  EXPECT_EQ(error_of(files.open("sub\\b.bin", client_)), OpenError::kAccessDenied);
  EXPECT_EQ(error_of(files.open(std::string(2000, 'a'), client_)), OpenError::kAccessDenied);
}

TEST_F(FileSourceTest, GeneratedHookIsConsultedFirst) {
  std::vector<std::string> asked;
  ClientInfo seen;
  FileSource files(
      root_, [&](std::string_view path, const ClientInfo& client) -> std::optional<std::string> {
        asked.emplace_back(path);
        seen = client;
        if (path == "a.txt" || path == "pxelinux.cfg/default")
          return "generated for " + std::string(path);
        return std::nullopt;
      });

  auto shadowed = files.open("a.txt", client_);  // exists on disk, the hook still wins
  OpenFile& f = file_of(shadowed);
  EXPECT_TRUE(f.in_memory());
  EXPECT_EQ(read_all(f), "generated for a.txt");
  EXPECT_EQ(seen.address, client_.address);
  EXPECT_EQ(seen.port, 2000);

  auto virtual_only = files.open("pxelinux.cfg/default", client_);
  EXPECT_EQ(read_all(file_of(virtual_only)), "generated for pxelinux.cfg/default");

  auto fallthrough = files.open("/sub/b.bin", client_);
  EXPECT_FALSE(file_of(fallthrough).in_memory());
  EXPECT_EQ(error_of(files.open("../outside/secret", client_)), OpenError::kAccessDenied);

  // The hook sees names exactly as the client sent them, before any confinement.
  EXPECT_EQ(asked, (std::vector<std::string>{"a.txt", "pxelinux.cfg/default", "/sub/b.bin",
                                             "../outside/secret"}));
}

TEST_F(FileSourceTest, GeneratedEmptyContentIsServed) {
  FileSource files(root_, [](std::string_view, const ClientInfo&) { return std::string(); });
  auto r = files.open("anything", client_);
  EXPECT_EQ(file_of(r).size(), 0u);
}

TEST_F(FileSourceTest, ThrowingHookFailsOnlyThatRequest) {
  FileSource files(root_,
                   [](std::string_view path, const ClientInfo&) -> std::optional<std::string> {
                     if (path == "boom") throw std::runtime_error("template error");
                     return std::nullopt;
                   });
  auto r = files.open("boom", client_);
  ASSERT_TRUE(std::holds_alternative<OpenFailure>(r));
  EXPECT_EQ(std::get<OpenFailure>(r).error, OpenError::kReadError);
  EXPECT_NE(std::get<OpenFailure>(r).reason.find("template error"), std::string::npos);
  auto ok = files.open("a.txt", client_);
  EXPECT_TRUE(std::holds_alternative<std::unique_ptr<OpenFile>>(ok));
}

TEST_F(FileSourceTest, ConcurrentOpensOfOneFileAreIndependent) {
  FileSource files(root_);
  auto r1 = files.open("a.txt", client_);
  auto r2 = files.open("a.txt", client_);
  std::array<uint8_t, 5> b1{}, b2{};
  ASSERT_TRUE(file_of(r1).read_at(0, b1).ok());
  ASSERT_TRUE(file_of(r2).read_at(6, b2).ok());
  EXPECT_EQ(std::string(b1.begin(), b1.end()), "hello");
  EXPECT_EQ(std::string(b2.begin(), b2.end()), "from ");
}

}  // namespace
}  // namespace slipway::tftp
