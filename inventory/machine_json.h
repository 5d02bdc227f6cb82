#pragma once
// The JSON form of inventory records, shared by the REST API and the CLI.

#include <nlohmann/json.hpp>

#include "inventory/machine.h"
#include "inventory/machine_store.h"

namespace slipway::inventory {

nlohmann::json to_json(const Machine& m);
nlohmann::json to_json(const Event& e);
// The facts object of the machine's last inspection (MachineStore::facts_json) parsed; null when
// it was never inspected or the stored text does not parse.
nlohmann::json facts_object(const MachineStore& machines, const Machine& m);

}  // namespace slipway::inventory
