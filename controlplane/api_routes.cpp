#include "controlplane/api_routes.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "common/log.h"
#include "imaging/agent_report.h"
#include "inventory/machine_json.h"

namespace slipway::controlplane {

namespace bhttp = http::bhttp;
using nlohmann::json;

void add_api_routes(http::Router& router, const ApiServices& services) {
  inventory::MachineStore& machines = services.machines;
  dhcp::LeaseStore& leases = services.leases;
  Metrics& metrics = services.metrics;
  Counter& reports_ok =
      metrics.counter("slipway_agent_reports_total", "Agent reports, by result", "result=\"ok\"");
  Counter& reports_bad = metrics.counter("slipway_agent_reports_total", "Agent reports, by result",
                                         "result=\"invalid\"");

  router.add(bhttp::verb::get, "/api/v1/machines", [&](const http::RequestContext& ctx) {
    json list = json::array();
    for (const auto& m : machines.list()) list.push_back(inventory::to_json(m));
    return http::Response(http::json_response(ctx.request, bhttp::status::ok,
                                              json({{"machines", list}}).dump() + "\n"));
  });

  router.add(bhttp::verb::get, "/api/v1/events", [&](const http::RequestContext& ctx) {
    size_t limit = 100;
    if (auto it = ctx.query.find("limit"); it != ctx.query.end()) {
      const std::string& text = it->second;
      auto [next, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
      if (ec != std::errc() || next != text.data() + text.size() || limit == 0 || limit > 10000) {
        return http::Response(http::error_response(ctx.request, bhttp::status::bad_request,
                                                   "'limit' must be a number from 1 to 10000"));
      }
    }
    json list = json::array();
    for (const auto& e : machines.events(std::nullopt, limit))
      list.push_back(inventory::to_json(e));
    return http::Response(http::json_response(ctx.request, bhttp::status::ok,
                                              json({{"events", list}}).dump() + "\n"));
  });

  router.add(bhttp::verb::get, "/api/v1/leases", [&](const http::RequestContext& ctx) {
    json list = json::array();
    for (const auto& l : leases.all()) {
      list.push_back({{"ip", l.ip.to_string()},
                      {"mac", l.mac.to_string()},
                      {"client_key", l.client_key},
                      {"uuid", l.uuid ? json(l.uuid->to_string()) : json()},
                      {"hostname", l.hostname},
                      {"expires", l.expires}});
    }
    return http::Response(http::json_response(ctx.request, bhttp::status::ok,
                                              json({{"leases", list}}).dump() + "\n"));
  });

  const DhcpService* dhcp = services.dhcp;
  router.add(bhttp::verb::get, "/api/v1/dhcp/servers", [dhcp](const http::RequestContext& ctx) {
    json list = json::array();
    if (dhcp) {
      for (const auto& s : dhcp->foreign_servers()) {
        list.push_back({{"server_id", s.server_id.to_string()},
                        {"mac", s.mac.to_string()},
                        {"source_ip", s.source_ip.to_string()},
                        {"first_seen", s.first_seen},
                        {"last_seen", s.last_seen},
                        {"replies", s.replies},
                        {"known", s.known}});
      }
    }
    return http::Response(http::json_response(ctx.request, bhttp::status::ok,
                                              json({{"servers", list}}).dump() + "\n"));
  });

  router.add(bhttp::verb::post, "/api/v1/agent/report", [&](const http::RequestContext& ctx) {
    auto report = imaging::parse_agent_report(ctx.request.body());
    if (!report) {
      reports_bad.inc();
      log::get("api")->warn("refused agent report remote={} reason=\"{}\"", ctx.remote.to_string(),
                            report.error().message);
      return http::Response(
          http::error_response(ctx.request, bhttp::status::bad_request, report.error().message));
    }
    inventory::Contact contact{report->mac, report->uuid, Firmware::kUnknown, Arch::kUnknown, "",
                               report->ip,  "agent"};
    auto machine =
        machines.record_agent_event(contact, std::string(imaging::to_string(report->event)));
    if (!machine) {
      return http::Response(http::error_response(ctx.request, bhttp::status::service_unavailable,
                                                 machine.error().message));
    }
    reports_ok.inc();
    log::get("api")->info("agent report machine={} mac={} event={} ip={}", machine->name,
                          report->mac.to_string(), imaging::to_string(report->event),
                          report->ip ? report->ip->to_string() : "-");
    return http::Response(
        http::json_response(ctx.request, bhttp::status::ok,
                            json({{"machine", inventory::to_json(*machine)}}).dump() + "\n"));
  });

  router.add(bhttp::verb::get, "/metrics", [&](const http::RequestContext& ctx) {
    return http::Response(http::make_response(ctx.request, bhttp::status::ok, metrics.render(),
                                              "text/plain; version=0.0.4"));
  });

  router.add(bhttp::verb::get, "/healthz", [](const http::RequestContext& ctx) {
    return http::Response(
        http::make_response(ctx.request, bhttp::status::ok, "ok\n", "text/plain"));
  });
}

}  // namespace slipway::controlplane
