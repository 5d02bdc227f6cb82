#pragma once
// The install routes (InstallService):
//   POST /api/v1/machines/KEY/install   {"profile": P} (optional: the profile its selectors
//                                       choose) -> {"machine": ...}; api_routes.cpp routes it here
//   GET  /api/v1/agent/install?mac=M    the install plan of the machine with MAC M (the runtime's
//                                       agent in install mode) -> {"plan": ...}
//   POST /api/v1/agent/install/progress {"mac", "stage": writing|written|failed, "bytes_done",
//                                       "bytes_total", "message"} -> {"machine": ...}
//   POST /api/v1/agent/firstboot        {"mac" or "uuid", "hostname", "machine_id", "kernel"}
//                                       as JSON or a form (cloud-init phone_home, curl -d), or
//                                       in the query string
//                                       from the installed OS -> {"machine": ...}, deployed

#include "common/http_server.h"
#include "controlplane/install_service.h"

namespace slipway::controlplane {

void add_install_routes(http::Router& router, InstallService& install);
http::Response install_machine(InstallService& install, const http::RequestContext& ctx,
                               const std::string& key);

}  // namespace slipway::controlplane
