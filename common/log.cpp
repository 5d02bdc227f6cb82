#include "common/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace slipway::log {

bool init(const std::string& level) {
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") return false;
  spdlog::set_level(parsed);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %n: %v");
  return true;
}

std::shared_ptr<spdlog::logger> get(const std::string& subsystem) {
  if (auto existing = spdlog::get(subsystem)) return existing;
  auto logger = spdlog::stderr_color_mt(subsystem);
  return logger;
}

}  // namespace slipway::log
