#pragma once
// For access-control tests: an agent verifier that knows one machine's secret (what the app
// adapts AgentSecrets::verify into).

#include <string>
#include <string_view>

#include "controlplane/api_access_control.h"

namespace slipway::controlplane {

inline AgentVerifier one_agent(std::string secret, MacAddress mac) {
  return [secret = std::move(secret), mac](std::string_view s) -> Result<http::Principal> {
    if (s == secret) return http::Principal{"agent:" + mac.to_string(), http::Access::kAgent, mac};
    return Error{"unknown agent secret"};
  };
}

}  // namespace slipway::controlplane
