#include "controlplane/cli_power.h"

#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "controlplane/api_client.h"

namespace slipway::controlplane {

using nlohmann::json;

namespace {

std::string who(const json& m) {
  std::string name = m.value("name", "");
  std::string mac = m.value("mac", "");
  return name.empty() ? mac : name + " (" + mac + ")";
}

std::string change_text(const json& m) {
  std::string status = m.value("status", "");
  char seconds[32];
  if (status == "booted" && m["booted_after_s"].is_number()) {
    std::snprintf(seconds, sizeof seconds, "%.1f", m["booted_after_s"].get<double>());
    return "booted: asked DHCP for an address " + std::string(seconds) + " s after the wake";
  }
  if (status == "timed_out") return "timed out: " + m.value("detail", "");
  if (status == "failed") return "failed: " + m.value("detail", "");
  if (status == "sent") return "wake sent";
  return status;
}

bool all_booted(const json& job) {
  for (const auto& m : job["machines"]) {
    if (m.value("status", "") != "booted") return false;
  }
  return true;
}

}  // namespace

int power_on(const std::string& server_url, const PowerOnOptions& options) {
  ApiClient client(server_url);
  json request = {{"machines", options.keys}};
  if (options.timeout) request["timeout_s"] = options.timeout->count();
  auto doc = api_answer(client, client.post("/api/v1/power/on", request.dump()), "job");
  if (!doc) return 1;
  json job = (*doc)["job"];
  uint64_t id = job.value("id", uint64_t{0});
  if (!options.wait) {
    if (options.json) {
      std::cout << job.dump(2) << "\n";
    } else {
      std::cout << "power job " << id << ": " << job["machines"].size()
                << " machine(s) queued; `slipway power on` without --no-wait follows them\n";
    }
    return 0;
  }
  if (!options.json) {
    std::cout << "power job " << id << ": waking " << job["machines"].size()
              << " machine(s), waiting up to " << job.value("timeout_s", 0)
              << " s each for its DHCP request\n";
  }
  std::map<std::string, std::string> shown;  // MAC -> last status printed
  // The appliance ends every target by its timeout; the margin covers pacing and a slow poll.
  auto give_up = std::chrono::steady_clock::now() +
                 std::chrono::seconds(job.value("timeout_s", 0) + 60) +
                 std::chrono::seconds(job["machines"].size());
  for (;;) {
    for (const auto& m : job["machines"]) {
      std::string status = m.value("status", "");
      std::string& last = shown[m.value("mac", "")];
      if (status != last && status != "queued" && !options.json) {
        std::cout << who(m) << ": " << change_text(m) << "\n" << std::flush;
      }
      last = status;
    }
    if (job.value("done", false)) break;
    if (std::chrono::steady_clock::now() > give_up) {
      std::cerr << "slipway: power job " << id << " has not finished; giving up waiting\n";
      return 1;
    }
    std::this_thread::sleep_for(options.poll_interval);
    auto next = api_answer(client, client.get("/api/v1/power/jobs/" + std::to_string(id)), "job");
    if (!next) return 1;
    job = (*next)["job"];
  }
  if (options.json) std::cout << job.dump(2) << "\n";
  return all_booted(job) ? 0 : 1;
}

}  // namespace slipway::controlplane
