#include "controlplane/snapshot_routes.h"

#include <filesystem>

#include "controlplane/agent_access.h"
#include "controlplane/agent_fields.h"
#include "controlplane/api_helpers.h"
#include "imaging/sha256.h"
#include "imaging/snapshot_archive.h"
#include "imaging/snapshot_manifest.h"
#include "inventory/machine_json.h"

namespace slipway::controlplane {

namespace bhttp = http::bhttp;
using nlohmann::json;

namespace {

json progress_json(const SnapshotProgress& p) {
  return {{"stage", p.stage},
          {"bytes_done", p.bytes_done},
          {"bytes_total", p.bytes_total},
          {"message", p.message},
          {"at", p.at}};
}

http::Response snapshot_answer(const http::RequestContext& ctx,
                               const inventory::Outcome<imaging::SnapshotRecord>& r) {
  if (!r) return refused(ctx, r.refusal());
  return ok(ctx, {{"snapshot", to_json(*r)}});
}

// An absolute path on the appliance host, from the body's "path".
Result<std::filesystem::path> host_path(const json& body) {
  auto path = text_field(body, "path", 4096);
  if (!path || path->empty() || !path->starts_with("/")) {
    return Error{"'path' must be an absolute path on the appliance host"};
  }
  return std::filesystem::path(*path);
}

std::optional<MacAddress> query_mac(const http::RequestContext& ctx) {
  auto it = ctx.query.find("mac");
  return it == ctx.query.end() ? std::nullopt : MacAddress::parse(it->second);
}

// An agent sends chunks, progress and the manifest only of the snapshot its own machine is
// capturing (nullopt: allowed).
std::optional<http::Response> refuse_other_capture(const SnapshotService& service,
                                                   const http::RequestContext& ctx,
                                                   const std::string& name) {
  if (!ctx.principal) return std::nullopt;
  if (ctx.principal->machine) {
    auto capturing = service.capture_for(*ctx.principal->machine);
    if (capturing && *capturing == name) return std::nullopt;
  }
  return other_machine_refusal(ctx, "snapshot " + name);
}

// "NAME/what" -> {NAME, what}; "NAME" -> {NAME, ""}.
std::pair<std::string, std::string> split_rest(std::string_view rest) {
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return {std::string(rest), ""};
  return {std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
}

http::Response show(const SnapshotService& service, const imaging::SnapshotLibrary& library,
                    const http::RequestContext& ctx, const std::string& name) {
  auto r = library.find(name);
  if (!r) return refused(ctx, {inventory::Refusal::Kind::kNotFound, "no snapshot '" + name + "'"});
  json out = {{"snapshot", to_json(*r)}};
  if (r->state == imaging::SnapshotState::kCapturing) {
    if (auto p = service.progress_of_machine(r->machine)) out["progress"] = progress_json(*p);
  }
  if (r->state == imaging::SnapshotState::kComplete) {
    auto m = library.manifest(name);
    if (!m) return refused(ctx, m.refusal());
    out["manifest"] = imaging::to_json(*m);
  }
  return ok(ctx, out);
}

void add_operator_routes(http::Router& router, SnapshotService& service,
                         imaging::SnapshotLibrary& library) {
  router.add(bhttp::verb::post, "/api/v1/snapshots", [&](const http::RequestContext& ctx) {
    auto body = object_body(ctx);
    if (!body) return bad_request(ctx, body.error().message);
    auto name = text_field(*body, "name", 63);
    auto machine = text_field(*body, "machine", 255);
    if (!name) return bad_request(ctx, name.error().message);
    if (!machine || machine->empty()) return bad_request(ctx, "'machine' names the machine");
    return snapshot_answer(ctx, service.create(*name, *machine, actor(ctx)));
  });
  router.add(bhttp::verb::get, "/api/v1/snapshots", [&](const http::RequestContext& ctx) {
    json list = json::array();
    for (const auto& r : library.list()) list.push_back(to_json(r));
    return ok(ctx, {{"snapshots", list}});
  });
  router.add(bhttp::verb::post, "/api/v1/snapshots/import", [&](const http::RequestContext& ctx) {
    auto body = object_body(ctx);
    if (!body) return bad_request(ctx, body.error().message);
    auto path = host_path(*body);
    if (!path) return bad_request(ctx, path.error().message);
    auto name = text_field(*body, "name", 63);
    if (!name) return bad_request(ctx, name.error().message);
    return snapshot_answer(ctx, imaging::import_snapshot(library, *path, *name));
  });
  router.add_prefix(bhttp::verb::get, "/api/v1/snapshots/", [&](const http::RequestContext& ctx) {
    auto [name, what] = split_rest(ctx.rest);
    if (!what.empty()) return no_such_path(ctx);
    return show(service, library, ctx, name);
  });
  router.add_prefix(bhttp::verb::delete_, "/api/v1/snapshots/",
                    [&](const http::RequestContext& ctx) {
                      auto gone = service.remove(std::string(ctx.rest), actor(ctx));
                      if (!gone) return refused(ctx, gone.refusal());
                      return ok(ctx, {{"removed_chunks", gone->removed},
                                      {"removed_bytes", gone->removed_bytes},
                                      {"kept_chunks", gone->kept}});
                    });
  router.add_prefix(bhttp::verb::post, "/api/v1/snapshots/", [&](const http::RequestContext& ctx) {
    auto [name, what] = split_rest(ctx.rest);
    auto body = object_body(ctx);
    if (!body) return bad_request(ctx, body.error().message);
    if (what == "verify") {
      auto v = library.verify(name);
      if (!v) return refused(ctx, v.refusal());
      return ok(ctx, {{"checked", v->checked}, {"bad", v->bad}});
    }
    if (what == "restore") {
      auto machine = text_field(*body, "machine", 255);
      if (!machine || machine->empty()) return bad_request(ctx, "'machine' names the target");
      auto r = service.restore(name, *machine, actor(ctx));
      if (!r) return refused(ctx, r.refusal());
      return ok(ctx, *r);
    }
    if (what == "export") {
      auto path = host_path(*body);
      if (!path) return bad_request(ctx, path.error().message);
      auto r = imaging::export_snapshot(library, name, *path);
      if (!r) return refused(ctx, r.refusal());
      return ok(ctx, {{"chunks", r->chunks}, {"bytes", r->bytes}, {"path", path->string()}});
    }
    return no_such_path(ctx);
  });
}

void add_capture_routes(http::Router& router, SnapshotService& service) {
  router.add(bhttp::verb::get, "/api/v1/agent/capture", [&](const http::RequestContext& ctx) {
    auto mac = query_mac(ctx);
    if (!mac) return bad_request(ctx, "'mac' must be a MAC address");
    if (auto refusal = refuse_other_machine(ctx, *mac)) return std::move(*refusal);
    auto name = service.capture_for(*mac);
    if (!name) return refused(ctx, name.refusal());
    return ok(ctx, {{"snapshot", *name}, {"chunk_bytes", imaging::kMaxChunkBytes}});
  });
  router.add_prefix(
      bhttp::verb::put, "/api/v1/agent/snapshots/",
      [&](const http::RequestContext& ctx) -> http::Response {
        auto [name, what] = split_rest(ctx.rest);
        if (!what.starts_with("chunks/")) return no_such_path(ctx);
        if (auto refusal = refuse_other_capture(service, ctx, name)) return std::move(*refusal);
        const std::string sha = what.substr(7);
        if (!imaging::is_sha256_hex(sha)) {
          return bad_request(ctx, "a chunk is named by the SHA-256 of its plain bytes");
        }
        const auto& body = ctx.request.body();
        auto put = service.put_chunk(name, sha,
                                     {reinterpret_cast<const uint8_t*>(body.data()), body.size()});
        if (!put) return refused(ctx, put.refusal());
        json out = {{"stored_bytes", put->stored_bytes}, {"added", put->added}};
        return http::json_response(ctx.request,
                                   put->added ? bhttp::status::created : bhttp::status::ok,
                                   out.dump() + "\n");
      },
      kMaxChunkUpload);
  router.add_prefix(
      bhttp::verb::post, "/api/v1/agent/snapshots/", [&](const http::RequestContext& ctx) {
        auto [name, what] = split_rest(ctx.rest);
        if (auto refusal = refuse_other_capture(service, ctx, name)) return std::move(*refusal);
        auto body = object_body(ctx);
        if (!body) return bad_request(ctx, body.error().message);
        if (what == "missing") {
          auto list = body->find("sha256");
          if (list == body->end() || !list->is_array() || list->size() > kMaxMissingQuery) {
            return bad_request(ctx, "'sha256' must be a list of at most " +
                                        std::to_string(kMaxMissingQuery) + " digests");
          }
          std::vector<std::string> digests;
          for (const auto& d : *list) {
            if (!d.is_string()) return bad_request(ctx, "'sha256' holds a non-string");
            digests.push_back(d.get<std::string>());
          }
          auto missing = service.missing(name, digests);
          if (!missing) return refused(ctx, missing.refusal());
          return ok(ctx, {{"missing", *missing}});
        }
        if (what == "progress") {
          auto r = machine_progress(*body, {"reading", "failed"});
          if (!r) return bad_request(ctx, r.error().message);
          if (auto refusal = refuse_other_machine(ctx, r->mac)) return std::move(*refusal);
          return snapshot_answer(ctx, service.capture_progress(name, r->mac, r->progress));
        }
        if (what == "complete") return snapshot_answer(ctx, service.complete(name, *body));
        return no_such_path(ctx);
      });
}

void add_restore_routes(http::Router& router, SnapshotService& service,
                        const imaging::SnapshotLibrary& library) {
  router.add(bhttp::verb::get, "/api/v1/agent/restore", [&](const http::RequestContext& ctx) {
    auto mac = query_mac(ctx);
    if (!mac) return bad_request(ctx, "'mac' must be a MAC address");
    if (auto refusal = refuse_other_machine(ctx, *mac)) return std::move(*refusal);
    auto plan = service.restore_plan_for(*mac);
    if (!plan) return refused(ctx, plan.refusal());
    return ok(ctx, *plan);
  });
  // Any machine's agent reads chunks: they are named by their digest, which only a restore plan
  // gives out, and hold nothing a restore of that snapshot would not write anyway.
  router.add_prefix(
      bhttp::verb::get, "/api/v1/agent/chunks/",
      [&](const http::RequestContext& ctx) -> http::Response {
        const std::string sha(ctx.rest);
        if (!imaging::is_sha256_hex(sha)) return no_such_path(ctx);
        auto bytes = library.chunks().read_stored(sha);
        if (!bytes) {
          return http::error_response(ctx.request, bhttp::status::not_found, bytes.error().message);
        }
        return http::make_response(ctx.request, bhttp::status::ok,
                                   std::string(bytes->begin(), bytes->end()), "application/zstd");
      });
  router.add(bhttp::verb::post, "/api/v1/agent/restore/progress",
             [&](const http::RequestContext& ctx) {
               auto body = object_body(ctx);
               if (!body) return bad_request(ctx, body.error().message);
               auto r = machine_progress(*body, {"writing", "written", "failed"});
               if (!r) return bad_request(ctx, r.error().message);
               if (auto refusal = refuse_other_machine(ctx, r->mac)) return std::move(*refusal);
               return machine_answer(ctx, service.restore_progress(r->mac, r->progress));
             });
}

}  // namespace

void add_snapshot_routes(http::Router& router, SnapshotService& snapshots,
                         imaging::SnapshotLibrary& library) {
  add_operator_routes(router, snapshots, library);
  add_capture_routes(router, snapshots);
  add_restore_routes(router, snapshots, library);
}

}  // namespace slipway::controlplane
