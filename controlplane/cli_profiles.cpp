#include "controlplane/cli_profiles.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "common/url.h"
#include "controlplane/api_client.h"
#include "controlplane/table.h"

namespace slipway::controlplane {

using nlohmann::json;

namespace {

std::string selector_text(const json& s) {
  std::string out;
  auto add = [&](const std::string& part) { out += (out.empty() ? "" : ", ") + part; };
  const json labels = s.value("labels", json::object());
  for (const auto& [k, v] : labels.items()) add("label " + k + "=" + v.get<std::string>());
  const json facts = s.value("facts", json::object());
  for (const auto& [k, v] : facts.items()) add(k + " " + v.get<std::string>());
  if (auto n = s.value("macs", json::array()).size()) add(std::to_string(n) + " MAC(s)");
  if (auto n = s.value("uuids", json::array()).size()) add(std::to_string(n) + " UUID(s)");
  return out;
}

}  // namespace

int profiles_list(const std::string& server_url, bool as_json) {
  ApiClient client(server_url);
  auto doc = api_answer(client, client.get("/api/v1/profiles"), "profiles");
  if (!doc) return 1;
  if (as_json) {
    std::cout << doc->dump(2) << "\n";
    return 0;
  }
  Table table({"PROFILE", "INSTALLS", "TEMPLATES", "PRIORITY", "SELECTS"});
  for (const auto& p : (*doc)["profiles"]) {
    const json& installs = p["installs"];
    std::string what = installs.contains("image")
                           ? "image " + installs["image"].get<std::string>()
                           : "installer " + installs["installer"].value("kernel", "");
    std::string templates;
    const json own = p.value("templates", json::object());
    for (const auto& [name, file] : own.items()) {
      templates += (templates.empty() ? "" : ",") + name;
    }
    if (templates.empty()) templates = "built-in";
    const json& selectors = p["select"];
    if (selectors.empty()) {
      table.add_row({p.value("name", ""), what, templates, "-", "(no selector)"});
    }
    for (const auto& s : selectors) {
      table.add_row({p.value("name", ""), what, templates, std::to_string(s.value("priority", 0)),
                     selector_text(s)});
    }
  }
  std::cout << table.render();
  return 0;
}

int profiles_explain(const std::string& server_url, const std::string& machine, bool as_json) {
  ApiClient client(server_url);
  auto doc = api_answer(client, client.get("/api/v1/machines/" + url::encode(machine) + "/profile"),
                        "selectors");
  if (!doc) return 1;
  bool chosen = (*doc)["profile"].is_string();
  if (as_json) {
    std::cout << doc->dump(2) << "\n";
    return chosen ? 0 : 1;
  }
  std::cout << doc->value("summary", "") << "\n";
  for (const auto& v : (*doc)["selectors"]) {
    std::cout << "\n  " << v.value("profile", "") << " selector " << v.value("selector", 0)
              << " (priority " << v.value("priority", 0)
              << "): " << (v.value("matched", false) ? "matches" : "does not match") << "\n";
    for (const auto& r : v["reasons"]) std::cout << "    " << r.get<std::string>() << "\n";
  }
  return chosen ? 0 : 1;
}

int profiles_render(const std::string& server_url, const std::string& machine,
                    const std::string& name, const std::string& mac) {
  ApiClient client(server_url);
  std::string boot_mac = mac;
  if (boot_mac.empty()) {
    auto doc =
        api_answer(client, client.get("/api/v1/machines/" + url::encode(machine)), "machine");
    if (!doc) return 1;
    int64_t latest = -1;
    for (const auto& i : (*doc)["machine"].value("interfaces", json::array())) {
      if (i.value("last_seen", int64_t{0}) > latest) {
        latest = i.value("last_seen", int64_t{0});
        boot_mac = i.value("mac", "");
      }
    }
    if (boot_mac.empty()) {
      std::cerr << "slipway: machine " << machine << " has no interface\n";
      return 1;
    }
  }
  auto response =
      client.get("/boot/templates/" + url::encode(name) + "?mac=" + url::encode(boot_mac));
  if (!response) {
    std::cerr << "slipway: " << response.error().message << "\n";
    return 1;
  }
  if (response->status != 200) {
    std::cerr << "slipway: " << api_error_text(*response) << "\n";
    return 1;
  }
  std::cout << response->body;
  return 0;
}

}  // namespace slipway::controlplane
