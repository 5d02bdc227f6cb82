#pragma once
// Small pieces every API route file uses: answers, refusals and request bodies.

#include <nlohmann/json.hpp>
#include <string_view>

#include "common/http_server.h"
#include "common/result.h"
#include "inventory/machine_store.h"

namespace slipway::controlplane {

http::Response ok(const http::RequestContext& ctx, const nlohmann::json& body);
http::Response no_such_path(const http::RequestContext& ctx);
http::Response bad_request(const http::RequestContext& ctx, std::string_view message);
// 404 for kNotFound, 409 for kConflict, 400 for kInvalid, 503 for kStorage.
http::Response refused(const http::RequestContext& ctx, const inventory::Refusal& r);
// {"machine": ...} for a change that was made, the refusal's answer otherwise.
http::Response machine_answer(const http::RequestContext& ctx,
                              const inventory::Outcome<inventory::Machine>& outcome);
// The JSON object body of an operator request ({} when empty), or why it is not one.
Result<nlohmann::json> object_body(const http::RequestContext& ctx);
// Who asked, for the event log: the principal (a token's id and name) and the client's address.
std::string actor(const http::RequestContext& ctx);

}  // namespace slipway::controlplane
