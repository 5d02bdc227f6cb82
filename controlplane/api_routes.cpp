#include "controlplane/api_routes.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>

#include "common/log.h"
#include "controlplane/agent_access.h"
#include "controlplane/api_helpers.h"
#include "controlplane/inspection.h"
#include "controlplane/install_routes.h"
#include "imaging/agent_report.h"
#include "inventory/machine_json.h"

namespace slipway::controlplane {

namespace bhttp = http::bhttp;
using nlohmann::json;

namespace {

Result<size_t> event_limit(const std::map<std::string, std::string>& query) {
  size_t limit = 100;
  if (auto it = query.find("limit"); it != query.end()) {
    const std::string& text = it->second;
    auto [next, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (ec != std::errc() || next != text.data() + text.size() || limit == 0 || limit > 10000) {
      return Error{"'limit' must be a number from 1 to 10000"};
    }
  }
  return limit;
}

json events_json(const inventory::MachineStore& machines, std::optional<int64_t> machine_id,
                 size_t limit) {
  json list = json::array();
  for (const auto& e : machines.events(machine_id, limit)) list.push_back(inventory::to_json(e));
  return list;
}

// ?state=ready&label=rack=r1,role: every label term must match ("key" alone: any value).
Result<inventory::MachineFilter> machine_filter(const std::map<std::string, std::string>& query) {
  inventory::MachineFilter filter;
  if (auto it = query.find("state"); it != query.end()) {
    filter.state = inventory::parse_machine_state(it->second);
    if (!filter.state) return Error{"unknown state '" + it->second + "'"};
  }
  if (auto it = query.find("label"); it != query.end()) {
    std::string_view terms = it->second;
    while (!terms.empty()) {
      std::string_view term = terms.substr(0, terms.find(','));
      terms.remove_prefix(std::min(terms.size(), term.size() + 1));
      size_t eq = term.find('=');
      std::string key(term.substr(0, eq));
      std::optional<std::string> value;
      if (eq != std::string_view::npos) value = std::string(term.substr(eq + 1));
      if (auto why = inventory::invalid_label(key, value.value_or(""))) return Error{*why};
      filter.labels[key] = value;
    }
  }
  return filter;
}

Result<std::string> string_field(const json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_string()) {
    return Error{std::string("'") + key + "' must be a string"};
  }
  return it->get<std::string>();
}

// /api/v1/machines/KEY[/ACTION]: KEY is a name, MAC or UUID (never contains '/').
struct MachinePath {
  std::string key;
  std::string action;
};

std::optional<MachinePath> machine_path(std::string_view rest) {
  size_t slash = rest.find('/');
  MachinePath p{std::string(rest.substr(0, slash)), ""};
  if (slash != std::string_view::npos) p.action = std::string(rest.substr(slash + 1));
  if (p.key.empty() || p.action.find('/') != std::string::npos) return std::nullopt;
  return p;
}

// An operator's change: logged when it was made.
http::Response machine_change(const http::RequestContext& ctx,
                              const inventory::Outcome<inventory::Machine>& outcome) {
  if (outcome) {
    log::get("api")->info("machine change machine={} path={} actor={}", outcome->name, ctx.path,
                          actor(ctx));
  }
  return machine_answer(ctx, outcome);
}

http::Response machine_post(inventory::MachineStore& machines, InstallService* install,
                            const http::RequestContext& ctx, const MachinePath& p) {
  if (p.action == "install") {
    if (!install) return no_such_path(ctx);
    return install_machine(*install, ctx, p.key);
  }
  auto body = object_body(ctx);
  if (!body) return bad_request(ctx, body.error().message);
  const json& doc = *body;
  if (p.action == "approve") return machine_change(ctx, machines.approve(p.key, actor(ctx)));
  if (p.action == "rename") {
    auto name = string_field(doc, "name");
    if (!name) return bad_request(ctx, name.error().message);
    return machine_change(ctx, machines.rename(p.key, *name, actor(ctx)));
  }
  if (p.action == "state") {
    auto state_text = string_field(doc, "state");
    if (!state_text) return bad_request(ctx, state_text.error().message);
    auto state = inventory::parse_machine_state(*state_text);
    if (!state) return bad_request(ctx, "unknown state '" + *state_text + "'");
    std::string reason;
    if (auto it = doc.find("reason"); it != doc.end()) {
      if (!it->is_string()) return bad_request(ctx, "'reason' must be a string");
      reason = it->get<std::string>();
    }
    return machine_change(ctx, machines.transition(p.key, *state, reason, actor(ctx)));
  }
  if (p.action == "labels") {
    std::map<std::string, std::string> set;
    std::vector<std::string> remove;
    if (doc.contains("set")) {
      if (!doc["set"].is_object()) return bad_request(ctx, "'set' must be an object");
      for (const auto& [k, v] : doc["set"].items()) {
        if (!v.is_string()) return bad_request(ctx, "label '" + k + "' must have a string value");
        set[k] = v.get<std::string>();
      }
    }
    if (doc.contains("remove")) {
      if (!doc["remove"].is_array()) return bad_request(ctx, "'remove' must be an array");
      for (const auto& k : doc["remove"]) {
        if (!k.is_string()) return bad_request(ctx, "'remove' must hold label keys");
        remove.push_back(k.get<std::string>());
      }
    }
    return machine_change(ctx, machines.label(p.key, set, remove, actor(ctx)));
  }
  if (p.action == "merge") {
    auto from = string_field(doc, "from");
    if (!from) return bad_request(ctx, from.error().message);
    return machine_change(ctx, machines.merge(*from, p.key, actor(ctx)));
  }
  return no_such_path(ctx);
}

json profile_json(const boot::Profile& p) {
  json selectors = json::array();
  for (const auto& s : p.selectors) {
    json facts = json::object();
    for (const auto& f : s.facts) facts[f.path] = f.text;
    json macs = json::array();
    for (const auto& mac : s.macs) macs.push_back(mac.to_string());
    json uuids = json::array();
    for (const auto& uuid : s.uuids) uuids.push_back(uuid.to_string());
    selectors.push_back({{"priority", s.priority},
                         {"labels", s.labels.empty() ? json::object() : json(s.labels)},
                         {"facts", facts},
                         {"macs", macs},
                         {"uuids", uuids}});
  }
  json installs = p.image ? json({{"image", *p.image}})
                          : json({{"installer",
                                   {{"kernel", p.installer->kernel},
                                    {"initrd", p.installer->initrd},
                                    {"cmdline", p.installer->cmdline}}}});
  // The profile's own templates and their files; other names come from the built-ins.
  json templates = json::object();
  for (const auto& name : p.templates.names()) templates[name] = p.templates.source(name);
  return {{"name", p.name},         {"description", p.description},
          {"installs", installs},   {"select", selectors},
          {"templates", templates}, {"ssh_authorized_keys", p.ssh_authorized_keys.size()}};
}

json choice_json(const boot::ProfileChoice& choice) {
  json verdicts = json::array();
  for (const auto& v : choice.verdicts) {
    verdicts.push_back({{"profile", v.profile},
                        {"selector", v.selector},
                        {"priority", v.priority},
                        {"matched", v.matched},
                        {"reasons", v.reasons}});
  }
  return {{"profile", choice.profile ? json(*choice.profile) : json()},
          {"summary", choice.summary},
          {"selectors", verdicts}};
}

void add_machine_routes(http::Router& router, inventory::MachineStore& machines,
                        const std::vector<boot::Profile>& profiles, InstallService* install) {
  router.add_prefix(
      bhttp::verb::get, "/api/v1/machines/", [&, install](const http::RequestContext& ctx) {
        auto p = machine_path(ctx.rest);
        if (!p || (!p->action.empty() && p->action != "events" && p->action != "profile")) {
          return no_such_path(ctx);
        }
        auto m = machines.find(p->key);
        if (!m) return refused(ctx, inventory::unknown_machine(p->key));
        if (p->action == "profile") {
          return ok(ctx, choice_json(boot::explain_profile(profiles, *m,
                                                           inventory::facts_object(machines, *m))));
        }
        auto limit = event_limit(ctx.query);
        if (!limit) return bad_request(ctx, limit.error().message);
        json events = events_json(machines, m->id, *limit);
        if (p->action == "events") return ok(ctx, {{"events", events}});
        json machine = inventory::to_json(*m);
        machine["facts"] = inventory::facts_object(machines, *m);
        if (auto progress = install ? install->progress_of(m->id) : std::nullopt) {
          machine["install_progress"] = {{"stage", progress->stage},
                                         {"bytes_done", progress->bytes_done},
                                         {"bytes_total", progress->bytes_total},
                                         {"message", progress->message},
                                         {"at", progress->at}};
        }
        return ok(ctx, {{"machine", machine}, {"events", events}});
      });

  router.add_prefix(bhttp::verb::post, "/api/v1/machines/",
                    [&, install](const http::RequestContext& ctx) {
                      auto p = machine_path(ctx.rest);
                      if (!p || p->action.empty()) {
                        return no_such_path(ctx);
                      }
                      return machine_post(machines, install, ctx, *p);
                    });

  router.add_prefix(bhttp::verb::delete_, "/api/v1/machines/",
                    [&](const http::RequestContext& ctx) {
                      auto p = machine_path(ctx.rest);
                      if (!p || !p->action.empty()) {
                        return no_such_path(ctx);
                      }
                      return machine_change(ctx, machines.forget(p->key, actor(ctx)));
                    });
}

}  // namespace

void add_api_routes(http::Router& router, const ApiServices& services) {
  inventory::MachineStore& machines = services.machines;
  dhcp::LeaseStore& leases = services.leases;
  Metrics& metrics = services.metrics;
  const inventory::EnrollmentConfig& enrollment = services.enrollment;
  Counter& reports_ok =
      metrics.counter("slipway_agent_reports_total", "Agent reports, by result", "result=\"ok\"");
  Counter& reports_bad = metrics.counter("slipway_agent_reports_total", "Agent reports, by result",
                                         "result=\"invalid\"");

  router.add(bhttp::verb::get, "/api/v1/machines", [&](const http::RequestContext& ctx) {
    auto filter = machine_filter(ctx.query);
    if (!filter) return bad_request(ctx, filter.error().message);
    json list = json::array();
    for (const auto& m : machines.list(*filter)) list.push_back(inventory::to_json(m));
    return ok(ctx, {{"machines", list}});
  });

  router.add(bhttp::verb::get, "/api/v1/events", [&](const http::RequestContext& ctx) {
    auto limit = event_limit(ctx.query);
    if (!limit) return bad_request(ctx, limit.error().message);
    std::optional<int64_t> machine_id;
    if (auto it = ctx.query.find("machine"); it != ctx.query.end()) {
      auto m = machines.find(it->second);
      if (!m) return refused(ctx, inventory::unknown_machine(it->second));
      machine_id = m->id;
    }
    return ok(ctx, {{"events", events_json(machines, machine_id, *limit)}});
  });

  add_machine_routes(router, machines, services.profiles, services.install);

  const std::vector<boot::Profile>& profiles = services.profiles;
  router.add(bhttp::verb::get, "/api/v1/profiles", [&profiles](const http::RequestContext& ctx) {
    json list = json::array();
    for (const auto& p : profiles) list.push_back(profile_json(p));
    return ok(ctx, {{"profiles", list}});
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
    // A runtime reports for the machine its secret was issued to, never for another.
    if (auto refusal = refuse_other_machine(ctx, report->mac)) return std::move(*refusal);
    inventory::Contact contact{report->mac, report->uuid, Firmware::kUnknown, Arch::kUnknown, "",
                               report->ip,  "agent"};
    const std::string event(imaging::to_string(report->event));
    Result<inventory::Machine> machine = Error{""};
    if (report->facts) {
      // Already validated by parse_agent_report: this parse cannot fail.
      json facts = json::parse(ctx.request.body())["facts"];
      machine =
          machines.record_agent_report(contact, event, inspection_of(*report, facts), enrollment);
    } else {
      machine = machines.record_agent_event(contact, event);
    }
    if (!machine) {
      return http::Response(http::error_response(ctx.request, bhttp::status::service_unavailable,
                                                 machine.error().message));
    }
    reports_ok.inc();
    log::get("api")->info(
        "agent report machine={} mac={} event={} ip={} facts={} state={} awaiting_approval={}",
        machine->name, report->mac.to_string(), event, report->ip ? report->ip->to_string() : "-",
        report->facts ? "yes" : "no", inventory::to_string(machine->state),
        machine->awaiting_approval);
    json answer = inventory::to_json(*machine);
    return ok(ctx, {{"machine", answer}});
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
