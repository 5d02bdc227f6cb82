#pragma once
// `slipway profiles list`, `slipway profiles explain MACHINE` and `slipway profiles render
// MACHINE TEMPLATE`: clients of the REST API. Exit code 0 done, 1 refused or unreachable; explain
// exits 1 too when no single profile applies, render when the template fails to render (the
// missing variable and its line on stderr).

#include <string>

namespace slipway::controlplane {

int profiles_list(const std::string& server_url, bool json);
int profiles_explain(const std::string& server_url, const std::string& machine, bool json);
// Prints template `name` rendered for the machine (GET /boot/templates/NAME?mac=MAC), as booted
// from `mac`, or when that is empty from the interface the appliance heard from last.
int profiles_render(const std::string& server_url, const std::string& machine,
                    const std::string& name, const std::string& mac);

}  // namespace slipway::controlplane
