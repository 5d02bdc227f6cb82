#pragma once
// Logging: one spdlog logger per subsystem ("dhcp", "tftp", ...). Messages are key=value fields,
// e.g. log::get("dhcp")->info("offer ip={} mac={}", ip, mac). Secrets never go into a message.

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace slipway::log {

// Sets the level for every subsystem ("trace", "debug", "info", "warn", "error"). Call once at
// start-up; returns false for an unknown level name.
bool init(const std::string& level);

// The logger for a subsystem, created on first use. Thread-safe.
std::shared_ptr<spdlog::logger> get(const std::string& subsystem);

}  // namespace slipway::log
