#include "imaging/snapshot_manifest.h"

#include <algorithm>

#include "imaging/sha256.h"

namespace slipway::imaging {

using nlohmann::json;

namespace {

// Reads the members of one JSON object; the first problem is kept and named by its path
// ("disks[0].chunks[12].sha256"), later reads do nothing.
class Reader {
 public:
  Reader(const json& object, std::string path, std::optional<std::string>& error)
      : object_(object), path_(std::move(path)), error_(error) {
    if (!error_ && !object_.is_object()) fail("", "must be an object");
  }

  std::string str(std::string_view key, bool required = false) {
    const json* v = find(key, required);
    if (!v) return {};
    if (!v->is_string()) return fail(key, "must be a string"), std::string();
    return v->get<std::string>();
  }
  uint64_t u64(std::string_view key, bool required = true) {
    const json* v = find(key, required);
    if (!v) return 0;
    if (!v->is_number_unsigned()) return fail(key, "must be an unsigned integer"), 0;
    return v->get<uint64_t>();
  }
  bool boolean(std::string_view key, bool fallback) {
    const json* v = find(key, false);
    if (!v) return fallback;
    if (!v->is_boolean()) return fail(key, "must be true or false"), fallback;
    return v->get<bool>();
  }
  const json& list(std::string_view key) {
    static const json empty = json::array();
    const json* v = find(key, false);
    if (!v) return empty;
    if (!v->is_array()) return fail(key, "must be a list"), empty;
    return *v;
  }
  const json* raw(std::string_view key) { return find(key, false); }
  std::string name(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  void fail(std::string_view key, const std::string& why) {
    if (error_) return;
    std::string where = key.empty() ? path_ : name(key);
    error_ = "'" + where + "' " + why;
  }

 private:
  const json* find(std::string_view key, bool required) {
    if (error_) return nullptr;
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) {
      if (required) fail(key, "is missing");
      return nullptr;
    }
    return &*it;
  }

