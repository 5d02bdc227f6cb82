#include "controlplane/cli_install.h"

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "controlplane/api_client.h"
#include "controlplane/table.h"

namespace slipway::controlplane {

using nlohmann::json;

namespace {

// One line for where the install stands, e.g. "installing (pending): writing 512 MiB of 1 GiB".
std::string status_line(const json& m) {
  std::string line = m.value("state", "?");
  if (line == "installing") line += " (" + m.value("install_stage", "?") + ")";
  if (auto p = m.find("install_progress"); p != m.end() && p->is_object()) {
    line += ": " + p->value("stage", "?");
    uint64_t done = p->value("bytes_done", uint64_t{0});
    uint64_t total = p->value("bytes_total", uint64_t{0});
    if (total > 0) {
      line += " " + format_bytes(done) + " of " + format_bytes(total) + " (" +
              std::to_string(done * 100 / total) + "%)";
    }
    if (std::string msg = p->value("message", ""); !msg.empty()) line += ", " + msg;
  }
  return line;
}

}  // namespace

int machines_install(const std::string& server_url, const std::string& key,
                     const std::string& profile, int wait_seconds, bool as_json) {
  ApiClient client(server_url);
  json body = json::object();
  if (!profile.empty()) body["profile"] = profile;
  auto started =
      api_answer(client, client.post(machine_path(key, "install"), body.dump()), "machine");
  if (!started) return 1;
  const json& m = (*started)["machine"];
  const std::string name = m.value("name", key);
  if (as_json && wait_seconds <= 0) {
    std::cout << started->dump(2) << "\n";
    return 0;
  }
  if (!as_json) {
    std::cout << name << ": installing profile " << m.value("profile", "?")
              << "; it installs at its next network boot (`slipway power on " << name << "`)\n";
  }
  if (wait_seconds <= 0) return 0;

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_seconds);
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto now = api_answer(client, client.get(machine_path(key)), "machine");
    if (!now) return 1;
    const json& cur = (*now)["machine"];
    const std::string state = cur.value("state", "");
    std::string line = status_line(cur);
    if (line != last && !as_json) std::cout << name << ": " << line << std::endl;
    last = line;
    if (state == "deployed" || state != "installing") {
      if (as_json) std::cout << now->dump(2) << "\n";
      if (state == "deployed") return 0;
      std::cerr << "slipway: the install of " << name << " ended with the machine " << state
                << " (see `slipway machines events " << name << "`)\n";
      return 1;
    }
  }
  std::cerr << "slipway: " << name << " is still " << last << " after " << wait_seconds << " s\n";
  return 1;
}

}  // namespace slipway::controlplane
