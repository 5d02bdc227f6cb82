#pragma once
// Who may reach each HTTP route of the appliance: the one table (route_access.cpp) every route is
// registered against. A route that is not in it cannot be added (the start fails naming it), and
// an entry without a route fails the start too, so the table and the routes never drift apart.

#include <span>

#include "common/http_server.h"

namespace slipway::controlplane {

std::span<const http::RouteAccess> route_access_table();

}  // namespace slipway::controlplane
