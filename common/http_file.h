#pragma once
// Serving a file over HTTP: 200 or 206 (single byte Range), 416 for an unsatisfiable range,
// Content-Type from the file name, Last-Modified and Accept-Ranges. The caller resolves and
// confines the path first (ConfinedRoot).

#include <filesystem>

#include "common/http_server.h"

namespace slipway::http {

Response serve_file(const Request& req, const std::filesystem::path& path);

// The media type for a file name ("application/octet-stream" when unknown).
std::string_view content_type_for(const std::filesystem::path& path);

}  // namespace slipway::http
