#include "controlplane/dhcp_service.h"

#include "common/log.h"

namespace slipway::controlplane {

namespace {

dhcp::ResponderConfig with_own_addresses(dhcp::ResponderConfig config,
                                         const std::vector<dhcp::ServedInterface>& interfaces) {
  for (const auto& i : interfaces) config.own_addresses.push_back(i.address);
  return config;
}

}  // namespace

DhcpService::DhcpService(boost::asio::io_context& io, const DhcpConfig& config,
                         std::vector<dhcp::ServedInterface> interfaces, dhcp::LeaseStore& leases,
                         const inventory::MachineStore& machines, boot::BootService& boot,
                         const Clock& clock, Metrics& metrics, dhcp::HeardHook heard)
    : io_(io),
      config_(config),
      interfaces_(std::move(interfaces)),
      clock_(clock),
      metrics_(metrics),
      responder_(with_own_addresses(config.responder, interfaces_), leases, clock,
                 dhcp::ResponderHooks{
                     [&boot](const NetbootClient& client) { return boot.on_dhcp(client); },
                     [&machines](const MacAddress& mac, const std::optional<Uuid>& uuid) {
                       return machines.name_for(mac, uuid);
                     },
                     std::move(heard)}),
      server_(io, responder_, leases, metrics) {}

Status DhcpService::start() {
  dhcp::ServerOptions options;
  options.interfaces = interfaces_;
  options.port = config_.port;
  options.boot_service = config_.responder.mode == dhcp::Mode::kProxy;
  if (auto s = server_.start(options); !s) return s;

  std::vector<Ipv4> own;
  for (const auto& i : interfaces_) own.push_back(i.address);
  for (const auto& i : interfaces_) {
    if (config_.answer_router_solicitations) {
      // Only a speed-up: without it iPXE waits for IPv6 routers, but still boots.
      auto ra = std::make_unique<dhcp::RouterAdvertiser>(io_, metrics_);
      if (auto s = ra->start(i.name); !s) {
        log::get("dhcp")->warn("{}", s.error().message);
      } else {
        advertisers_.push_back(std::move(ra));
      }
    }
    if (config_.detect_foreign_servers) {
      auto d =
          std::make_unique<dhcp::RogueDetector>(io_, metrics_, clock_, own, config_.known_servers);
      if (auto s = d->start(i.name); !s) {
        log::get("dhcp")->warn("not watching for other DHCP servers: {}", s.error().message);
      } else {
        detectors_.push_back(std::move(d));
      }
    }
  }
  return {};
}

void DhcpService::stop() {
  server_.stop();
  for (auto& a : advertisers_) a->stop();
  for (auto& d : detectors_) d->stop();
}

std::vector<dhcp::ForeignServer> DhcpService::foreign_servers() const {
  std::vector<dhcp::ForeignServer> out;
  for (const auto& d : detectors_) {
    auto seen = d->servers();
    out.insert(out.end(), seen.begin(), seen.end());
  }
  return out;
}

}  // namespace slipway::controlplane
