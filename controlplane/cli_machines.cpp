#include "controlplane/cli_machines.h"

#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/url.h"
#include "controlplane/api_client.h"
#include "controlplane/table.h"

namespace slipway::controlplane {

using nlohmann::json;

namespace {

std::string text_or_dash(const json& v) {
  if (v.is_string() && !v.get<std::string>().empty()) return v.get<std::string>();
  return "-";
}

std::string labels_text(const json& m) {
  std::string out;
  auto it = m.find("labels");
  if (it == m.end() || !it->is_object()) return "-";
  for (const auto& [k, v] : it->items()) {
    out += (out.empty() ? "" : ",") + k + "=" + (v.is_string() ? v.get<std::string>() : "");
  }
  return out.empty() ? "-" : out;
}

std::string state_text(const json& m) {
  std::string s = text_or_dash(m["state"]);
  if (m.value("awaiting_approval", false)) s += " (awaiting approval)";
  return s;
}

std::string event_text(const json& e) {
  const json& d = e["detail"];
  if (e.value("kind", "") == "machine.state" && d.is_object()) {
    return text_or_dash(d["from"]) + " -> " + text_or_dash(d["to"]) + ": " +
           text_or_dash(d["reason"]) + " (" + text_or_dash(d["actor"]) + ")";
  }
  return d.is_string() ? d.get<std::string>() : d.dump();
}

void print_events(const json& events) {
  Table table({"TIME", "MACHINE", "KIND", "DETAIL"});
  for (const auto& e : events) {
    std::string machine =
        e["machine_id"].is_number() ? std::to_string(e["machine_id"].get<int64_t>()) : "-";
    table.add_row({format_time(e.value("time", int64_t{0})), machine, text_or_dash(e["kind"]),
                   event_text(e)});
  }
  std::cout << table.render();
}

// Prints the machine a change returned: one line, or the JSON.
int print_changed(const std::optional<json>& doc, bool as_json, const std::string& done) {
  if (!doc) return 1;
  if (as_json) {
    std::cout << doc->dump(2) << "\n";
    return 0;
  }
  const json& m = (*doc)["machine"];
  std::cout << "machine " << text_or_dash(m["name"]) << " " << done << "; state " << state_text(m)
            << ", labels " << labels_text(m) << "\n";
  return 0;
}

}  // namespace

Result<LabelChange> parse_label_terms(const std::vector<std::string>& terms) {
  LabelChange change;
  for (const auto& t : terms) {
    size_t eq = t.find('=');
    if (eq != std::string::npos && eq > 0) {
      change.set[t.substr(0, eq)] = t.substr(eq + 1);
    } else if (eq == std::string::npos && t.size() > 1 && t.back() == '-') {
      change.remove.push_back(t.substr(0, t.size() - 1));
    } else {
      return Error{"'" + t + "' is neither key=value (set a label) nor key- (remove one)"};
    }
  }
  if (change.set.empty() && change.remove.empty()) return Error{"no label to set or remove"};
  return change;
}

int machines_list(const std::string& server_url, bool as_json, const std::string& state,
                  const std::vector<std::string>& labels) {
  ApiClient client(server_url);
  std::string query;
  if (!state.empty()) query += "state=" + url::encode(state);
  if (!labels.empty()) {
    std::string joined;
    for (const auto& l : labels) joined += (joined.empty() ? "" : ",") + l;
    query += (query.empty() ? "" : "&") + std::string("label=") + url::encode(joined);
  }
  auto doc = api_answer(client, client.get("/api/v1/machines" + (query.empty() ? "" : "?" + query)),
                        "machines");
  if (!doc) return 1;
  if (!(*doc)["machines"].is_array()) {
    std::cerr << "slipway: the appliance sent an answer this CLI does not understand\n";
    return 1;
  }
  if (as_json) {
    std::cout << doc->dump(2) << "\n";
    return 0;
  }
  Table table({"NAME", "STATE", "FIRMWARE", "MAC", "IP", "UUID", "CPU", "MEMORY", "DISK", "LABELS",
               "AGENT", "LAST SEEN"});
  for (const auto& m : (*doc)["machines"]) {
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
    std::string cpu = "-", memory = "-", disk = "-";
    if (const json& hw = m["hardware"]; hw.is_object()) {
      cpu = std::to_string(hw.value("cpu_threads", 0));
      memory = format_bytes(hw.value("memory_bytes", uint64_t{0}));
      disk = format_bytes(hw.value("disk_bytes", uint64_t{0}));
    }
    table.add_row({text_or_dash(m["name"]), state_text(m), text_or_dash(m["firmware"]), mac, ip,
                   text_or_dash(m["uuid"]), cpu, memory, disk, labels_text(m), agent,
                   format_time(m.value("last_seen", int64_t{0}))});
  }
  std::cout << table.render();
  std::cout << (*doc)["machines"].size() << " machine(s)\n";
  return 0;
}

int machines_show(const std::string& server_url, const std::string& key, bool as_json) {
  ApiClient client(server_url);
  auto doc = api_answer(client, client.get(machine_path(key) + "?limit=20"), "machine");
  if (!doc) return 1;
  if (as_json) {
    std::cout << doc->dump(2) << "\n";
    return 0;
  }
  const json& m = (*doc)["machine"];
  Table facts({"FIELD", "VALUE"});
  facts.add_row({"name", text_or_dash(m["name"])});
  facts.add_row({"state", state_text(m)});
  facts.add_row({"uuid", text_or_dash(m["uuid"])});
  facts.add_row({"firmware", text_or_dash(m["firmware"]) + " " + text_or_dash(m["arch"])});
  facts.add_row({"labels", labels_text(m)});
  if (const json& hw = m["hardware"]; hw.is_object()) {
    facts.add_row({"hardware", text_or_dash(hw["vendor"]) + " " + text_or_dash(hw["product"]) +
                                   ", serial " + text_or_dash(hw["serial"])});
    facts.add_row({"cpu, memory", std::to_string(hw.value("cpu_threads", 0)) + " threads, " +
                                      format_bytes(hw.value("memory_bytes", uint64_t{0}))});
    facts.add_row({"disks", std::to_string(hw.value("disks", 0)) + ", " +
                                format_bytes(hw.value("disk_bytes", uint64_t{0})) + " in all"});
    facts.add_row({"inspected", format_time(hw.value("inspected_at", int64_t{0}))});
  }
  facts.add_row({"first seen", format_time(m.value("first_seen", int64_t{0}))});
  facts.add_row({"last seen", format_time(m.value("last_seen", int64_t{0}))});
  std::cout << facts.render() << "\n";
  Table ifaces({"MAC", "FIRMWARE", "ARCH", "IP", "LAST SEEN"});
  for (const auto& i : m.value("interfaces", json::array())) {
    ifaces.add_row({text_or_dash(i["mac"]), text_or_dash(i["firmware"]), text_or_dash(i["arch"]),
                    text_or_dash(i["last_ip"]), format_time(i.value("last_seen", int64_t{0}))});
  }
  std::cout << ifaces.render() << "\n";
  print_events((*doc)["events"]);
  return 0;
}

int machines_events(const std::string& server_url, const std::string& key, size_t limit,
                    bool as_json) {
  ApiClient client(server_url);
  std::string path = "/api/v1/events?limit=" + std::to_string(limit);
  if (!key.empty()) path += "&machine=" + url::encode(key);
  auto doc = api_answer(client, client.get(path), "events");
  if (!doc) return 1;
  if (as_json) {
    std::cout << doc->dump(2) << "\n";
    return 0;
  }
  print_events((*doc)["events"]);
  return 0;
}

int machines_approve(const std::string& server_url, const std::string& key, bool as_json) {
  ApiClient client(server_url);
  return print_changed(
      api_answer(client, client.post(machine_path(key, "approve"), "{}"), "machine"), as_json,
      "approved");
}

int machines_rename(const std::string& server_url, const std::string& key,
                    const std::string& new_name, bool as_json) {
  ApiClient client(server_url);
  auto body = json({{"name", new_name}}).dump();
  return print_changed(
      api_answer(client, client.post(machine_path(key, "rename"), body), "machine"), as_json,
      "renamed");
}

int machines_label(const std::string& server_url, const std::string& key,
                   const std::vector<std::string>& terms, bool as_json) {
  auto change = parse_label_terms(terms);
  if (!change) {
    std::cerr << "slipway: " << change.error().message << "\n";
    return 2;
  }
  ApiClient client(server_url);
  auto body = json({{"set", change->set}, {"remove", change->remove}}).dump();
  return print_changed(
      api_answer(client, client.post(machine_path(key, "labels"), body), "machine"), as_json,
      "labelled");
}

int machines_set_state(const std::string& server_url, const std::string& key,
                       const std::string& state, const std::string& reason, bool as_json) {
  ApiClient client(server_url);
  auto body = json({{"state", state}, {"reason", reason}}).dump();
  return print_changed(api_answer(client, client.post(machine_path(key, "state"), body), "machine"),
                       as_json, "moved");
}

int machines_forget(const std::string& server_url, const std::string& key, bool as_json) {
  ApiClient client(server_url);
  return print_changed(api_answer(client, client.del(machine_path(key)), "machine"), as_json,
                       "forgotten");
}

int machines_merge(const std::string& server_url, const std::string& from, const std::string& into,
                   bool as_json) {
  ApiClient client(server_url);
  auto body = json({{"from", from}}).dump();
  return print_changed(
      api_answer(client, client.post(machine_path(into, "merge"), body), "machine"), as_json,
      "merged (" + from + " folded in)");
}

}  // namespace slipway::controlplane
