#include "controlplane/power_routes.h"

#include <charconv>

#include "controlplane/api_helpers.h"

namespace slipway::controlplane {

namespace bhttp = http::bhttp;
using nlohmann::json;

namespace {

constexpr int64_t kMaxTimeoutSeconds = 3600;
constexpr size_t kMaxMachinesPerJob = 1000;

json optional_number(const std::optional<double>& v) { return v ? json(*v) : json(); }

}  // namespace

json to_json(const PowerJob& job) {
  json machines = json::array();
  for (const auto& t : job.targets) {
    machines.push_back({{"key", t.key},
                        {"name", t.name},
                        {"mac", t.mac.to_string()},
                        {"status", to_string(t.status)},
                        {"detail", t.detail},
                        {"sent_after_s", optional_number(t.sent_after_s)},
                        {"booted_after_s", optional_number(t.booted_after_s)}});
  }
  return {{"id", job.id},
          {"done", job.done()},
          {"timeout_s", job.timeout.count()},
          {"machines", machines}};
}

void add_power_routes(http::Router& router, PowerService& power) {
  router.add(bhttp::verb::post, "/api/v1/power/on", [&power](const http::RequestContext& ctx) {
    auto body = object_body(ctx);
    if (!body) return bad_request(ctx, body.error().message);
    const json& doc = *body;
    auto list = doc.find("machines");
    if (list == doc.end() || !list->is_array()) {
      return bad_request(ctx, "'machines' must be a list of names, MACs or UUIDs");
    }
    if (list->size() > kMaxMachinesPerJob) {
      return bad_request(ctx,
                         "at most " + std::to_string(kMaxMachinesPerJob) + " machines per request");
    }
    std::vector<std::string> keys;
    for (const auto& k : *list) {
      if (!k.is_string()) return bad_request(ctx, "'machines' must hold strings");
      keys.push_back(k.get<std::string>());
    }
    std::optional<std::chrono::seconds> timeout;
    if (auto t = doc.find("timeout_s"); t != doc.end()) {
      if (!t->is_number_integer() || t->get<int64_t>() < 1 ||
          t->get<int64_t>() > kMaxTimeoutSeconds) {
        return bad_request(ctx, "'timeout_s' must be a whole number of seconds from 1 to " +
                                    std::to_string(kMaxTimeoutSeconds));
      }
      timeout = std::chrono::seconds(t->get<int64_t>());
    }
    auto job = power.power_on(keys, timeout, actor(ctx));
    if (!job) return refused(ctx, job.refusal());
    return http::Response(http::json_response(ctx.request, bhttp::status::accepted,
                                              json({{"job", to_json(*job)}}).dump() + "\n"));
  });

  router.add(bhttp::verb::get, "/api/v1/power/jobs", [&power](const http::RequestContext& ctx) {
    json list = json::array();
    for (const auto& job : power.jobs(100)) list.push_back(to_json(job));
    return ok(ctx, {{"jobs", list}});
  });

  router.add_prefix(bhttp::verb::get, "/api/v1/power/jobs/",
                    [&power](const http::RequestContext& ctx) {
                      uint64_t id = 0;
                      std::string_view text = ctx.rest;
                      auto [next, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
                      if (ec != std::errc() || next != text.data() + text.size()) {
                        return no_such_path(ctx);
                      }
                      auto job = power.job(id);
                      if (!job) {
                        return http::Response(http::error_response(
                            ctx.request, bhttp::status::not_found,
                            "no power job " + std::string(text) + " (jobs are kept in memory)"));
                      }
                      return ok(ctx, {{"job", to_json(*job)}});
                    });
}

}  // namespace slipway::controlplane
