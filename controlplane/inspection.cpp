#include "controlplane/inspection.h"

namespace slipway::controlplane {

inventory::Inspection inspection_of(const imaging::AgentReport& report,
                                    const nlohmann::json& facts_object) {
  const imaging::HardwareFacts& f = *report.facts;
  inventory::Inspection in;
  in.boot_mac = report.mac;
  in.summary.vendor = f.dmi.vendor;
  in.summary.product = f.dmi.product;
  in.summary.serial = f.dmi.serial;
  in.summary.cpu_threads = f.cpu.threads;
  in.summary.memory_bytes = f.memory.total_bytes;
  for (const auto& d : f.disks) in.summary.disk_bytes += d.size_bytes;
  in.summary.disks = static_cast<uint32_t>(f.disks.size());
  in.facts_json = facts_object.dump();
  for (const auto& nic : f.nics) {
    if (!nic.mac.is_zero()) in.nic_macs.push_back(nic.mac);
  }
  return in;
}

}  // namespace slipway::controlplane
