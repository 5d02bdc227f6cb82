#pragma once
// The REST API (version 1):
//   GET  /api/v1/machines          {"machines": [machine...]}
//   GET  /api/v1/events?limit=N    {"events": [event...]}, newest first
//   GET  /api/v1/leases            {"leases": [lease...]}
//   GET  /api/v1/dhcp/servers      {"servers": [...]}: other DHCP servers seen on the LAN
//   POST /api/v1/agent/report      an imaging::AgentReport from the runtime -> {"machine": ...}
//   GET  /metrics                  Prometheus text
//   GET  /healthz                  "ok"
// Errors are JSON {"error": "..."} with a 4xx/5xx status.

#include "common/http_server.h"
#include "common/metrics.h"
#include "controlplane/dhcp_service.h"
#include "dhcp/lease.h"
#include "inventory/machine_store.h"

namespace slipway::controlplane {

// What the API reads and writes; everything must outlive the router.
struct ApiServices {
  inventory::MachineStore& machines;
  dhcp::LeaseStore& leases;
  Metrics& metrics;
  const DhcpService* dhcp = nullptr;  // null when DHCP is off
};

void add_api_routes(http::Router& router, const ApiServices& services);

}  // namespace slipway::controlplane
