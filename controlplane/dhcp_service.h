#pragma once
// DhcpService: the DHCP side of `slipway serve`, wired: the responder with its boot and host
// name hooks, the server sockets of every provisioning interface, IPv6 router-solicitation
// answers, and the watch for other DHCP servers on the LAN.
//
// Lifetime: everything passed in must outlive it; it must be destroyed before the io_context.

#include <boost/asio/io_context.hpp>
#include <memory>
#include <vector>

#include "boot/boot_service.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "controlplane/dhcp_config.h"
#include "dhcp/lease.h"
#include "dhcp/rogue_detector.h"
#include "dhcp/router_advert.h"
#include "dhcp/server.h"
#include "inventory/machine_store.h"

namespace slipway::controlplane {

class DhcpService {
 public:
  // `interfaces` with our address on each; the first is the primary.
  DhcpService(boost::asio::io_context& io, const DhcpConfig& config,
              std::vector<dhcp::ServedInterface> interfaces, dhcp::LeaseStore& leases,
              const inventory::MachineStore& machines, boot::BootService& boot, const Clock& clock,
              Metrics& metrics, dhcp::HeardHook heard = {});

  // Fails when a socket cannot be opened. Router advertisements and the foreign-server watch
  // are best effort: their failures are logged.
  Status start();
  void stop();

  // Other DHCP servers seen on the provisioning networks.
  std::vector<dhcp::ForeignServer> foreign_servers() const;

 private:
  boost::asio::io_context& io_;
  const DhcpConfig& config_;
  std::vector<dhcp::ServedInterface> interfaces_;
  const Clock& clock_;
  Metrics& metrics_;
  dhcp::Responder responder_;
  dhcp::Server server_;
  std::vector<std::unique_ptr<dhcp::RouterAdvertiser>> advertisers_;
  std::vector<std::unique_ptr<dhcp::RogueDetector>> detectors_;
};

}  // namespace slipway::controlplane
