#pragma once
// For config tests: the message of the ConfigError a parse throws, or "" when it throws none.

#include <string>
#include <utility>

#include "common/config_node.h"

namespace slipway::controlplane {

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