  const json& object_;
  std::string path_;
  std::optional<std::string>& error_;
};

std::string at(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

json layout_json(const DiskLayout& d) {
  json parts = json::array();
  for (const auto& p : d.partitions) {
    parts.push_back({{"number", p.number},
                     {"type", p.type},
                     {"unique", p.unique},
                     {"name", p.name},
                     {"first_lba", p.first_lba},
                     {"last_lba", p.last_lba},
                     {"filesystem", p.filesystem}});
  }
  return {{"name", d.name}, {"size_bytes", d.size_bytes}, {"gpt", d.gpt}, {"partitions", parts}};
}

}  // namespace

uint64_t SnapshotManifest::logical_bytes() const {
  uint64_t sum = 0;
  for (const auto& d : disks) {
    for (const auto& c : d.chunks) sum += c.length;
  }
  return sum;
}

size_t SnapshotManifest::chunk_count() const {
  size_t n = 0;
  for (const auto& d : disks) n += d.chunks.size();
  return n;
}

json to_json(const SnapshotManifest& m) {
  json disks = json::array();
  for (const auto& d : m.disks) {
    json regions = json::array();
    for (const auto& r : d.regions) {
      regions.push_back({{"what", r.what},
                         {"offset", r.offset},
                         {"length", r.length},
                         {"mode", r.mode},
                         {"filesystem", r.filesystem},
                         {"fs_uuid", r.fs_uuid},
                         {"used_bytes", r.used_bytes}});
    }
    json chunks = json::array();
    for (const auto& c : d.chunks) chunks.push_back({c.offset, c.length, c.sha256});
    json disk = layout_json(d.layout);
    disk["disk_guid"] = d.disk_guid;
    disk["model"] = d.model;
    disk["serial"] = d.serial;
    disk["regions"] = regions;
    disk["chunks"] = chunks;
    disks.push_back(disk);
  }
  return {{"version", m.version},       {"name", m.name},         {"machine", m.machine},
          {"hostname", m.hostname},     {"firmware", m.firmware}, {"boot_loader", m.boot_loader},
          {"created_at", m.created_at}, {"facts", m.facts},       {"disks", disks}};
}

std::string encode_manifest(const SnapshotManifest& m) { return to_json(m).dump(1) + "\n"; }

Result<SnapshotManifest> parse_manifest(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return Error{"the manifest is not JSON"};
  return manifest_from_json(doc);
}

Result<SnapshotManifest> manifest_from_json(const json& doc) {
  std::optional<std::string> error;
  Reader top(doc, "", error);
  SnapshotManifest m;
  m.version = static_cast<uint32_t>(top.u64("version"));
  if (!error && m.version != kManifestVersion) {
    return Error{"manifest version " + std::to_string(m.version) + " is not known (this is " +
                 std::to_string(kManifestVersion) + ")"};
  }
  m.name = top.str("name", true);
  m.machine = top.str("machine");
  m.hostname = top.str("hostname");
  m.firmware = top.str("firmware");
  m.boot_loader = top.str("boot_loader");
  m.created_at = top.str("created_at");
  if (const json* f = top.raw("facts")) {
    if (!f->is_object()) top.fail("facts", "must be an object");
    m.facts = *f;
  }
  const json& disks = top.list("disks");
  if (!error && disks.empty()) top.fail("disks", "is empty");
  for (size_t i = 0; i < disks.size() && !error; ++i) {
    const std::string dpath = at("disks", i);
    Reader dr(disks[i], dpath, error);
    CapturedDisk d;
    d.layout.name = dr.str("name", true);
    d.layout.size_bytes = dr.u64("size_bytes");
    d.layout.gpt = dr.boolean("gpt", true);
    d.disk_guid = dr.str("disk_guid");
    d.model = dr.str("model");
    d.serial = dr.str("serial");
    const uint64_t sectors = d.layout.size_bytes / kLayoutSectorBytes;
    const json& parts = dr.list("partitions");
    for (size_t j = 0; j < parts.size() && !error; ++j) {
      Reader pr(parts[j], at(dpath + ".partitions", j), error);
      PartitionLayout p;
      p.number = static_cast<uint32_t>(pr.u64("number"));
      p.type = pr.str("type", true);
      p.unique = pr.str("unique");
      p.name = pr.str("name");
      p.first_lba = pr.u64("first_lba");
      p.last_lba = pr.u64("last_lba");
      p.filesystem = pr.str("filesystem");
      if (!error && (p.number == 0 || p.number > 128)) pr.fail("number", "must be 1..128");
      if (!error && (p.first_lba > p.last_lba || p.last_lba >= sectors)) {
        pr.fail("last_lba",
                "puts the partition outside its disk of " + std::to_string(sectors) + " sectors");
      }
      d.layout.partitions.push_back(p);
    }
    const json& regions = dr.list("regions");
    for (size_t j = 0; j < regions.size() && !error; ++j) {
      Reader rr(regions[j], at(dpath + ".regions", j), error);
      CapturedRegion r;
      r.what = rr.str("what", true);
      r.offset = rr.u64("offset");
      r.length = rr.u64("length");
      r.mode = rr.str("mode", true);
      r.filesystem = rr.str("filesystem");
      r.fs_uuid = rr.str("fs_uuid");
      r.used_bytes = rr.u64("used_bytes", false);
      if (!error && r.mode != "used-blocks" && r.mode != "raw") {
        rr.fail("mode", "must be used-blocks or raw");
      }
      if (!error && (r.offset > d.layout.size_bytes || r.length > d.layout.size_bytes - r.offset)) {
        rr.fail("length", "puts the region outside its disk");
      }
      d.regions.push_back(r);
    }
    const json& chunks = dr.list("chunks");
    uint64_t end = 0;
    for (size_t j = 0; j < chunks.size() && !error; ++j) {
      const std::string cpath = at(dpath + ".chunks", j);
      const json& c = chunks[j];
      if (!c.is_array() || c.size() != 3 || !c[0].is_number_unsigned() ||
          !c[1].is_number_unsigned() || !c[2].is_string()) {
        error = "'" + cpath + "' must be [offset, length, sha256]";
        break;
      }
      ChunkRef ref{c[0].get<uint64_t>(), 0, c[2].get<std::string>()};
      uint64_t length = c[1].get<uint64_t>();
      if (length == 0 || length > kMaxChunkBytes) {
        error = "'" + cpath + "' has length " + std::to_string(length) + " (1.." +
                std::to_string(kMaxChunkBytes) + ")";
      } else if (!is_sha256_hex(ref.sha256)) {
        error = "'" + cpath + "' has a malformed SHA-256";
      } else if (ref.offset < end) {
        error = "'" + cpath + "' starts at " + std::to_string(ref.offset) +
                ", before the previous chunk ends (" + std::to_string(end) + ")";
      } else if (ref.offset > d.layout.size_bytes || length > d.layout.size_bytes - ref.offset) {
        error = "'" + cpath + "' ends past its disk of " + std::to_string(d.layout.size_bytes) +
                " bytes";
      }
      ref.length = static_cast<uint32_t>(length);
      end = ref.offset + length;
      d.chunks.push_back(std::move(ref));
    }
    m.disks.push_back(std::move(d));
  }
  if (error) return Error{"manifest: " + *error};
  return m;
}

std::vector<DiskLayout> disk_layouts(const SnapshotManifest& m) {
  std::vector<DiskLayout> out;
  for (const auto& d : m.disks) out.push_back(d.layout);
  return out;
}

}  // namespace slipway::imaging
