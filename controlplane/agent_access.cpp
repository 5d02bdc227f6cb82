#include "controlplane/agent_access.h"

#include "common/log.h"

namespace slipway::controlplane {

namespace bhttp = http::bhttp;

AgentVerifier agent_verifier(const boot::AgentSecrets& secrets) {
  return [&secrets](std::string_view secret) -> Result<http::Principal> {
    auto boot = secrets.verify(secret);
    if (!boot) return boot.error();
    return http::Principal{"agent:" + boot->mac.to_string(), http::Access::kAgent, boot->mac};
  };
}

http::Response other_machine_refusal(const http::RequestContext& ctx,
                                     const std::string& spoken_for) {
  const auto& p = *ctx.principal;
  const std::string issued_to = p.machine ? p.machine->to_string() : "no machine";
  log::get("api")->warn(
      "refused agent request for another machine route=\"{}\" who=\"{}\" issued_to={} "
      "spoke_for=\"{}\" remote={}",
      ctx.path, p.who, issued_to, spoken_for, ctx.remote.to_string());
  return http::error_response(ctx.request, bhttp::status::forbidden,
                              "this secret was issued to " + issued_to);
}

std::optional<http::Response> refuse_other_machine(const http::RequestContext& ctx,
                                                   const MacAddress& spoken_for) {
  if (!ctx.principal) return std::nullopt;
  if (ctx.principal->machine == spoken_for) return std::nullopt;
  return other_machine_refusal(ctx, spoken_for.to_string());
}

std::optional<http::Response> refuse_other_machine(const http::RequestContext& ctx,
                                                   const inventory::Machine& machine) {
  if (!ctx.principal) return std::nullopt;
  if (ctx.principal->machine) {
    for (const auto& i : machine.interfaces) {
      if (i.mac == *ctx.principal->machine) return std::nullopt;
    }
  }
  return other_machine_refusal(ctx, "machine " + machine.name);
}

}  // namespace slipway::controlplane
