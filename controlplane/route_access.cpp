#include "controlplane/route_access.h"

#include <array>

namespace slipway::controlplane {

namespace {

using http::Access;
using V = http::bhttp::verb;
constexpr bool kExact = false;
constexpr bool kPrefix = true;

// Reading: GETs of the API need a viewer token. Changing what machines do (power, approve,
// install, snapshot, restore) needs an operator. Tokens, the audit trail, deleting anything and
// reading or writing files on the appliance itself (snapshot import and export) need an admin.
// The runtime's agent speaks with its per-boot secret. What firmware, installers and scrapers
// fetch is public.
constexpr std::array kTable = {
    // Booting: firmware, iPXE and installers have no credentials.
    http::RouteAccess{V::get, "/boot/ipxe", kExact, Access::kPublic},
    http::RouteAccess{V::get, "/boot/templates/", kPrefix, Access::kPublic},
    http::RouteAccess{V::get, "/assets/", kPrefix, Access::kPublic},
    http::RouteAccess{V::get, "/images/", kPrefix, Access::kPublic},
    http::RouteAccess{V::get, "/images/sha256/", kPrefix, Access::kPublic},
    http::RouteAccess{V::get, "/images/trees/", kPrefix, Access::kPublic},
    http::RouteAccess{V::get, "/tls/ca.crt", kExact, Access::kPublic},
    http::RouteAccess{V::get, "/healthz", kExact, Access::kPublic},
    http::RouteAccess{V::get, "/metrics", kExact, Access::kPublic},

    // The runtime's agent, for its own machine only.
    http::RouteAccess{V::post, "/api/v1/agent/report", kExact, Access::kAgent},
    http::RouteAccess{V::get, "/api/v1/agent/install", kExact, Access::kAgent},
    http::RouteAccess{V::post, "/api/v1/agent/install/progress", kExact, Access::kAgent},
    http::RouteAccess{V::post, "/api/v1/agent/firstboot", kExact, Access::kAgent},
    http::RouteAccess{V::get, "/api/v1/agent/capture", kExact, Access::kAgent},
    http::RouteAccess{V::post, "/api/v1/agent/snapshots/", kPrefix, Access::kAgent},
    http::RouteAccess{V::put, "/api/v1/agent/snapshots/", kPrefix, Access::kAgent},
    http::RouteAccess{V::get, "/api/v1/agent/restore", kExact, Access::kAgent},
    http::RouteAccess{V::get, "/api/v1/agent/chunks/", kPrefix, Access::kAgent},
    http::RouteAccess{V::post, "/api/v1/agent/restore/progress", kExact, Access::kAgent},

    // Reading the inventory and the appliance's state.
    http::RouteAccess{V::get, "/api/v1/machines", kExact, Access::kViewer},
    http::RouteAccess{V::get, "/api/v1/machines/", kPrefix, Access::kViewer},
    http::RouteAccess{V::get, "/api/v1/events", kExact, Access::kViewer},
    http::RouteAccess{V::get, "/api/v1/profiles", kExact, Access::kViewer},
    http::RouteAccess{V::get, "/api/v1/leases", kExact, Access::kViewer},
    http::RouteAccess{V::get, "/api/v1/dhcp/servers", kExact, Access::kViewer},
    http::RouteAccess{V::get, "/api/v1/images", kExact, Access::kViewer},
    http::RouteAccess{V::get, "/api/v1/images/", kPrefix, Access::kViewer},
    http::RouteAccess{V::get, "/api/v1/power/jobs", kExact, Access::kViewer},
    http::RouteAccess{V::get, "/api/v1/power/jobs/", kPrefix, Access::kViewer},
    http::RouteAccess{V::get, "/api/v1/snapshots", kExact, Access::kViewer},
    http::RouteAccess{V::get, "/api/v1/snapshots/", kPrefix, Access::kViewer},

    // Operating machines: approve, rename, label, state, merge, install; power; snapshots.
    http::RouteAccess{V::post, "/api/v1/machines/", kPrefix, Access::kOperator},
    http::RouteAccess{V::post, "/api/v1/power/on", kExact, Access::kOperator},
    http::RouteAccess{V::post, "/api/v1/images", kExact, Access::kOperator},
    http::RouteAccess{V::post, "/api/v1/snapshots", kExact, Access::kOperator},
    http::RouteAccess{V::post, "/api/v1/snapshots/", kPrefix,
                      Access::kOperator},  // verify, restore
    // Writes a file anywhere on the appliance.
    http::RouteAccess{V::post, "/api/v1/snapshots/", kPrefix, Access::kAdmin, "export"},

    // Administering the appliance.
    http::RouteAccess{V::post, "/api/v1/snapshots/import", kExact, Access::kAdmin},
    http::RouteAccess{V::delete_, "/api/v1/machines/", kPrefix, Access::kAdmin},
    http::RouteAccess{V::delete_, "/api/v1/images/", kPrefix, Access::kAdmin},
    http::RouteAccess{V::delete_, "/api/v1/snapshots/", kPrefix, Access::kAdmin},
    http::RouteAccess{V::get, "/api/v1/tokens", kExact, Access::kAdmin},
    http::RouteAccess{V::post, "/api/v1/tokens", kExact, Access::kAdmin},
    http::RouteAccess{V::delete_, "/api/v1/tokens/", kPrefix, Access::kAdmin},
    http::RouteAccess{V::get, "/api/v1/audit", kExact, Access::kAdmin},
};

}  // namespace

std::span<const http::RouteAccess> route_access_table() { return kTable; }

}  // namespace slipway::controlplane
