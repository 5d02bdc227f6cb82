#include "controlplane/agent_fields.h"

namespace slipway::controlplane {

using nlohmann::json;

Result<MacAddress> mac_field(const json& doc) {
  auto it = doc.find("mac");
  if (it == doc.end() || !it->is_string()) return Error{"'mac' must be a MAC address"};
  auto mac = MacAddress::parse(it->get<std::string>());
  if (!mac) return Error{"'mac' must be a MAC address"};
  return *mac;
}

Result<uint64_t> count_field(const json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end()) return uint64_t{0};
  if (!it->is_number_unsigned()) return Error{std::string("'") + key + "' must be a count"};
  return it->get<uint64_t>();
}

Result<std::string> text_field(const json& doc, const char* key, size_t max) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return std::string();
  if (!it->is_string() || it->get<std::string>().size() > max) {
    return Error{std::string("'") + key + "' must be a string of at most " + std::to_string(max) +
                 " characters"};
  }
  std::string s = it->get<std::string>();
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20) {
      return Error{std::string("'") + key + "' holds a control character"};
    }
  }
  return s;
}

Result<AgentProgress> progress_fields(const json& doc, std::initializer_list<const char*> stages) {
  AgentProgress r;
  auto stage = text_field(doc, "stage", 16);
  std::string names;
  bool known = false;
  for (const char* s : stages) {
    names += (names.empty() ? "" : ", ") + std::string(s);
    known = known || (stage && *stage == s);
  }
  if (!known) return Error{"'stage' must be one of " + names};
  r.stage = *stage;
  auto done = count_field(doc, "bytes_done");
  if (!done) return done.error();
  auto total = count_field(doc, "bytes_total");
  if (!total) return total.error();
  auto message = text_field(doc, "message", 1024);
  if (!message) return message.error();
  r.bytes_done = *done;
  r.bytes_total = *total;
  r.message = *message;
  return r;
}

Result<MachineProgress> machine_progress(const json& doc,
                                         std::initializer_list<const char*> stages) {
  auto mac = mac_field(doc);
  if (!mac) return mac.error();
  auto r = progress_fields(doc, stages);
  if (!r) return r.error();
  return MachineProgress{*mac, *r};
}

}  // namespace slipway::controlplane
