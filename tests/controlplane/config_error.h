#pragma once
// For config tests: the message of the ConfigError a parse throws, or "" when it throws none;
// an interface lookup that knows only br0 (198.18.0.1).

#include <optional>
#include <string>
#include <utility>

#include "common/config_node.h"
#include "common/ipv4.h"

namespace slipway::controlplane {

inline std::optional<Ipv4> fake_lookup(const std::string& name) {
  if (name == "br0") return Ipv4::parse("198.18.0.1");
  return std::nullopt;
}

template <class Parse>
std::string config_error(Parse&& parse) {
  try {
    std::forward<Parse>(parse)();
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace slipway::controlplane
