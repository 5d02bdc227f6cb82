#include "inventory/machine_json.h"

namespace slipway::inventory {

nlohmann::json to_json(const Machine& m) {
  nlohmann::json interfaces = nlohmann::json::array();
  for (const auto& i : m.interfaces) {
    interfaces.push_back({
        {"mac", i.mac.to_string()},
        {"firmware", to_string(i.firmware)},
        {"arch", to_string(i.arch)},
        {"vendor_class", i.vendor_class},
        {"last_ip", i.last_ip ? nlohmann::json(i.last_ip->to_string()) : nlohmann::json()},
        {"first_seen", i.first_seen},
        {"last_seen", i.last_seen},
    });
  }
  nlohmann::json hardware;  // null until inspected
  if (m.facts) {
    const FactsSummary& f = *m.facts;
    hardware = {{"vendor", f.vendor},
                {"product", f.product},
                {"serial", f.serial},
                {"cpu_threads", f.cpu_threads},
                {"memory_bytes", f.memory_bytes},
                {"disk_bytes", f.disk_bytes},
                {"disks", f.disks},
                {"inspected_at", f.inspected_at}};
  }
  return {
      {"id", m.id},
      {"name", m.name},
      {"uuid", m.uuid ? nlohmann::json(m.uuid->to_string()) : nlohmann::json()},
      {"state", to_string(m.state)},
      {"awaiting_approval", m.awaiting_approval},
      {"labels", m.labels.empty() ? nlohmann::json::object() : nlohmann::json(m.labels)},
      {"firmware", to_string(m.firmware)},
      {"arch", to_string(m.arch)},
      {"first_seen", m.first_seen},
      {"last_seen", m.last_seen},
      {"agent_reported_at",
       m.agent_reported_at ? nlohmann::json(*m.agent_reported_at) : nlohmann::json()},
      {"agent_event", m.agent_event},
      {"profile", m.profile.empty() ? nlohmann::json() : nlohmann::json(m.profile)},
      {"install_stage", to_string(m.install_stage)},
      {"interfaces", interfaces},
      {"hardware", hardware},
  };
}

nlohmann::json facts_object(const MachineStore& machines, const Machine& m) {
  if (auto text = machines.facts_json(m.id)) {
    nlohmann::json doc = nlohmann::json::parse(*text, nullptr, false);
    if (!doc.is_discarded()) return doc;
  }
  return nullptr;
}

nlohmann::json to_json(const Event& e) {
  nlohmann::json detail = nlohmann::json::parse(e.detail, nullptr, false);
  return {
      {"id", e.id},
      {"time", e.time},
      {"machine_id", e.machine_id ? nlohmann::json(*e.machine_id) : nlohmann::json()},
      {"kind", e.kind},
      {"detail", detail.is_discarded() ? nlohmann::json(e.detail) : detail},
  };
}

}  // namespace slipway::inventory
