#pragma once
// The check every /api/v1/agent/* handler makes: an agent secret lets its runtime speak only for
// the machine it was issued to (http::Principal::machine). The AccessControl has already
// established who sent the request; this compares that with what the request speaks for (the
// MAC in its body or query, the machine a snapshot or key names).
//
// Without access control (ctx.principal null: routers of the route unit tests) every request
// passes. A refusal is 403 "this secret was issued to <mac>", logged with the route and both
// machines; the secret is never logged (the AccessControl audits the 403).

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "boot/agent_secrets.h"
#include "common/http_server.h"
#include "common/mac_address.h"
#include "common/result.h"
#include "controlplane/api_access_control.h"
#include "inventory/machine.h"

namespace slipway::controlplane {

// The AccessControl's agent verifier: the principal of a valid secret ("agent:<mac>", kAgent,
// machine = the MAC it was issued to), or AgentSecrets::verify's refusal (malformed, unknown or
// superseded, forged, expired; never containing the secret). `secrets` must outlive the result.
AgentVerifier agent_verifier(const boot::AgentSecrets& secrets);

// nullopt: the request may speak for the machine with MAC `spoken_for`; else the answer.
std::optional<http::Response> refuse_other_machine(const http::RequestContext& ctx,
                                                   const MacAddress& spoken_for);
// nullopt: the request may speak for `machine` (the secret's MAC is one of its interfaces).
std::optional<http::Response> refuse_other_machine(const http::RequestContext& ctx,
                                                   const inventory::Machine& machine);
// The refusal itself, for a check the caller made: `spoken_for` names what the request spoke
// for ("snapshot s1 of web1"), for the log.
http::Response other_machine_refusal(const http::RequestContext& ctx,
                                     const std::string& spoken_for);

}  // namespace slipway::controlplane
