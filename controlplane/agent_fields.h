#pragma once
// The fields of what agents and installed systems send (install and snapshot progress, first
// boot callbacks), checked the same way everywhere: a refusal names the field.

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>

#include "common/mac_address.h"
#include "common/result.h"

namespace slipway::controlplane {

// What an agent says about a long write or read: install, capture, restore.
struct AgentProgress {
  std::string stage;  // one of the route's stages, e.g. "writing", "written", "failed"
  uint64_t bytes_done = 0;
  uint64_t bytes_total = 0;
  std::string message;
  int64_t at = 0;  // when the appliance heard it
};

Result<MacAddress> mac_field(const nlohmann::json& doc);
// 0 when absent.
Result<uint64_t> count_field(const nlohmann::json& doc, const char* key);
// Short printable strings only: what the installed OS or the agent says goes to the event log.
// "" when absent or null.
Result<std::string> text_field(const nlohmann::json& doc, const char* key, size_t max);
// "stage" (one of `stages`), "bytes_done", "bytes_total", "message".
Result<AgentProgress> progress_fields(const nlohmann::json& doc,
                                      std::initializer_list<const char*> stages);
// A progress report with the reporting machine's "mac" (install and restore).
struct MachineProgress {
  MacAddress mac;
  AgentProgress progress;
};
Result<MachineProgress> machine_progress(const nlohmann::json& doc,
                                         std::initializer_list<const char*> stages);

}  // namespace slipway::controlplane
