#pragma once
// The report slipway-agent sends from the network-boot runtime to the appliance
// (POST /api/v1/agent/report), and its codec. The same code encodes on the agent and validates
// on the appliance; parse() refuses anything oversized, malformed or off-schema with a reason.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/ipv4.h"
#include "common/mac_address.h"
#include "common/result.h"
#include "common/uuid.h"

namespace slipway::imaging {

inline constexpr size_t kMaxReportBytes = 64 * 1024;

// Events the agent can report. "booted": the runtime is up and has a network address.
enum class AgentEvent { kBooted };
std::string_view to_string(AgentEvent e);
std::optional<AgentEvent> parse_agent_event(std::string_view text);

struct AgentReport {
  MacAddress mac;            // the interface the machine booted from
  std::optional<Uuid> uuid;  // SMBIOS UUID as Linux shows it; absent if none or a placeholder
  AgentEvent event = AgentEvent::kBooted;
  std::string kernel;      // uname -r of the runtime (informational, at most 128 characters)
  std::optional<Ipv4> ip;  // the runtime's address

  bool operator==(const AgentReport&) const = default;
};

// Accepts a JSON object with "mac" and "event" (required), "uuid", "kernel", "ip" (optional).
// Unknown keys are refused so that a typo in a newer agent does not pass silently.
Result<AgentReport> parse_agent_report(std::string_view json);
std::string to_json(const AgentReport& report);

}  // namespace slipway::imaging
