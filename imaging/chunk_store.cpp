#include "imaging/chunk_store.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include "common/unique_fd.h"
#include "imaging/sha256.h"
#include "imaging/snapshot_manifest.h"

namespace slipway::imaging {

namespace fs = std::filesystem;

namespace {

Status write_all(int fd, std::span<const uint8_t> data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error{std::strerror(n < 0 ? errno : EIO)};
    data = data.subspan(static_cast<size_t>(n));
  }
  return {};
}

Status fsync_dir(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) {
    return Error{"fsync of " + dir.string() + ": " + std::strerror(errno)};
  }
  return {};
}

Result<std::vector<uint8_t>> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot open " + path.string()};
  std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Error{"cannot read " + path.string()};
  return data;
}

// Visits the store's files under `root`: `digest` is a chunk file's SHA-256, or empty for a
// temporary file a crash left behind; anything else is skipped.
Status walk(const fs::path& root,
            const std::function<void(const fs::path&, const std::string& digest)>& visit) {
  std::error_code ec;
  if (!fs::exists(root, ec)) return {};
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string name = it->path().filename().string();
    if (name.starts_with(".tmp-")) {
      visit(it->path(), "");
    } else if (name.size() == 68 && name.ends_with(".zst") && is_sha256_hex(name.substr(0, 64))) {
      visit(it->path(), name.substr(0, 64));
    }
  }
  if (ec) return Error{"listing " + root.string() + ": " + ec.message()};
  return {};
}

}  // namespace

Result<std::vector<uint8_t>> decompress_chunk(std::span<const uint8_t> zstd_bytes) {
  std::unique_ptr<ZSTD_DStream, decltype(&ZSTD_freeDStream)> ds(ZSTD_createDStream(),
                                                                &ZSTD_freeDStream);
  if (!ds) return Error{"zstd: out of memory"};
  ZSTD_initDStream(ds.get());
  std::vector<uint8_t> out(kMaxChunkBytes + 1);
  ZSTD_inBuffer in{zstd_bytes.data(), zstd_bytes.size(), 0};
  ZSTD_outBuffer o{out.data(), out.size(), 0};
  size_t hint = 1;
  while (in.pos < in.size) {
    hint = ZSTD_decompressStream(ds.get(), &o, &in);
    if (ZSTD_isError(hint)) return Error{std::string("not zstd: ") + ZSTD_getErrorName(hint)};
    if (o.pos > kMaxChunkBytes) {
      return Error{"more than " + std::to_string(kMaxChunkBytes) + " bytes once decompressed"};
    }
    if (o.pos == o.size) break;
  }
  if (zstd_bytes.empty() || hint != 0) return Error{"the zstd frame is cut short"};
  out.resize(o.pos);
  return out;
}

ChunkStore::ChunkStore(fs::path root) : root_(std::move(root)) {}

fs::path ChunkStore::path_of(const std::string& sha256) const {
  return root_ / sha256.substr(0, 2) / (sha256 + ".zst");
}

bool ChunkStore::has(const std::string& sha256) const {
  std::error_code ec;
  return is_sha256_hex(sha256) && fs::is_regular_file(path_of(sha256), ec);
}

Result<ChunkPut> ChunkStore::put_compressed(const std::string& sha256,
                                            std::span<const uint8_t> zstd_bytes) {
  if (!is_sha256_hex(sha256)) return Error{"'" + sha256 + "' is not a SHA-256 (64 hex digits)"};
  auto plain = decompress_chunk(zstd_bytes);
  if (!plain) return Error{"chunk " + sha256 + ": " + plain.error().message};
  const std::string actual = sha256_hex(*plain);
  if (actual != sha256) {
    return Error{"chunk " + sha256 + ": its bytes have SHA-256 " + actual +
                 " (damaged in transit?)"};
  }
  return store(sha256, zstd_bytes);
}

