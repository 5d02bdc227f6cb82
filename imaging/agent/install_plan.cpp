#include "imaging/agent/install_plan.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

namespace slipway::imaging::agent {

using nlohmann::json;

namespace {

Result<std::string> text(const json& doc, const std::string& where, const char* key, size_t max,
                         std::string_view document = "install plan") {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_string() || it->get<std::string>().size() > max) {
    return Error{std::string(document) + ": '" + where + key + "' must be a string of at most " +
                 std::to_string(max) + " bytes"};
  }
  return it->get<std::string>();
}

std::optional<std::string> bad_path(std::string_view p) {
  if (p.empty() || p.front() != '/') return "is not absolute";
  if (p.size() > 4096) return "is too long";
  size_t start = 1;
  while (start <= p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string_view::npos) end = p.size();
    std::string_view part = p.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return "has an empty, '.' or '..' part";
    start = end + 1;
  }
  for (char c : p) {
    if (static_cast<unsigned char>(c) < 0x20) return "holds a control character";
  }
  return std::nullopt;
}

bool is_sha256(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isdigit(c) || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

Result<InstallPlan::Tarball> parse_boot_kit(const nlohmann::json& t, std::string_view document,
                                            const std::string& where) {
  if (!t.is_object()) return Error{std::string(document) + ": '" + where + "' must be an object"};
  InstallPlan::Tarball tb;
  for (auto [key, out] : {std::pair{"boot_img", &tb.boot_img}, std::pair{"core_img", &tb.core_img},
                          std::pair{"efi_loader", &tb.efi_loader}}) {
    auto v = text(t, where, key, 1024, document);
    if (!v) return v.error();
    if (auto why = bad_path(*v))
      return Error{std::string(document) + ": '" + where + key + "' " + *why};
    *out = *v;
  }
  auto args = text(t, where, "kernel_args", 1024, document);
  if (!args) return args.error();
  if (args->find_first_of("\n\r\"'$;{}") != std::string::npos) {
    return Error{std::string(document) + ": '" + where +
                 "kernel_args' holds a character GRUB would read as syntax"};
  }
  tb.kernel_args = *args;
  return tb;
}

Result<InstallPlan> parse_install_plan(std::string_view json_text) {
  if (json_text.size() > kMaxPlanBytes) return Error{"install plan: larger than 8 MiB"};
  json doc = json::parse(json_text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("plan") || !doc["plan"].is_object()) {
    return Error{"install plan: not a JSON object with a 'plan' object"};
  }
  const json& p = doc["plan"];
  InstallPlan plan;
  auto machine = text(p, "", "machine", 63);
  auto profile = text(p, "", "profile", 63);
  if (!machine) return machine.error();
  if (!profile) return profile.error();
  plan.machine = *machine;
  plan.profile = *profile;
  if (!p.contains("image") || !p["image"].is_object()) {
    return Error{"install plan: 'image' must be an object"};
  }
  const json& img = p["image"];
  auto name = text(img, "image.", "name", 128);
  auto path = text(img, "image.", "path", 1024);
  auto sha = text(img, "image.", "sha256", 64);
  auto format = text(img, "image.", "format", 16);
  for (const auto* r : {&name, &path, &sha, &format}) {
    if (!*r) return r->error();
  }
  if (auto why = bad_path(*path)) return Error{"install plan: 'image.path' " + *why};
  if (!is_sha256(*sha))
    return Error{"install plan: 'image.sha256' must be 64 lower-case hex digits"};
  constexpr std::array<std::string_view, 5> kFormats = {"raw", "raw.zst", "tar", "tar.gz",
                                                        "tar.zst"};
  if (std::find(kFormats.begin(), kFormats.end(), *format) == kFormats.end()) {
    return Error{"install plan: image format '" + *format +
                 "' is not raw, raw.zst, tar, tar.gz or tar.zst"};
  }
  if (!img.contains("size") || !img["size"].is_number_unsigned()) {
    return Error{"install plan: 'image.size' must be a byte count"};
  }
  plan.image = {*name, *path, *sha, *format, img["size"].get<uint64_t>()};
  if (plan.is_tarball()) {
    if (!p.contains("tarball") || !p["tarball"].is_object()) {
      return Error{"install plan: a " + *format + " image needs a 'tarball' object"};
    }
    auto tb = parse_boot_kit(p["tarball"], "install plan", "tarball.");
    if (!tb) return tb.error();
    plan.tarball = *tb;
  }
  if (!p.contains("files") || !p["files"].is_array()) {
    return Error{"install plan: 'files' must be a list"};
  }
  if (p["files"].size() > kMaxPlanFiles) return Error{"install plan: more than 64 files"};
  for (size_t i = 0; i < p["files"].size(); ++i) {
    const json& f = p["files"][i];
    const std::string where = "files[" + std::to_string(i) + "].";
    if (!f.is_object()) return Error{"install plan: '" + where + "' must be an object"};
    auto fpath = text(f, where, "path", 4096);
    auto content = text(f, where, "content", kMaxPlanFileBytes);
    if (!fpath) return fpath.error();
    if (!content) return content.error();
    if (auto why = bad_path(*fpath)) return Error{"install plan: '" + where + "path' " + *why};
    uint32_t mode = 0644;
    if (f.contains("mode")) {
      if (!f["mode"].is_number_unsigned() || f["mode"].get<uint64_t>() > 07777) {
        return Error{"install plan: '" + where + "mode' must be a file mode up to 07777"};
      }
      mode = f["mode"].get<uint32_t>();
    }
    plan.files.push_back({*fpath, *content, mode});
  }
  return plan;
}

std::optional<DiskInfo> pick_install_disk(std::vector<DiskInfo> disks) {
  auto fixed = fixed_disks(std::move(disks));
  if (fixed.empty()) return std::nullopt;
  return fixed.front();
}

std::vector<DiskInfo> fixed_disks(std::vector<DiskInfo> disks) {
  constexpr std::array<std::string_view, 8> kSkip = {"loop", "ram", "sr", "fd",
                                                     "zram", "dm-", "md", "nbd"};
  std::sort(disks.begin(), disks.end(),
            [](const DiskInfo& a, const DiskInfo& b) { return a.name < b.name; });
  std::vector<DiskInfo> out;
  for (const auto& d : disks) {
    bool skip = d.size_bytes == 0 || d.removable || d.read_only;
    for (auto prefix : kSkip) skip = skip || d.name.rfind(prefix, 0) == 0;
    if (!skip) out.push_back(d);
  }
  return out;
}

}  // namespace slipway::imaging::agent
