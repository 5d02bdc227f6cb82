#pragma once
// The JSON form of inventory records, shared by the REST API and the CLI.

#include <nlohmann/json.hpp>

#include "inventory/machine.h"
#include "inventory/machine_store.h"

namespace slipway::inventory {

nlohmann::json to_json(const Machine& m);
nlohmann::json to_json(const Event& e);

}  // namespace slipway::inventory
