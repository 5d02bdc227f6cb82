#pragma once
// The image library over HTTP:
//   POST   /api/v1/images           {"source": URL|/abs/path, "name"?, "sha256"?, "sha256sums"?}
//                                   -> 202 {"job": job}; 400 bad source, name or digest syntax,
//                                   409 name taken
//   GET    /api/v1/images           {"images": [image...]}, by name
//   GET    /api/v1/images/jobs      {"jobs": [job...]}, newest first
//   GET    /api/v1/images/jobs/ID   {"job": job}
//   GET    /api/v1/images/KEY       {"image": image} (KEY: name, digest or sha256:digest); 404
//   DELETE /api/v1/images/NAME      {"image": image as it was}; the content goes with its last name
//   GET    /images/sha256/HEX       the content, read-only, with Range (for the install agent)
//   GET    /images/trees/HEX/PATH   a file of an ISO's extracted tree (kernel, initrd, packages)
//   GET    /images/NAME             the content NAME has now (templates' IMAGE_URL)
// An image: {"name", "sha256", "size", "format", "source", "imported_at", "verified", "url",
// "kernel", "initrd", "kernel_url", "initrd_url"} (null when not an ISO with a known layout).
// A job: {"id", "state" (queued, fetching, verifying, extracting, storing, done, failed), "name",
// "source", "bytes_done", "bytes_total" (null: unknown), "speed_bps", "elapsed_s", "notes",
// "error", "image"}.

#include <nlohmann/json.hpp>

#include "common/http_server.h"
#include "controlplane/image_service.h"
#include "imaging/image_library.h"

namespace slipway::controlplane {

nlohmann::json to_json(const imaging::ImageRecord& image);
nlohmann::json to_json(const ImageJob& job);
// The library and the service must outlive the router.
void add_image_routes(http::Router& router, ImageService& service, imaging::ImageLibrary& library);

}  // namespace slipway::controlplane
