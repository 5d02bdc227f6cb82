#pragma once
// From the agent's report to what the inventory keeps of an inspection.

#include <nlohmann/json.hpp>

#include "imaging/agent_report.h"
#include "inventory/machine_store.h"

namespace slipway::controlplane {

// REQUIRES: report.facts. The facts object is stored as the report carried it (`facts` of the
// parsed body), so `machines show` returns exactly what the agent found.
inventory::Inspection inspection_of(const imaging::AgentReport& report,
                                    const nlohmann::json& facts_object);

}  // namespace slipway::controlplane
