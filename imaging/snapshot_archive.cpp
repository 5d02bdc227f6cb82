#include "imaging/snapshot_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <zstd.h>

#include <memory>
#include <set>
#include <vector>

#include "imaging/sha256.h"
#include "imaging/tar_file_writer.h"

namespace slipway::imaging {

namespace fs = std::filesystem;
using inventory::Outcome;
using inventory::Refusal;

namespace {

constexpr const char* kManifestMember = "manifest.json";
constexpr std::string_view kChunkPrefix = "chunks/";
constexpr std::string_view kChunkSuffix = ".zst";
constexpr uint64_t kMaxManifestBytes = 64 << 20;

using ArchivePtr = std::unique_ptr<archive, int (*)(archive*)>;

Refusal invalid(const fs::path& file, const std::string& why) {
  return Refusal{Refusal::Kind::kInvalid, file.string() + ": " + why};
}

Refusal storage(const fs::path& file, const std::string& why) {
  return Refusal{Refusal::Kind::kStorage, file.string() + ": " + why};
}

std::string archive_why(archive* a) {
  const char* s = archive_error_string(a);
  return s ? s : "failed";
}

std::vector<std::string> distinct_chunks(const SnapshotManifest& m) {
  std::set<std::string> all;
  for (const auto& d : m.disks) {
    for (const auto& c : d.chunks) all.insert(c.sha256);
  }
  return {all.begin(), all.end()};
}

// The digest a member named chunks/<sha256>.zst stands for, or "".
std::string chunk_member_digest(std::string_view path) {
  if (!path.starts_with(kChunkPrefix) || !path.ends_with(kChunkSuffix)) return "";
  std::string sha(
      path.substr(kChunkPrefix.size(), path.size() - kChunkPrefix.size() - kChunkSuffix.size()));
  return is_sha256_hex(sha) ? sha : "";
}

Result<std::vector<uint8_t>> read_member(archive* a, archive_entry* e, uint64_t max) {
  const la_int64_t size = archive_entry_size(e);
  if (size < 0 || static_cast<uint64_t>(size) > max) {
    return Error{std::string(archive_entry_pathname(e)) + " is larger than " + std::to_string(max) +
                 " bytes"};
  }
  std::vector<uint8_t> data(static_cast<size_t>(size));
  if (archive_read_data(a, data.data(), data.size()) != size) {
    return Error{std::string(archive_entry_pathname(e)) + " is cut short: " + archive_why(a)};
  }
  return data;
}

}  // namespace

Outcome<ArchiveStats> export_snapshot(const SnapshotLibrary& library, const std::string& name,
                                      const fs::path& file, const ArchiveProgress& progress) {
  auto m = library.manifest(name);
  if (!m) return m.refusal();
  TarFileWriter tar(file);
  if (auto s = tar.open(); !s) return storage(file, s.error().message);
  if (auto s = tar.add(kManifestMember, encode_manifest(*m)); !s) {
    return storage(file, s.error().message);
  }
  const auto chunks = distinct_chunks(*m);
  ArchiveStats stats;
  for (const auto& sha : chunks) {
    auto bytes = library.chunks().read_stored(sha);
    if (!bytes) return storage(file, bytes.error().message);
    std::string member = std::string(kChunkPrefix) + sha + std::string(kChunkSuffix);
    if (auto s = tar.add(member, *bytes); !s) return storage(file, s.error().message);
    ++stats.chunks;
    if (progress) progress(stats.chunks, chunks.size());
  }
  if (auto s = tar.commit(); !s) return storage(file, s.error().message);
  std::error_code ec;
  stats.bytes = fs::file_size(file, ec);
  return stats;
}

Outcome<SnapshotRecord> import_snapshot(SnapshotLibrary& library, const fs::path& file,
                                        const std::string& name, const ArchiveProgress& progress) {
  ArchivePtr a(archive_read_new(), &archive_read_free);
  if (!a) return storage(file, "libarchive: out of memory");
  archive_read_support_format_tar(a.get());
  if (archive_read_open_filename(a.get(), file.c_str(), 1 << 20) != ARCHIVE_OK) {
    return invalid(file, archive_why(a.get()));
  }
  archive_entry* entry = nullptr;
  if (archive_read_next_header(a.get(), &entry) != ARCHIVE_OK ||
      std::string_view(archive_entry_pathname(entry)) != kManifestMember) {
    return invalid(file, "not a snapshot export (its first member must be manifest.json)");
  }
  auto text = read_member(a.get(), entry, kMaxManifestBytes);
  if (!text) return invalid(file, text.error().message);
  auto manifest = parse_manifest({reinterpret_cast<const char*>(text->data()), text->size()});
  if (!manifest) return invalid(file, "manifest.json: " + manifest.error().message);
  const std::string target = name.empty() ? manifest->name : name;
  auto begun = library.begin_import(target, manifest->machine);
  if (!begun) return begun.refusal();
  // From here on a failure forgets the half-imported snapshot and the chunks only it brought.
  auto undo = [&](Refusal why) {
    (void)library.remove(target);
    return why;
  };
  const uint64_t total = manifest->chunk_count();
  const uint64_t max_stored = ZSTD_compressBound(kMaxChunkBytes) + 4096;
  uint64_t read = 0;
  int r;
  while ((r = archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK) {
    if (archive_entry_filetype(entry) == AE_IFDIR) continue;  // a re-packed export has them
    const std::string path = archive_entry_pathname(entry);
    const std::string sha = chunk_member_digest(path);
    if (sha.empty()) return undo(invalid(file, "unexpected member " + path));
    auto bytes = read_member(a.get(), entry, max_stored);
    if (!bytes) return undo(invalid(file, bytes.error().message));
    auto added = library.add_chunk(target, sha, *bytes);
    if (!added) return undo(invalid(file, path + ": " + added.refusal().message));
    ++read;
    if (progress) progress(read, total);
  }
  if (r != ARCHIVE_EOF) return undo(invalid(file, archive_why(a.get())));
  auto done = library.complete(target, std::move(*manifest));
  if (!done) return undo(done.refusal());
  return *done;
}

}  // namespace slipway::imaging
