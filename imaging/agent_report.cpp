#include "imaging/agent_report.h"

#include <algorithm>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <utility>

namespace slipway::imaging {

using nlohmann::json;

namespace {

constexpr std::pair<FirmwareMode, std::string_view> kFirmwareNames[] = {
    {FirmwareMode::kUnknown, "unknown"},
    {FirmwareMode::kBios, "bios"},
    {FirmwareMode::kUefi, "uefi"}};

// The name of a field in error messages: "mac", "facts.cpu.model", "facts.disks[2].serial".
std::string field(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}
std::string item(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

bool printable(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

bool lower_hex(std::string_view s, size_t digits) {
  return s.size() == digits && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Status only_keys(const json& object, const std::string& path,
                 std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return Error{"unknown key '" + field(path, key) + "'"};
    }
  }
  return {};
}

// The member `key` of `object`; nullptr when it is absent or null (both mean "not known").
const json* member(const json& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

Status read_string(const json& object, const std::string& path, std::string_view key,
                   size_t max_chars, std::string& out) {
  const json* v = member(object, key);
  if (v == nullptr) return {};
  if (!v->is_string()) return Error{"'" + field(path, key) + "' must be a string"};
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() > max_chars) {
    return Error{"'" + field(path, key) + "' is longer than " + std::to_string(max_chars) +
                 " characters"};
  }
  if (!printable(s)) return Error{"'" + field(path, key) + "' has control characters"};
  out = s;
  return {};
}

template <typename T>
Status read_unsigned(const json& object, const std::string& path, std::string_view key,
                     uint64_t max, T& out) {
  const json* v = member(object, key);
  if (v == nullptr) return {};
  if (!v->is_number_unsigned()) {
    return Error{"'" + field(path, key) + "' must be an unsigned integer"};
  }
  uint64_t n = v->get<uint64_t>();
  if (n > max) {
    return Error{"'" + field(path, key) + "' is larger than " + std::to_string(max)};
  }
  out = static_cast<T>(n);
  return {};
}

Status read_bool(const json& object, const std::string& path, std::string_view key, bool& out) {
  const json* v = member(object, key);
  if (v == nullptr) return {};
  if (!v->is_boolean()) return Error{"'" + field(path, key) + "' must be true or false"};
  out = v->get<bool>();
  return {};
}

// An object member: nullptr when absent or null, an Error when it is not an object.
Result<const json*> read_object(const json& object, const std::string& path, std::string_view key) {
  const json* v = member(object, key);
  if (v != nullptr && !v->is_object()) {
    return Error{"'" + field(path, key) + "' must be an object"};
  }
  return v;
}

// An array member of at most `max_items` items, each checked by `read_item(item, item_path)`.
template <typename T, typename ReadItem>
Status read_list(const json& object, const std::string& path, std::string_view key,
                 size_t max_items, std::vector<T>& out, ReadItem read_item) {
  const json* v = member(object, key);
  if (v == nullptr) return {};
  const std::string name = field(path, key);
  if (!v->is_array()) return Error{"'" + name + "' must be an array"};
  if (v->size() > max_items) {
    return Error{"'" + name + "' has " + std::to_string(v->size()) + " entries, the limit is " +
                 std::to_string(max_items)};
  }
  out.reserve(v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    T value{};
    if (auto s = read_item((*v)[i], item(name, i), value); !s) return s;
    out.push_back(std::move(value));
  }
  return {};
}

// Reads the members of one object in order, keeping the first error.
class ObjectReader {
 public:
  ObjectReader(const json& object, std::string path) : object_(object), path_(std::move(path)) {
    if (!object_.is_object()) status_ = Error{"'" + path_ + "' must be an object"};
  }
  ObjectReader& keys(std::initializer_list<std::string_view> known) {
    if (status_) status_ = only_keys(object_, path_, known);
    return *this;
  }
  ObjectReader& str(std::string_view key, size_t max_chars, std::string& out) {
    if (status_) status_ = read_string(object_, path_, key, max_chars, out);
    return *this;
  }
  template <typename T>
  ObjectReader& num(std::string_view key, uint64_t max, T& out) {
    if (status_) status_ = read_unsigned(object_, path_, key, max, out);
    return *this;
  }
  ObjectReader& flag(std::string_view key, bool& out) {
    if (status_) status_ = read_bool(object_, path_, key, out);
    return *this;
  }
  template <typename T, typename ReadItem>
  ObjectReader& list(std::string_view key, size_t max_items, std::vector<T>& out,
                     ReadItem read_item) {
    if (status_) status_ = read_list(object_, path_, key, max_items, out, read_item);
    return *this;
  }
  // A check of the values read so far.
  ObjectReader& require(bool ok, std::string_view key, std::string_view what) {
    if (status_ && !ok) status_ = Error{"'" + field(path_, key) + "' " + std::string(what)};
    return *this;
  }
  const Status& status() const { return status_; }

 private:
  const json& object_;
  std::string path_;
  Status status_;
};

Status read_dimm(const json& v, const std::string& path, Dimm& d) {
  return ObjectReader(v, path)
      .keys({"locator", "size_bytes", "speed_mts"})
      .str("locator", kMaxFactChars, d.locator)
      .num("size_bytes", UINT64_MAX, d.size_bytes)
      .num("speed_mts", kMaxDimmSpeedMts, d.speed_mts)
      .status();
}

Status read_disk(const json& v, const std::string& path, DiskFacts& d) {
  return ObjectReader(v, path)
      .keys({"name", "size_bytes", "model", "serial", "wwn", "rotational"})
      .str("name", kMaxNameChars, d.name)
      .require(!d.name.empty(), "name", "is required")
      .num("size_bytes", UINT64_MAX, d.size_bytes)
      .str("model", kMaxFactChars, d.model)
      .str("serial", kMaxFactChars, d.serial)
      .str("wwn", kMaxFactChars, d.wwn)
      .flag("rotational", d.rotational)
      .status();
}

Status read_nic(const json& v, const std::string& path, NicFacts& n) {
  std::string mac;
  uint32_t speed = 0;
  const bool has_speed = v.is_object() && member(v, "speed_mbps") != nullptr;
  Status s = ObjectReader(v, path)
                 .keys({"name", "mac", "driver", "speed_mbps", "link"})
                 .str("name", kMaxNameChars, n.name)
                 .require(!n.name.empty(), "name", "is required")
                 .str("mac", kMaxFactChars, mac)
                 .require(MacAddress::parse(mac).has_value(), "mac", "is not a MAC address")
                 .str("driver", kMaxFactChars, n.driver)
                 .num("speed_mbps", kMaxLinkMbps, speed)
                 .flag("link", n.link)
                 .status();
  if (!s) return s;
  n.mac = *MacAddress::parse(mac);
  if (has_speed) n.speed_mbps = speed;
  return {};
}

Status read_pci(const json& v, const std::string& path, PciDevice& p) {
  return ObjectReader(v, path)
      .keys({"address", "vendor", "device", "class", "driver"})
      .str("address", kMaxPciAddressChars, p.address)
      .require(!p.address.empty(), "address", "is required")
      .str("vendor", 4, p.vendor)
      .require(lower_hex(p.vendor, 4), "vendor", "must be 4 lower-case hex digits")
      .str("device", 4, p.device)
      .require(lower_hex(p.device, 4), "device", "must be 4 lower-case hex digits")
      .str("class", 6, p.class_code)
      .require(lower_hex(p.class_code, 6), "class", "must be 6 lower-case hex digits")
      .str("driver", kMaxFactChars, p.driver)
      .status();
}

Status read_cpu_flag(const json& v, const std::string& path, std::string& flag) {
  if (!v.is_string()) return Error{"'" + path + "' must be a string"};
  flag = v.get<std::string>();
  if (flag.empty() || flag.size() > kMaxCpuFlagChars || !printable(flag)) {
    return Error{"'" + path + "' must be 1 to " + std::to_string(kMaxCpuFlagChars) +
                 " printable characters"};
  }
  return {};
}

Result<HardwareFacts> read_facts(const json& v) {
  const std::string path = "facts";
  HardwareFacts f;
  std::string firmware = "unknown";
  Status s = ObjectReader(v, path)
                 .keys({"firmware", "dmi", "cpu", "memory", "disks", "nics", "pci"})
                 .str("firmware", kMaxFactChars, firmware)
                 .require(parse_firmware_mode(firmware).has_value(), "firmware",
                          "must be \"uefi\", \"bios\" or \"unknown\"")
                 .list("disks", kMaxDisks, f.disks, read_disk)
                 .list("nics", kMaxNics, f.nics, read_nic)
                 .list("pci", kMaxPciDevices, f.pci, read_pci)
                 .status();
  if (!s) return s.error();
  f.firmware = *parse_firmware_mode(firmware);

  auto dmi = read_object(v, path, "dmi");
  if (!dmi) return dmi.error();
  if (*dmi != nullptr) {
    DmiFacts& d = f.dmi;
    s = ObjectReader(**dmi, "facts.dmi")
            .keys({"vendor", "product", "serial", "uuid", "bios_version", "bios_date"})
            .str("vendor", kMaxFactChars, d.vendor)
            .str("product", kMaxFactChars, d.product)
            .str("serial", kMaxFactChars, d.serial)
            .str("uuid", kMaxFactChars, d.uuid)
            .str("bios_version", kMaxFactChars, d.bios_version)
            .str("bios_date", kMaxFactChars, d.bios_date)
            .status();
    if (!s) return s.error();
  }
  auto cpu = read_object(v, path, "cpu");
  if (!cpu) return cpu.error();
  if (*cpu != nullptr) {
    CpuFacts& c = f.cpu;
    s = ObjectReader(**cpu, "facts.cpu")
            .keys({"model", "sockets", "cores", "threads", "flags"})
            .str("model", kMaxFactChars, c.model)
            .num("sockets", kMaxCpuCount, c.sockets)
            .num("cores", kMaxCpuCount, c.cores)
            .num("threads", kMaxCpuCount, c.threads)
            .list("flags", kMaxCpuFlags, c.flags, read_cpu_flag)
            .status();
    if (!s) return s.error();
  }
  auto memory = read_object(v, path, "memory");
  if (!memory) return memory.error();
  if (*memory != nullptr) {
    s = ObjectReader(**memory, "facts.memory")
            .keys({"total_bytes", "dimms"})
            .num("total_bytes", UINT64_MAX, f.memory.total_bytes)
            .list("dimms", kMaxDimms, f.memory.dimms, read_dimm)
            .status();
    if (!s) return s.error();
  }
  return f;
}

template <typename T, typename ToJson>
json array_of(const std::vector<T>& items, ToJson to_json_item) {
  json out = json::array();
  for (const auto& i : items) out.push_back(to_json_item(i));
  return out;
}

json facts_to_json(const HardwareFacts& f) {
  json disks = array_of(f.disks, [](const DiskFacts& d) {
    return json{{"name", d.name},   {"size_bytes", d.size_bytes},
                {"model", d.model}, {"serial", d.serial},
                {"wwn", d.wwn},     {"rotational", d.rotational}};
  });
  json nics = array_of(f.nics, [](const NicFacts& n) {
    json nic = {
        {"name", n.name}, {"mac", n.mac.to_string()}, {"driver", n.driver}, {"link", n.link}};
    if (n.speed_mbps) nic["speed_mbps"] = *n.speed_mbps;
    return nic;
  });
  json pci = array_of(f.pci, [](const PciDevice& p) {
    return json{{"address", p.address},
                {"vendor", p.vendor},
                {"device", p.device},
                {"class", p.class_code},
                {"driver", p.driver}};
  });
  json dimms = array_of(f.memory.dimms, [](const Dimm& d) {
    return json{{"locator", d.locator}, {"size_bytes", d.size_bytes}, {"speed_mts", d.speed_mts}};
  });
  return {{"firmware", to_string(f.firmware)},
          {"dmi",
           {{"vendor", f.dmi.vendor},
            {"product", f.dmi.product},
            {"serial", f.dmi.serial},
            {"uuid", f.dmi.uuid},
            {"bios_version", f.dmi.bios_version},
            {"bios_date", f.dmi.bios_date}}},
          {"cpu",
           {{"model", f.cpu.model},
            {"sockets", f.cpu.sockets},
            {"cores", f.cpu.cores},
            {"threads", f.cpu.threads},
            {"flags", f.cpu.flags}}},
          {"memory", {{"total_bytes", f.memory.total_bytes}, {"dimms", std::move(dimms)}}},
          {"disks", std::move(disks)},
          {"nics", std::move(nics)},
          {"pci", std::move(pci)}};
}

}  // namespace

std::string_view to_string(AgentEvent e) {
  switch (e) {
    case AgentEvent::kBooted:
      return "booted";
  }
  return "unknown";
}

std::optional<AgentEvent> parse_agent_event(std::string_view text) {
  if (text == "booted") return AgentEvent::kBooted;
  return std::nullopt;
}

std::string_view to_string(FirmwareMode m) {
  for (const auto& [mode, name] : kFirmwareNames) {
    if (mode == m) return name;
  }
  return "unknown";
}

std::optional<FirmwareMode> parse_firmware_mode(std::string_view text) {
  for (const auto& [mode, name] : kFirmwareNames) {
    if (name == text) return mode;
  }
  return std::nullopt;
}

Result<AgentReport> parse_agent_report(std::string_view text) {
  if (text.size() > kMaxReportBytes) {
    return Error{"report is " + std::to_string(text.size()) + " bytes, the limit is " +
                 std::to_string(kMaxReportBytes)};
  }
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Error{"report is not valid JSON"};
  if (!doc.is_object()) return Error{"report must be a JSON object"};
  if (auto s = only_keys(doc, "", {"mac", "uuid", "event", "kernel", "ip", "facts"}); !s) {
    return s.error();
  }

  std::string mac, event, uuid, kernel, ip;
  for (auto [key, out] : {std::pair{"mac", &mac},
                          {"event", &event},
                          {"uuid", &uuid},
                          {"ip", &ip},
                          {"kernel", &kernel}}) {
    const json* v = member(doc, key);
    if (v != nullptr && !v->is_string())
      return Error{std::string("'") + key + "' must be a string"};
    if (v != nullptr) *out = v->get<std::string>();
  }

  AgentReport r;
  if (!member(doc, "mac")) return Error{"'mac' is required"};
  auto parsed_mac = MacAddress::parse(mac);
  if (!parsed_mac) return Error{"'mac' is not a MAC address: '" + mac + "'"};
  r.mac = *parsed_mac;

  if (!member(doc, "event")) return Error{"'event' is required"};
  auto parsed_event = parse_agent_event(event);
  if (!parsed_event) return Error{"unknown event '" + event + "'"};
  r.event = *parsed_event;

  if (!uuid.empty()) {
    auto parsed = Uuid::parse(uuid);
    if (!parsed) return Error{"'uuid' is not a UUID: '" + uuid + "'"};
    if (parsed->is_identity()) r.uuid = *parsed;
  }

  if (kernel.size() > 128) return Error{"'kernel' is longer than 128 characters"};
  r.kernel = kernel;

  if (!ip.empty()) {
    auto parsed = Ipv4::parse(ip);
    if (!parsed) return Error{"'ip' is not an IPv4 address: '" + ip + "'"};
    r.ip = *parsed;
  }

  if (const json* facts = member(doc, "facts")) {
    auto parsed = read_facts(*facts);
    if (!parsed) return parsed.error();
    r.facts = std::move(*parsed);
  }
  return r;
}

std::string to_json(const AgentReport& r) {
  json doc = {{"mac", r.mac.to_string()}, {"event", to_string(r.event)}};
  if (r.uuid) doc["uuid"] = r.uuid->to_string();
  if (!r.kernel.empty()) doc["kernel"] = r.kernel;
  if (r.ip) doc["ip"] = r.ip->to_string();
  if (r.facts) doc["facts"] = facts_to_json(*r.facts);
  // Replacing invalid UTF-8 instead of throwing: the agent sanitises its strings, but a report
  // must never take the agent down.
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace slipway::imaging
