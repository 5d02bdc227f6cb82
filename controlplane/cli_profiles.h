#pragma once
// `slipway profiles list` and `slipway profiles explain MACHINE`: clients of the REST API. Exit
// code 0 done, 1 refused or unreachable; explain exits 1 too when no single profile applies.

#include <string>

namespace slipway::controlplane {

int profiles_list(const std::string& server_url, bool json);
int profiles_explain(const std::string& server_url, const std::string& machine, bool json);

}  // namespace slipway::controlplane
