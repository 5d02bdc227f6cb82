#include "controlplane/cli_machines.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "controlplane/api_client.h"
#include "controlplane/table.h"

namespace slipway::controlplane {

using nlohmann::json;

namespace {

std::string text_or_dash(const json& v) {
  if (v.is_string() && !v.get<std::string>().empty()) return v.get<std::string>();
  return "-";
}

}  // namespace

int machines_list(const std::string& server_url, bool as_json) {
  ApiClient client(server_url);
  auto response = client.get("/api/v1/machines");
  if (!response) {
    std::cerr << "slipway: " << response.error().message
              << " (is `slipway serve` running there? set --server or SLIPWAY_URL)\n";
    return 1;
  }
  if (response->status != 200) {
    std::cerr << "slipway: the appliance refused: " << api_error_text(*response) << "\n";
    return 1;
  }
  auto doc = json::parse(response->body, nullptr, false);
  if (doc.is_discarded() || !doc.contains("machines") || !doc["machines"].is_array()) {
    std::cerr << "slipway: the appliance sent an answer this CLI does not understand\n";
    return 1;
  }
  if (as_json) {
    std::cout << doc.dump(2) << "\n";
    return 0;
  }
  Table table({"NAME", "STATE", "FIRMWARE", "MAC", "IP", "UUID", "AGENT", "LAST SEEN"});
  for (const auto& m : doc["machines"]) {
    std::string mac = "-";
    std::string ip = "-";
    const auto& ifaces = m.value("interfaces", json::array());
    if (!ifaces.empty()) {
      mac = text_or_dash(ifaces[0]["mac"]);
      if (ifaces.size() > 1) mac += " (+" + std::to_string(ifaces.size() - 1) + ")";
      for (const auto& i : ifaces) {
        if (i["last_ip"].is_string()) ip = i["last_ip"].get<std::string>();
      }
    }
    std::string agent = "-";
    if (m["agent_reported_at"].is_number()) {
      agent =
          text_or_dash(m["agent_event"]) + " " + format_time(m["agent_reported_at"].get<int64_t>());
    }
    table.add_row({text_or_dash(m["name"]), text_or_dash(m["state"]), text_or_dash(m["firmware"]),
                   mac, ip, text_or_dash(m["uuid"]), agent,
                   format_time(m.value("last_seen", int64_t{0}))});
  }
  std::cout << table.render();
  std::cout << doc["machines"].size() << " machine(s)\n";
  return 0;
}

}  // namespace slipway::controlplane
