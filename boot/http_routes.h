#pragma once
// The boot module's HTTP routes:
//   GET /boot/ipxe?mac=MAC[&uuid=UUID]   the machine's iPXE script (text/plain)
//   GET /assets/PATH                     boot assets from the assets folder, with Range
//   GET /boot/templates/NAME?mac=MAC     template NAME rendered for the machine with that MAC
//   GET /boot/templates/MAC/NAME         the same (a cloud-init NoCloud seed URL: .../MAC/)
//   GET /tls/ca.crt                      the appliance's CA certificate (PEM), for machines and
//                                        users to trust its HTTPS
//     text/plain, never cached; 404 unknown machine or template, 422 a rendering error (the
//     missing variable and its line)
// Bad parameters get 400 with a reason; paths outside the assets folder are refused and
// counted; nothing here needs a token (firmware cannot send one).

#include "boot/boot_service.h"
#include "boot/machine_templates.h"
#include "common/confined_path.h"
#include "common/http_server.h"
#include "common/metrics.h"

namespace slipway::boot {

// `service`, `assets` and `metrics` must outlive the router.
void add_boot_routes(http::Router& router, BootService& service, const ConfinedRoot& assets,
                     Metrics& metrics);
// `templates` and `metrics` must outlive the router.
void add_template_routes(http::Router& router, const MachineTemplates& templates, Metrics& metrics);

// `ca_pem`: the CA certificate HTTPS clients should trust; empty when the appliance has none to
// hand out (HTTPS off, or a configured certificate without ca_cert): then 404.
void add_ca_route(http::Router& router, std::string ca_pem);

}  // namespace slipway::boot
