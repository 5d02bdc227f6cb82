#pragma once
// `slipway machines ...`: inventory commands, clients of the REST API.

#include <string>

namespace slipway::controlplane {

// Prints the machines as a table, or the API's JSON with `json`. Returns the process exit code.
int machines_list(const std::string& server_url, bool json);

}  // namespace slipway::controlplane
