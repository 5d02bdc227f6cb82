#include "controlplane/api_helpers.h"

#include "inventory/machine_json.h"

namespace slipway::controlplane {

namespace bhttp = http::bhttp;
using nlohmann::json;

http::Response ok(const http::RequestContext& ctx, const json& body) {
  return http::json_response(ctx.request, bhttp::status::ok, body.dump() + "\n");
}

http::Response no_such_path(const http::RequestContext& ctx) {
  return http::error_response(ctx.request, bhttp::status::not_found, "no such path");
}

http::Response bad_request(const http::RequestContext& ctx, std::string_view message) {
  return http::error_response(ctx.request, bhttp::status::bad_request, message);
}

http::Response refused(const http::RequestContext& ctx, const inventory::Refusal& r) {
  using Kind = inventory::Refusal::Kind;
  bhttp::status status = bhttp::status::service_unavailable;
  switch (r.kind) {
    case Kind::kNotFound:
      status = bhttp::status::not_found;
      break;
    case Kind::kConflict:
      status = bhttp::status::conflict;
      break;
    case Kind::kInvalid:
      status = bhttp::status::bad_request;
      break;
    case Kind::kStorage:
      break;
  }
  return http::error_response(ctx.request, status, r.message);
}

Result<json> object_body(const http::RequestContext& ctx) {
  const std::string& body = ctx.request.body();
  if (body.empty()) return json::object();
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return Error{"the body must be a JSON object"};
  return doc;
}

std::string actor(const http::RequestContext& ctx) {
  std::string source = "api:" + ctx.remote.to_string();
  return ctx.principal ? ctx.principal->who + " " + source : source;
}

http::Response machine_answer(const http::RequestContext& ctx,
                              const inventory::Outcome<inventory::Machine>& outcome) {
  if (!outcome) return refused(ctx, outcome.refusal());
  return ok(ctx, {{"machine", inventory::to_json(*outcome)}});
}

}  // namespace slipway::controlplane
