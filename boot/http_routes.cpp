#include "boot/http_routes.h"

#include "common/http_file.h"
#include "common/log.h"

namespace slipway::boot {

namespace bhttp = http::bhttp;

void add_boot_routes(http::Router& router, BootService& service, const ConfinedRoot& assets,
                     Metrics& metrics) {
  Counter& scripts = metrics.counter("slipway_boot_scripts_total", "iPXE scripts served");
  Counter& bad_script_requests = metrics.counter("slipway_boot_script_bad_requests_total",
                                                 "iPXE script requests with bad parameters");

  router.add(bhttp::verb::get, "/boot/ipxe",
             [&](const http::RequestContext& ctx) -> http::Response {
               const auto& req = ctx.request;
               auto bad = [&](const std::string& why) {
                 bad_script_requests.inc();
                 return http::error_response(req, bhttp::status::bad_request, why);
               };
               auto mac_param = ctx.query.find("mac");
               if (mac_param == ctx.query.end()) return bad("missing query parameter 'mac'");
               auto mac = MacAddress::parse(mac_param->second);
               if (!mac) return bad("'mac' is not a MAC address: '" + mac_param->second + "'");
               std::optional<Uuid> uuid;
               if (auto u = ctx.query.find("uuid"); u != ctx.query.end() && !u->second.empty()) {
                 uuid = Uuid::parse(u->second);
                 if (!uuid) return bad("'uuid' is not a UUID: '" + u->second + "'");
                 if (!uuid->is_identity()) uuid.reset();
               }
               std::optional<Ipv4> remote;
               if (ctx.remote.is_v4()) remote = Ipv4(ctx.remote.to_v4().to_uint());
               auto script = service.script_for(*mac, uuid, remote);
               if (!script) {
                 return http::error_response(req, bhttp::status::service_unavailable,
                                             script.error().message);
               }
               scripts.inc();
               auto res = http::make_response(req, bhttp::status::ok, std::move(*script),
                                              "text/plain; charset=utf-8");
               // Per-machine content: never cached, never shared between machines.
               res.set(bhttp::field::cache_control, "no-store");
               return res;
             });

  router.add_prefix(
      bhttp::verb::get, "/assets/", [&](const http::RequestContext& ctx) -> http::Response {
        auto found = assets.lookup(ctx.rest);
        switch (found.refusal) {
          case ConfinedRoot::Refusal::kNone:
            return http::serve_file(ctx.request, found.path);
          case ConfinedRoot::Refusal::kMalformed:
            return http::error_response(ctx.request, bhttp::status::bad_request, found.reason);
          case ConfinedRoot::Refusal::kEscapes:
            log::get("http")->warn("refused path outside assets path=\"{}\" remote={}", ctx.path,
                                   ctx.remote.to_string());
            return http::error_response(ctx.request, bhttp::status::not_found, "no such file");
          case ConfinedRoot::Refusal::kNotFound:
          case ConfinedRoot::Refusal::kNotRegular:
            break;
        }
        return http::error_response(ctx.request, bhttp::status::not_found, "no such file");
      });
}

void add_template_routes(http::Router& router, const MachineTemplates& templates,
                         Metrics& metrics) {
  Counter& rendered = metrics.counter("slipway_boot_templates_total", "Templates rendered");
  Counter& failed = metrics.counter("slipway_boot_template_errors_total",
                                    "Template requests refused or failed to render");
  router.add_prefix(
      bhttp::verb::get, "/boot/templates/", [&](const http::RequestContext& ctx) -> http::Response {
        const auto& req = ctx.request;
        // NAME?mac=MAC or MAC/NAME.
        std::string_view rest = ctx.rest;
        std::string mac_text, name;
        if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
          mac_text = std::string(rest.substr(0, slash));
          name = std::string(rest.substr(slash + 1));
        } else {
          name = std::string(rest);
          if (auto m = ctx.query.find("mac"); m != ctx.query.end()) mac_text = m->second;
        }
        auto refuse = [&](bhttp::status status, const std::string& why) {
          failed.inc();
          return http::error_response(req, status, why);
        };
        if (mac_text.empty()) return refuse(bhttp::status::bad_request, "missing 'mac'");
        auto mac = MacAddress::parse(mac_text);
        if (!mac)
          return refuse(bhttp::status::bad_request, "not a MAC address: '" + mac_text + "'");
        if (auto why = invalid_template_name(name)) return refuse(bhttp::status::not_found, *why);
        auto text = templates.render(*mac, name);
        if (!text) {
          const auto& r = text.refusal();
          log::get("boot")->warn("template refused mac={} template={} reason=\"{}\"",
                                 mac->to_string(), name, r.message);
          return refuse(r.kind == inventory::Refusal::Kind::kNotFound
                            ? bhttp::status::not_found
                            : bhttp::status::unprocessable_entity,
                        r.message);
        }
        rendered.inc();
        auto res = http::make_response(req, bhttp::status::ok, std::move(*text),
                                       "text/plain; charset=utf-8");
        // Per-machine content: never cached, never shared between machines.
        res.set(bhttp::field::cache_control, "no-store");
        return res;
      });
}

void add_ca_route(http::Router& router, std::string ca_pem) {
  router.add(
      bhttp::verb::get, "/tls/ca.crt",
      [pem = std::move(ca_pem)](const http::RequestContext& ctx) -> http::Response {
        if (pem.empty()) {
          return http::error_response(ctx.request, bhttp::status::not_found,
                                      "this appliance has no CA to hand out (https is off or its "
                                      "certificate came without https.ca_cert)");
        }
        auto res =
            http::make_response(ctx.request, bhttp::status::ok, pem, "application/x-pem-file");
        res.set(bhttp::field::content_disposition, "attachment; filename=\"slipway-ca.crt\"");
        return res;
      });
}

}  // namespace slipway::boot
