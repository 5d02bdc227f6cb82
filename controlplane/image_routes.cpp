#include "controlplane/image_routes.h"

#include <charconv>
#include <memory>

#include "common/confined_path.h"
#include "common/http_file.h"
#include "controlplane/api_helpers.h"
#include "imaging/sha256.h"

namespace slipway::controlplane {

namespace bhttp = http::bhttp;
using nlohmann::json;

namespace {

json optional_text(const std::optional<std::string>& v) { return v ? json(*v) : json(); }

// The optional string member `key` of the body; an error when present and not a string.
Result<std::optional<std::string>> optional_string(const json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return Error{std::string("'") + key + "' must be a string"};
  return std::optional<std::string>(it->get<std::string>());
}

Result<imaging::ImportRequest> import_request(const json& doc) {
  for (const auto& [key, value] : doc.items()) {
    if (key != "source" && key != "name" && key != "sha256" && key != "sha256sums") {
      return Error{"unknown key '" + key + "' (source, name, sha256, sha256sums)"};
    }
  }
  imaging::ImportRequest r;
  auto source = optional_string(doc, "source");
  if (!source) return source.error();
  if (!*source || (*source)->empty())
    return Error{"'source' (a URL or an absolute path) is required"};
  r.source = **source;
  auto name = optional_string(doc, "name");
  if (!name) return name.error();
  r.name = name->value_or("");
  auto digest = optional_string(doc, "sha256");
  if (!digest) return digest.error();
  if (*digest) {
    r.sha256 = imaging::parse_sha256(**digest);
    if (!r.sha256) {
      return Error{"'sha256' must be 64 hex digits (optionally after 'sha256:'): '" + **digest +
                   "'"};
    }
  }
  auto sums = optional_string(doc, "sha256sums");
  if (!sums) return sums.error();
  r.sha256sums = *sums;
  return r;
}

http::Response file_or_404(const http::RequestContext& ctx, const ConfinedRoot& root,
                           std::string_view path) {
  auto found = root.lookup(path);
  if (found.refusal == ConfinedRoot::Refusal::kNone)
    return http::serve_file(ctx.request, found.path);
  if (found.refusal == ConfinedRoot::Refusal::kMalformed) return bad_request(ctx, found.reason);
  return http::error_response(ctx.request, bhttp::status::not_found, "no such image file");
}

}  // namespace

json to_json(const imaging::ImageRecord& image) {
  return {
      {"name", image.name},
      {"sha256", image.sha256},
      {"size", image.size},
      {"format", imaging::to_string(image.format)},
      {"source", image.source},
      {"imported_at", image.imported_at},
      {"verified", image.verified},
      {"url", imaging::image_url_path(image)},
      {"kernel", optional_text(image.kernel)},
      {"initrd", optional_text(image.initrd)},
      {"kernel_url", image.kernel ? json(imaging::tree_url_path(image, *image.kernel)) : json()},
      {"initrd_url", image.initrd ? json(imaging::tree_url_path(image, *image.initrd)) : json()}};
}

json to_json(const ImageJob& job) {
  return {{"id", job.id},
          {"state", imaging::to_string(job.stage)},
          {"name", job.request.name},
          {"source", job.request.source},
          {"sha256", optional_text(job.request.sha256)},
          {"sha256sums", optional_text(job.request.sha256sums)},
          {"bytes_done", job.bytes_done},
          {"bytes_total", job.bytes_total ? json(*job.bytes_total) : json()},
          {"speed_bps", static_cast<uint64_t>(job.speed_bps)},
          {"elapsed_s", job.elapsed_s},
          {"notes", job.notes},
          {"error", job.error.empty() ? json() : json(job.error)},
          {"image", job.image ? to_json(*job.image) : json()}};
}

void add_image_routes(http::Router& router, ImageService& service, imaging::ImageLibrary& library) {
  router.add(bhttp::verb::post, "/api/v1/images", [&service](const http::RequestContext& ctx) {
    auto body = object_body(ctx);
    if (!body) return bad_request(ctx, body.error().message);
    auto request = import_request(*body);
    if (!request) return bad_request(ctx, request.error().message);
    auto job = service.start_import(std::move(*request));
    if (!job) return refused(ctx, job.refusal());
    return http::Response(http::json_response(ctx.request, bhttp::status::accepted,
                                              json({{"job", to_json(*job)}}).dump() + "\n"));
  });

  router.add(bhttp::verb::get, "/api/v1/images", [&library](const http::RequestContext& ctx) {
    json list = json::array();
    for (const auto& image : library.list()) list.push_back(to_json(image));
    return ok(ctx, {{"images", list}});
  });

  router.add_prefix(bhttp::verb::get, "/api/v1/images/",
                    [&service, &library](const http::RequestContext& ctx) -> http::Response {
                      std::string_view rest = ctx.rest;
                      if (rest == "jobs") {
                        json list = json::array();
                        for (const auto& job : service.jobs(100)) list.push_back(to_json(job));
                        return ok(ctx, {{"jobs", list}});
                      }
                      if (rest.starts_with("jobs/")) {
                        rest.remove_prefix(5);
                        uint64_t id = 0;
                        auto [next, ec] =
                            std::from_chars(rest.data(), rest.data() + rest.size(), id);
                        if (ec != std::errc() || next != rest.data() + rest.size())
                          return no_such_path(ctx);
                        auto job = service.job(id);
                        if (!job) {
                          return http::error_response(
                              ctx.request, bhttp::status::not_found,
                              "no image job " + std::string(rest) + " (jobs are kept in memory)");
                        }
                        return ok(ctx, {{"job", to_json(*job)}});
                      }
                      auto image = library.find(rest);
                      if (!image) {
                        return http::error_response(ctx.request, bhttp::status::not_found,
                                                    "no image '" + std::string(rest) + "'");
                      }
                      return ok(ctx, {{"image", to_json(*image)}});
                    });

  router.add_prefix(bhttp::verb::delete_, "/api/v1/images/",
                    [&library](const http::RequestContext& ctx) {
                      auto removed = library.remove(ctx.rest);
                      if (!removed) return refused(ctx, removed.refusal());
                      return ok(ctx, {{"image", to_json(*removed)}});
                    });

  auto content = std::make_shared<ConfinedRoot>(library.content_dir());
  router.add_prefix(bhttp::verb::get, "/images/sha256/",
                    [content](const http::RequestContext& ctx) -> http::Response {
                      if (imaging::parse_sha256(ctx.rest) != ctx.rest) {
                        return http::error_response(ctx.request, bhttp::status::not_found,
                                                    "not a SHA-256 digest");
                      }
                      return file_or_404(ctx, *content, ctx.rest);
                    });
  auto trees = std::make_shared<ConfinedRoot>(library.trees_dir());
  router.add_prefix(bhttp::verb::get, "/images/trees/", [trees](const http::RequestContext& ctx) {
    return file_or_404(ctx, *trees, ctx.rest);
  });
  // By name, for templates (IMAGE_URL) and people: the content the name has now. Registered
  // after the two prefixes above, which win.
  router.add_prefix(bhttp::verb::get, "/images/",
                    [&library, content](const http::RequestContext& ctx) -> http::Response {
                      auto image = library.find(ctx.rest);
                      if (!image || ctx.rest.empty() || image->name != ctx.rest) {
                        return http::error_response(
                            ctx.request, bhttp::status::not_found,
                            "no image named '" + std::string(ctx.rest) + "'");
                      }
                      return file_or_404(ctx, *content, image->sha256);
                    });
}

}  // namespace slipway::controlplane
