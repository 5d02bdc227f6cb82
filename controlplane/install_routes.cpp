#include "controlplane/install_routes.h"

#include "common/log.h"
#include "common/url.h"
#include "controlplane/agent_access.h"
#include "controlplane/agent_fields.h"
#include "controlplane/api_helpers.h"
#include "inventory/machine_json.h"

namespace slipway::controlplane {

namespace bhttp = http::bhttp;
using nlohmann::json;

http::Response install_machine(InstallService& install, const http::RequestContext& ctx,
                               const std::string& key) {
  auto body = object_body(ctx);
  if (!body) return bad_request(ctx, body.error().message);
  auto profile = text_field(*body, "profile", 63);
  if (!profile) return bad_request(ctx, profile.error().message);
  auto started = install.start(key, *profile, actor(ctx));
  if (started) {
    log::get("install")->info("install started machine={} profile={} actor={}", started->name,
                              started->profile, actor(ctx));
  }
  return machine_answer(ctx, started);
}

namespace {

// A first-boot callback comes as JSON (the test image's script), or as a form (cloud-init's
// phone_home, `curl -d mac=...` of the kickstart and preseed templates), with fields in the
// query string too (phone_home's URL carries ?mac=); body fields win over query fields.
Result<json> firstboot_body(const http::RequestContext& ctx) {
  json fields = json::object();
  for (const auto& [k, v] : ctx.query) fields[k] = v;
  const auto type = ctx.request[bhttp::field::content_type];
  if (type.starts_with("application/x-www-form-urlencoded")) {
    auto form = url::parse_query(ctx.request.body());
    if (!form) return Error{"the form body is not valid application/x-www-form-urlencoded"};
    for (const auto& [k, v] : *form) fields[k] = v;
    return fields;
  }
  auto body = object_body(ctx);
  if (!body) return body.error();
  for (const auto& [k, v] : body->items()) fields[k] = v;
  return fields;
}

}  // namespace

void add_install_routes(http::Router& router, InstallService& install) {
  router.add(bhttp::verb::get, "/api/v1/agent/install", [&](const http::RequestContext& ctx) {
    auto it = ctx.query.find("mac");
    auto mac = it == ctx.query.end() ? std::nullopt : MacAddress::parse(it->second);
    if (!mac) return bad_request(ctx, "'mac' must be a MAC address");
    if (auto refusal = refuse_other_machine(ctx, *mac)) return std::move(*refusal);
    auto plan = install.plan_for(*mac);
    if (!plan) return refused(ctx, plan.refusal());
    return ok(ctx, {{"plan", *plan}});
  });

  router.add(bhttp::verb::post, "/api/v1/agent/install/progress",
             [&](const http::RequestContext& ctx) {
               auto body = object_body(ctx);
               if (!body) return bad_request(ctx, body.error().message);
               auto r = machine_progress(*body, {"writing", "written", "failed"});
               if (!r) return bad_request(ctx, r.error().message);
               if (auto refusal = refuse_other_machine(ctx, r->mac)) return std::move(*refusal);
               return machine_answer(ctx, install.progress(r->mac, r->progress));
             });

  router.add(bhttp::verb::post, "/api/v1/agent/firstboot", [&](const http::RequestContext& ctx) {
    auto body = firstboot_body(ctx);
    if (!body) return bad_request(ctx, body.error().message);
    json detail = json::object();
    for (const char* key :
         {"mac", "uuid", "hostname", "machine_id", "kernel", "instance_id", "fqdn"}) {
      auto value = text_field(*body, key, 256);
      if (!value) return bad_request(ctx, value.error().message);
      if (!value->empty()) detail[key] = *value;
    }
    std::string key;
    if (detail.contains("mac") && MacAddress::parse(detail["mac"].get<std::string>())) {
      auto mac = *MacAddress::parse(detail["mac"].get<std::string>());
      if (auto refusal = refuse_other_machine(ctx, mac)) return std::move(*refusal);
      key = mac.to_string();
    } else if (detail.contains("uuid") && Uuid::parse(detail["uuid"].get<std::string>())) {
      key = Uuid::parse(detail["uuid"].get<std::string>())->to_string();
      // By UUID: the secret's MAC must be one of that machine's interfaces.
      if (auto m = install.machine(key)) {
        if (auto refusal = refuse_other_machine(ctx, *m)) return std::move(*refusal);
      } else if (ctx.principal) {
        return other_machine_refusal(ctx, "uuid " + key);
      }
    } else {
      return bad_request(ctx, "give 'mac' (a MAC address) or 'uuid' (a UUID)");
    }
    detail["source"] = ctx.remote.to_string();
    auto done = install.first_boot(key, detail);
    if (done) {
      log::get("install")->info("first boot machine={} hostname={} deployed", done->name,
                                detail.value("hostname", ""));
    }
    return machine_answer(ctx, done);
  });
}

}  // namespace slipway::controlplane