Result<ChunkPut> ChunkStore::put_plain(std::span<const uint8_t> plain, int level) {
  if (plain.size() > kMaxChunkBytes) return Error{"a chunk is at most 4 MiB"};
  std::vector<uint8_t> packed(ZSTD_compressBound(plain.size()));
  size_t n = ZSTD_compress(packed.data(), packed.size(), plain.data(), plain.size(), level);
  if (ZSTD_isError(n)) return Error{std::string("zstd: ") + ZSTD_getErrorName(n)};
  packed.resize(n);
  return store(sha256_hex(plain), packed);
}

Result<ChunkPut> ChunkStore::store(const std::string& sha256, std::span<const uint8_t> zstd_bytes) {
  const fs::path target = path_of(sha256);
  std::error_code ec;
  if (fs::is_regular_file(target, ec)) return ChunkPut{fs::file_size(target, ec), false};
  const fs::path dir = target.parent_path();
  fs::create_directories(dir, ec);
  if (ec) return Error{"creating " + dir.string() + ": " + ec.message()};
  uint64_t nonce = 0;
  if (::getrandom(&nonce, sizeof nonce, 0) != sizeof nonce)
    nonce = static_cast<uint64_t>(::getpid());
  const fs::path temp = dir / (".tmp-" + sha256 + "-" + std::to_string(nonce));
  {
    UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
    if (!fd.valid()) return Error{"creating " + temp.string() + ": " + std::strerror(errno)};
    if (auto w = write_all(fd.get(), zstd_bytes); !w) {
      fs::remove(temp, ec);
      return Error{"writing " + temp.string() + ": " + w.error().message};
    }
    if (::fsync(fd.get()) != 0) {
      fs::remove(temp, ec);
      return Error{"fsync of " + temp.string() + ": " + std::strerror(errno)};
    }
  }
  fs::rename(temp, target, ec);
  if (ec) {
    fs::remove(temp, ec);
    return Error{"storing chunk " + sha256 + ": " + ec.message()};
  }
  if (auto s = fsync_dir(dir); !s) return s.error();
  return ChunkPut{zstd_bytes.size(), true};
}

Result<std::vector<uint8_t>> ChunkStore::read_stored(const std::string& sha256) const {
  if (!is_sha256_hex(sha256)) return Error{"'" + sha256 + "' is not a SHA-256 (64 hex digits)"};
  if (!has(sha256)) return Error{"chunk " + sha256 + " is missing from " + root_.string()};
  return read_file(path_of(sha256));
}

Result<std::vector<uint8_t>> ChunkStore::read_verified(const std::string& sha256) const {
  auto stored = read_stored(sha256);
  if (!stored) return stored.error();
  auto plain = decompress_chunk(*stored);
  if (!plain) return Error{"chunk " + sha256 + " is damaged: " + plain.error().message};
  const std::string actual = sha256_hex(*plain);
  if (actual != sha256) {
    return Error{"chunk " + sha256 + " is damaged: its bytes have SHA-256 " + actual};
  }
  return plain;
}

Result<std::vector<std::string>> ChunkStore::list() const {
  std::vector<std::string> out;
  auto walked = walk(root_, [&](const fs::path&, const std::string& digest) {
    if (!digest.empty()) out.push_back(digest);
  });
  if (!walked) return walked.error();
  return out;
}

Result<ChunkCollect> ChunkStore::collect(const std::function<bool(const std::string&)>& in_use) {
  ChunkCollect result;
  std::vector<fs::path> doomed;
  auto walked = walk(root_, [&](const fs::path& path, const std::string& digest) {
    if (!digest.empty() && in_use(digest)) {
      ++result.kept;
    } else {
      doomed.push_back(path);
    }
  });
  if (!walked) return walked.error();
  std::error_code ec;
  for (const auto& p : doomed) {
    uint64_t size = fs::file_size(p, ec);
    if (fs::remove(p, ec)) {
      if (!p.filename().string().starts_with(".tmp-")) ++result.removed;
      result.removed_bytes += size;
    } else if (ec) {
      return Error{"removing " + p.string() + ": " + ec.message()};
    }
  }
  return result;
}

}  // namespace slipway::imaging
