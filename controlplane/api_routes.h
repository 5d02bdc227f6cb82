#pragma once
// The REST API (version 1):
//   GET  /api/v1/machines?state=S&label=k=v,k2   {"machines": [machine...]}, filtered
//   GET  /api/v1/machines/KEY      {"machine": ..., "events": [...]} (KEY: name, MAC or UUID);
//                                  the machine has "facts": the agent's last facts, or null
//   GET  /api/v1/machines/KEY/events?limit=N     {"events": [...]}, newest first
//   GET  /api/v1/machines/KEY/profile            {"profile": NAME|null, "summary", "selectors":
//                                                [{"profile", "selector", "priority", "matched",
//                                                "reasons": [...]}]}: which profile and why
//   GET  /api/v1/profiles          {"profiles": [...]}: the configured profiles, each with its
//                                  own "templates" ({name: file}) and SSH key count
//   POST /api/v1/machines/KEY/approve            {} -> {"machine": ...}
//   POST /api/v1/machines/KEY/rename             {"name": "web1"}
//   POST /api/v1/machines/KEY/labels             {"set": {"rack": "r1"}, "remove": ["old"]}
//   POST /api/v1/machines/KEY/state              {"state": "retired", "reason": "..."}
//   POST /api/v1/machines/KEY/merge              {"from": "NEWKEY"}: NEWKEY is folded into KEY
//   POST /api/v1/machines/KEY/install            install_routes.h
//   DELETE /api/v1/machines/KEY                  forget -> {"machine": (as it was)}
//   GET  /api/v1/events?limit=N&machine=KEY      {"events": [event...]}, newest first
//   GET  /api/v1/leases            {"leases": [lease...]}
//   GET  /api/v1/dhcp/servers      {"servers": [...]}: other DHCP servers seen on the LAN
//   POST /api/v1/agent/report      an imaging::AgentReport from the runtime -> {"machine": ...};
//                                  with facts, the machine is inspected and enrolled
//   /api/v1/power/...              power_routes.h
//   GET  /metrics                  Prometheus text
//   GET  /healthz                  "ok"
// Errors are JSON {"error": "..."} with a 4xx/5xx status: 404 for an unknown machine (its key in
// the message), 409 for an illegal transition or a refused change, 400 for a bad request.

#include "boot/profile.h"
#include "common/http_server.h"
#include "common/metrics.h"
#include "controlplane/dhcp_service.h"
#include "controlplane/install_service.h"
#include "dhcp/lease.h"
#include "inventory/machine_store.h"

namespace slipway::controlplane {

// What the API reads and writes; everything must outlive the router.
struct ApiServices {
  inventory::MachineStore& machines;
  dhcp::LeaseStore& leases;
  Metrics& metrics;
  const inventory::EnrollmentConfig& enrollment;
  const std::vector<boot::Profile>& profiles;
  const DhcpService* dhcp = nullptr;  // null when DHCP is off
  InstallService* install = nullptr;  // null: no installs (POST .../install answers 404)
};

void add_api_routes(http::Router& router, const ApiServices& services);

}  // namespace slipway::controlplane
