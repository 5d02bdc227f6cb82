#include "controlplane/cli_tokens.h"

#include <charconv>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/url.h"
#include "controlplane/api_client.h"
#include "controlplane/table.h"

namespace slipway::controlplane {

using nlohmann::json;

namespace {

constexpr int64_t kMaxDuration = int64_t{10} * 366 * 86400;

std::string time_or(const json& v, const char* none) {
  return v.is_number_integer() ? format_time(v.get<int64_t>()) : none;
}

std::string token_state(const json& t) {
  if (!t.value("revoked_at", json()).is_null()) return "revoked";
  if (!t.value("active", false)) return "expired";
  return "active";
}

}  // namespace

Result<int64_t> parse_duration(std::string_view text) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
  int64_t scale = 0;
  if (unit.empty() || unit == "s") scale = 1;
  if (unit == "m") scale = 60;
  if (unit == "h") scale = 3600;
  if (unit == "d") scale = 86400;
  if (unit == "w") scale = 7 * 86400;
  if (ec != std::errc() || end == text.data() || scale == 0 || n < 1 || n > kMaxDuration / scale) {
    return Error{"'" + std::string(text) +
                 "' is not a duration: a whole number and s, m, h, d or w (e.g. 30d), at most "
                 "10 years"};
  }
  return n * scale;
}

TokenCommands::TokenCommands(CLI::App& app) {
  auto* tokens = app.add_subcommand("tokens", "API tokens: who may use the API, with which role");
  tokens->require_subcommand(1);
  tokens->add_flag("--json", json_, "Print the API's JSON");
  create_ = tokens->add_subcommand(
      "create", "Create a token and print it: it is shown this once, the appliance keeps a hash");
  create_->add_option("name", name_, "What the token is for (e.g. ci, alice)")->required();
  create_
      ->add_option("-r,--role", role_,
                   "viewer (read), operator (power, install, snapshots) "
                   "or admin (tokens, audit, delete)")
      ->required()
      ->check(CLI::IsMember({"viewer", "operator", "admin"}));
  create_->add_option("--expires", expires_,
                      "Expire after this long: 3600, 90m, 12h, 30d, 2w (default: never)");
  list_ = tokens->add_subcommand("list", "Every token: id, name, role, state (never the token)");
  revoke_ = tokens->add_subcommand("revoke", "Revoke a token; it is refused from the next request");
  revoke_->add_option("id", id_, "The token's id (12 hex digits, from `tokens list`)")->required();

  events_ = app.add_subcommand(
      "events", "The audit trail: mutating and refused requests (who, what, target, result)");
  events_->add_option("-n,--limit", limit_, "How many events")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  events_->add_option("--who", who_,
                      "Only this principal: token:ID, token:, agent:, agent:MAC, anonymous");
  events_->add_option("--result", result_, "Only ok, refused or failed requests")
      ->check(CLI::IsMember({"ok", "refused", "failed"}));
  events_->add_flag("--json", json_, "Print the API's JSON");
}

std::optional<int> TokenCommands::run(const std::string& server_url) const {
  if (create_->parsed()) return create(server_url);
  if (list_->parsed()) return list(server_url);
  if (revoke_->parsed()) return revoke(server_url);
  if (events_->parsed()) return events(server_url);
  return std::nullopt;
}

int TokenCommands::create(const std::string& server_url) const {
  json body = {{"name", name_}, {"role", role_}};
  if (!expires_.empty()) {
    auto seconds = parse_duration(expires_);
    if (!seconds) {
      std::cerr << "slipway: --expires: " << seconds.error().message << "\n";
      return 2;
    }
    body["expires_in"] = *seconds;
  }
  ApiClient client(server_url);
  auto doc = api_answer(client, client.post("/api/v1/tokens", body.dump()), "token");
  if (!doc) return 1;
  if (json_) {
    std::cout << doc->dump(2) << "\n";
    return 0;
  }
  const json& r = (*doc)["record"];
  // The token alone on stdout, so that `slipway tokens create ci -r viewer > ci.token` works.
  std::cout << (*doc)["token"].get<std::string>() << "\n";
  std::cerr << "created token " << r.value("id", "?") << " (" << r.value("name", "?") << ", role "
            << r.value("role", "?") << ", expires "
            << time_or(r.value("expires_at", json()), "never")
            << "); it is shown only now: keep it safe\n";
  return 0;
}

int TokenCommands::list(const std::string& server_url) const {
  ApiClient client(server_url);
  auto doc = api_answer(client, client.get("/api/v1/tokens"), "tokens");
  if (!doc) return 1;
  if (json_) {
    std::cout << doc->dump(2) << "\n";
    return 0;
  }
  Table t({"ID", "NAME", "ROLE", "STATE", "CREATED", "EXPIRES", "CREATED BY"});
  for (const auto& r : (*doc)["tokens"]) {
    t.add_row({r.value("id", "?"), r.value("name", "?"), r.value("role", "?"), token_state(r),
               time_or(r.value("created_at", json()), "-"),
               time_or(r.value("expires_at", json()), "never"), r.value("created_by", "-")});
  }
  std::cout << t.render();
  return 0;
}

int TokenCommands::revoke(const std::string& server_url) const {
  ApiClient client(server_url);
  auto doc = api_answer(client, client.del("/api/v1/tokens/" + url::encode(id_)), "record");
  if (!doc) return 1;
  if (json_) {
    std::cout << doc->dump(2) << "\n";
    return 0;
  }
  const json& r = (*doc)["record"];
  std::cout << "revoked token " << r.value("id", "?") << " (" << r.value("name", "?") << ")\n";
  return 0;
}

int TokenCommands::events(const std::string& server_url) const {
  std::string path = "/api/v1/audit?limit=" + std::to_string(limit_);
  if (!who_.empty()) path += "&who=" + url::encode(who_);
  if (!result_.empty()) path += "&result=" + url::encode(result_);
  ApiClient client(server_url);
  auto doc = api_answer(client, client.get(path), "events");
  if (!doc) return 1;
  if (json_) {
    std::cout << doc->dump(2) << "\n";
    return 0;
  }
  Table t({"TIME", "WHO", "ROLE", "REQUEST", "STATUS", "RESULT", "SOURCE", "DETAIL"});
  for (const auto& e : (*doc)["events"]) {
    t.add_row({time_or(e.value("time", json()), "-"), e.value("who", "?"), e.value("role", "?"),
               e.value("method", "?") + " " + e.value("target", "?"),
               std::to_string(e.value("status", 0u)), e.value("result", "?"),
               e.value("source", "?"), e.value("detail", "")});
  }
  std::cout << t.render();
  return 0;
}

}  // namespace slipway::controlplane
