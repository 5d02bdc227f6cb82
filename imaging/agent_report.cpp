#include "imaging/agent_report.h"

#include <nlohmann/json.hpp>

namespace slipway::imaging {

using nlohmann::json;

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

Result<AgentReport> parse_agent_report(std::string_view text) {
  if (text.size() > kMaxReportBytes) {
    return Error{"report is " + std::to_string(text.size()) + " bytes, the limit is " +
                 std::to_string(kMaxReportBytes)};
  }
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Error{"report is not valid JSON"};
  if (!doc.is_object()) return Error{"report must be a JSON object"};

  auto get_string = [&](const char* key) -> Result<std::optional<std::string>> {
    auto it = doc.find(key);
    if (it == doc.end() || it->is_null()) return std::optional<std::string>{};
    if (!it->is_string()) return Error{std::string("'") + key + "' must be a string"};
    return std::optional<std::string>(it->get<std::string>());
  };

  for (const auto& [key, value] : doc.items()) {
    if (key != "mac" && key != "uuid" && key != "event" && key != "kernel" && key != "ip") {
      return Error{"unknown key '" + key + "'"};
    }
  }

  AgentReport r;
  auto mac = get_string("mac");
  if (!mac) return mac.error();
  if (!*mac) return Error{"'mac' is required"};
  auto parsed_mac = MacAddress::parse(**mac);
  if (!parsed_mac) return Error{"'mac' is not a MAC address: '" + **mac + "'"};
  r.mac = *parsed_mac;

  auto event = get_string("event");
  if (!event) return event.error();
  if (!*event) return Error{"'event' is required"};
  auto parsed_event = parse_agent_event(**event);
  if (!parsed_event) return Error{"unknown event '" + **event + "'"};
  r.event = *parsed_event;

  auto uuid = get_string("uuid");
  if (!uuid) return uuid.error();
  if (*uuid && !(*uuid)->empty()) {
    auto parsed = Uuid::parse(**uuid);
    if (!parsed) return Error{"'uuid' is not a UUID: '" + **uuid + "'"};
    if (parsed->is_identity()) r.uuid = *parsed;
  }

  auto kernel = get_string("kernel");
  if (!kernel) return kernel.error();
  if (*kernel) {
    if ((*kernel)->size() > 128) return Error{"'kernel' is longer than 128 characters"};
    r.kernel = **kernel;
  }

  auto ip = get_string("ip");
  if (!ip) return ip.error();
  if (*ip && !(*ip)->empty()) {
    auto parsed = Ipv4::parse(**ip);
    if (!parsed) return Error{"'ip' is not an IPv4 address: '" + **ip + "'"};
    r.ip = *parsed;
  }
  return r;
}

std::string to_json(const AgentReport& r) {
  json doc = {{"mac", r.mac.to_string()}, {"event", to_string(r.event)}};
  if (r.uuid) doc["uuid"] = r.uuid->to_string();
  if (!r.kernel.empty()) doc["kernel"] = r.kernel;
  if (r.ip) doc["ip"] = r.ip->to_string();
  return doc.dump();
}

}  // namespace slipway::imaging
