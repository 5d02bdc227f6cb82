#include "controlplane/install_routes.h"

#include "common/log.h"
#include "common/url.h"
#include "controlplane/api_helpers.h"
#include "inventory/machine_json.h"

namespace slipway::controlplane {

namespace bhttp = http::bhttp;
using nlohmann::json;

namespace {

Result<MacAddress> mac_field(const json& doc) {
  auto it = doc.find("mac");
  if (it == doc.end() || !it->is_string()) return Error{"'mac' must be a MAC address"};
  auto mac = MacAddress::parse(it->get<std::string>());
  if (!mac) return Error{"'mac' must be a MAC address"};
  return *mac;
}

Result<uint64_t> count_field(const json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end()) return uint64_t{0};
  if (!it->is_number_unsigned()) return Error{std::string("'") + key + "' must be a count"};
  return it->get<uint64_t>();
}

// Short printable strings only: what the installed OS or the agent says goes to the event log.
Result<std::string> text_field(const json& doc, const char* key, size_t max) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return std::string();
  if (!it->is_string() || it->get<std::string>().size() > max) {
    return Error{std::string("'") + key + "' must be a string of at most " + std::to_string(max) +
                 " characters"};
  }
  std::string s = it->get<std::string>();
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20) {
      return Error{std::string("'") + key + "' holds a control character"};
    }
  }
  return s;
}

}  // namespace

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
    auto plan = install.plan_for(*mac);
    if (!plan) return refused(ctx, plan.refusal());
    return ok(ctx, {{"plan", *plan}});
  });

  router.add(bhttp::verb::post, "/api/v1/agent/install/progress",
             [&](const http::RequestContext& ctx) {
               auto body = object_body(ctx);
               if (!body) return bad_request(ctx, body.error().message);
               auto mac = mac_field(*body);
               if (!mac) return bad_request(ctx, mac.error().message);
               InstallProgress r;
               auto stage = text_field(*body, "stage", 16);
               if (!stage || (*stage != "writing" && *stage != "written" && *stage != "failed")) {
                 return bad_request(ctx, "'stage' must be writing, written or failed");
               }
               r.stage = *stage;
               auto done = count_field(*body, "bytes_done");
               auto total = count_field(*body, "bytes_total");
               auto message = text_field(*body, "message", 1024);
               if (!done) return bad_request(ctx, done.error().message);
               if (!total) return bad_request(ctx, total.error().message);
               if (!message) return bad_request(ctx, message.error().message);
               r.bytes_done = *done;
               r.bytes_total = *total;
               r.message = *message;
               return machine_answer(ctx, install.progress(*mac, r));
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
      key = MacAddress::parse(detail["mac"].get<std::string>())->to_string();
    } else if (detail.contains("uuid") && Uuid::parse(detail["uuid"].get<std::string>())) {
      key = Uuid::parse(detail["uuid"].get<std::string>())->to_string();
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
