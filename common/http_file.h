#pragma once
// Serving a file over HTTP: 200 or 206 (single byte Range, honoured only when If-Range still
// matches), 416 for an unsatisfiable range, 304 when If-None-Match / If-Modified-Since say the
// client's copy is current; Content-Type from the file name, ETag, Last-Modified and
// Accept-Ranges. The body is the open file (the server sends it with sendfile on plain TCP).
// The caller resolves and confines the path first (ConfinedRoot).

#include <filesystem>

#include "common/http_server.h"

namespace slipway::http {

Response serve_file(const Request& req, const std::filesystem::path& path);

// The media type for a file name ("application/octet-stream" when unknown).
std::string_view content_type_for(const std::filesystem::path& path);

}  // namespace slipway::http
