#include "controlplane/app.h"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <stdexcept>

#include "boot/boot_service.h"
#include "boot/http_routes.h"
#include "boot/machine_templates.h"
#include "boot/tftp_files.h"
#include "common/clock.h"
#include "common/confined_path.h"
#include "common/event_loop.h"
#include "common/http_server.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/sqlite.h"
#include "common/tls_identity.h"
#include "common/url.h"
#include "controlplane/agent_access.h"
#include "controlplane/api_access_control.h"
#include "controlplane/api_routes.h"
#include "controlplane/dhcp_service.h"
#include "controlplane/image_routes.h"
#include "controlplane/image_service.h"
#include "controlplane/install_routes.h"
#include "controlplane/open_files.h"
#include "controlplane/power_routes.h"
#include "controlplane/power_service.h"
#include "controlplane/route_access.h"
#include "controlplane/snapshot_routes.h"
#include "controlplane/snapshot_service.h"
#include "controlplane/token_routes.h"
#include "dhcp/sqlite_lease_store.h"
#include "imaging/image_library.h"
#include "imaging/snapshot_library.h"
#include "inventory/sqlite_machine_store.h"
#include "tftp/file_source.h"
#include "tftp/server.h"

namespace slipway::controlplane {

namespace asio = boost::asio;

namespace {

// The certificate names every client may use: the server address, loopback, the host name,
// the public URL's host and what the configuration adds.
tls::IdentityConfig https_identity_config(const AppConfig& c) {
  tls::IdentityConfig config;
  config.dir = c.data_dir / "tls";
  config.cert = c.https.cert;
  config.key = c.https.key;
  config.ca_cert = c.https.ca_cert;
  config.ip_addresses = {c.server_address.to_string(), "127.0.0.1"};
  config.dns_names = {"localhost"};
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0 && host[0]) config.dns_names.push_back(host);
  auto url_host = url::host_of(c.boot.public_url);
  if (!url_host.empty()) {
    boost::system::error_code ec;
    asio::ip::make_address_v4(url_host, ec);
    (ec ? config.dns_names : config.ip_addresses).push_back(url_host);
  }
  for (const auto& n : c.https.names) config.dns_names.push_back(n);
  for (auto* list : {&config.dns_names, &config.ip_addresses}) {
    std::sort(list->begin(), list->end());
    list->erase(std::unique(list->begin(), list->end()), list->end());
  }
  return config;
}

}  // namespace

namespace {

void warn_missing_assets(const AppConfig& c, const ConfinedRoot& assets) {
  for (const auto& name : {c.boot.bios_loader, c.boot.uefi_loader, c.boot.uefi_local_loader,
                           c.boot.runtime_kernel, c.boot.runtime_initrd}) {
    if (!assets.resolve(name)) {
      log::get("boot")->warn("boot asset missing file={} assets_dir={}", name,
                             assets.root().string());
    }
  }
}

}  // namespace

int serve(const AppConfig& c) {
  auto log = log::get("slipway");
  std::error_code ec;
  std::filesystem::create_directories(c.data_dir, ec);
  if (ec) {
    log->error("cannot create data_dir path={} error=\"{}\"", c.data_dir.string(), ec.message());
    return 1;
  }
  if (!std::filesystem::is_directory(c.assets_dir)) {
    log->error("assets_dir does not exist path={} (it holds the boot loaders and the runtime)",
               c.assets_dir.string());
    return 1;
  }

  ensure_open_file_limit(c.tftp.enabled ? c.tftp.max_transfers : 0);

  // Declared before the io_context so that they outlive every handler it destroys.
  Metrics metrics;
  SystemClock clock;
  ConfinedRoot assets(c.assets_dir);
  warn_missing_assets(c, assets);
  std::unique_ptr<sqlite::Database> db;
  try {
    db = std::make_unique<sqlite::Database>(c.database());
  } catch (const sqlite::Error& e) {
    log->error("cannot open the database: {}", e.what());
    return 1;
  }
  dhcp::SqliteLeaseStore leases(*db);
  inventory::SqliteMachineStore machines(*db, clock);
  std::unique_ptr<imaging::ImageLibrary> images;
  try {
    images = std::make_unique<imaging::ImageLibrary>(*db, c.data_dir, clock);
  } catch (const std::exception& e) {
    log->error("cannot open the image library under {}: {}", c.data_dir.string(), e.what());
    return 1;
  }
  std::unique_ptr<imaging::SnapshotLibrary> snapshot_library;
  try {
    snapshot_library = std::make_unique<imaging::SnapshotLibrary>(*db, c.data_dir, clock);
  } catch (const std::exception& e) {
    log->error("cannot open the snapshot library under {}: {}", c.data_dir.string(), e.what());
    return 1;
  }
  // Not an error: the image may be imported after the start. Machines of that profile cannot
  // install until it is.
  for (const auto& p : c.profiles) {
    if (p.image && !images->find(*p.image)) {
      log->warn("profile {} names image {}, which is not in the library (slipway images import)",
                p.name, *p.image);
    }
  }
  std::unique_ptr<boot::AgentSecrets> agent_secrets;
  try {
    agent_secrets = std::make_unique<boot::AgentSecrets>(*db, c.data_dir / "agent.key", clock,
                                                         c.boot.agent_secret_ttl);
  } catch (const std::exception& e) {
    log->error("cannot set up agent secrets: {}", e.what());
    return 1;
  }
  boot::BootService boot_service(c.boot, machines, clock, agent_secrets.get());
  boot::MachineTemplates templates(c.boot, c.profiles, c.install, machines, agent_secrets.get());
  boot_service.set_installer_lookup(
      [&templates](const boot::ScriptTarget& target) { return templates.installer_for(target); });
  if (templates.any_ipxe_template()) {
    boot_service.set_script_template(
        [&templates](const boot::ScriptTarget& target) { return templates.ipxe_script(target); });
  }
  // Per-machine boot files over TFTP: by the MAC in the name, or by the asking address's lease.
  boot::TftpFiles generated(boot_service, [&leases, &clock](Ipv4 address) {
    auto lease = dhcp::current_lease(leases, address, clock.now());
    return lease ? std::optional<MacAddress>(lease->mac) : std::nullopt;
  });
  tftp::FileSource tftp_files(c.assets_dir,
                              [&generated](std::string_view path, const tftp::ClientInfo& client) {
                                auto content = generated.content_for(path, client.address);
                                // The hook's way to fail one request (TFTP error 0) instead of
                                // falling through to disk.
                                if (!content) throw std::runtime_error(content.error().message);
                                return std::move(*content);
                              });

  std::vector<dhcp::ServedInterface> served;
  for (const auto& name : c.interfaces) {
    auto address = served.empty() ? std::optional<Ipv4>(c.server_address) : interface_address(name);
    if (!address) {
      log->error("interface {} has no IPv4 address: DHCP needs one to answer from", name);
      return 1;
    }
    served.push_back({name, *address});
  }

  auto wol_driver = wol::WolPowerDriver::create(c.power.wol);
  if (!wol_driver) {
    log->error("power: {}", wol_driver.error().message);
    return 1;
  }

  asio::io_context io(1);
  PowerService power(io, std::move(*wol_driver), c.power, machines);
  ImageService image_service(io, *images);
  std::unique_ptr<DhcpService> dhcp;
  if (c.dhcp.enabled) {
    dhcp = std::make_unique<DhcpService>(io, c.dhcp, served, leases, machines, boot_service, clock,
                                         metrics,
                                         [&power](const MacAddress& mac) { power.heard(mac); });
  }
  ImageLookup find_image = [&images](const std::string& name) -> std::optional<InstallImage> {
    auto record = images->find(name);
    if (!record) return std::nullopt;
    return InstallImage{record->name, record->sha256,
                        std::string(imaging::to_string(record->format)), record->size,
                        imaging::image_url_path(*record)};
  };
  InstallService install(machines, c.profiles, find_image, install_seed_files(templates, c.install),
                         c.boot.public_url, clock, agent_secrets.get());
  http::Router router;
  TokenStore tokens(*db, clock);
  AuditLog audit(*db, clock, c.auth.audit_keep);
  if (auto made = ensure_admin_token(tokens, c.admin_token_file()); !made) {
    log->error("{}", made.error().message);
    return 1;
  }
  ApiAccessControl access(
      tokens, audit, agent_verifier(*agent_secrets), clock, metrics,
      AuthLimits{.failures_per_minute = static_cast<size_t>(c.auth.failed_per_minute),
                 .max_sources = 10000});
  router.set_access(route_access_table(), access);
  add_token_routes(router, tokens, audit);
  boot::add_boot_routes(router, boot_service, assets, metrics);
  boot::add_template_routes(router, templates, metrics);
  add_api_routes(router, ApiServices{machines, leases, metrics, c.enrollment, c.profiles,
                                     dhcp.get(), &install});
  add_install_routes(router, install);
  add_power_routes(router, power);
  add_image_routes(router, image_service, *images);
  SnapshotService snapshots(machines, *snapshot_library, clock);
  add_snapshot_routes(router, snapshots, *snapshot_library);
  tftp::ServerLimits tftp_limits;
  tftp_limits.negotiation = c.tftp.negotiation;
  tftp_limits.retry = c.tftp.retry;
  tftp_limits.max_transfers = c.tftp.max_transfers;
  tftp::Server tftp_server(io, tftp_files, metrics, tftp_limits);
  std::optional<http::AccessLog> access_log;
  if (c.http.access_log_enabled) {
    auto path = c.http.access_log.empty() ? c.data_dir / "access.log" : c.http.access_log;
    auto opened = http::AccessLog::open(path);
    if (!opened) {
      log->error("{}", opened.error().message);
      return 1;
    }
    access_log.emplace(std::move(*opened));
  }
  http::Limits http_limits;
  http_limits.header_timeout = c.http.header_timeout;
  http_limits.idle_timeout = c.http.idle_timeout;
  http_limits.max_requests_per_connection = c.http.max_requests_per_connection;
  http_limits.max_connections = c.http.max_connections;
  http::Server http_server(io, router, http_limits, metrics, access_log ? &*access_log : nullptr);
  if (!c.http.api) {
    // Firmware and the runtime cannot carry the appliance's CA everywhere: they keep plain HTTP.
    http_server.restrict_plain(
        {"/boot/", "/assets/", "/images/", "/tls/", "/api/v1/agent/", "/favicon.ico"});
  }
  std::shared_ptr<asio::ssl::context> tls_context;
  std::string ca_pem;
  if (c.https.enabled) {
    auto identity = tls::ensure_identity(https_identity_config(c));
    if (!identity) {
      log->error("https: {}", identity.error().message);
      return 1;
    }
    if (identity->generated) {
      log->info("https: created the appliance's CA ca={} (clients trust it from /tls/ca.crt)",
                identity->ca_cert.string());
    }
    if (identity->issued) {
      log->info("https: issued the server certificate cert={} reason=\"{}\"",
                identity->cert.string(), identity->issue_reason);
    }
    auto context = tls::make_server_context(*identity);
    if (!context) {
      log->error("https: {}", context.error().message);
      return 1;
    }
    tls_context = std::move(*context);
    ca_pem = identity->ca_pem;
  }
  boot::add_ca_route(router, ca_pem);
  // Every route is in; the table must not name one that is not (controlplane/route_access.cpp).
  if (auto missing = router.unregistered_access_entries(); !missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    log->error("the route access table has entries without a route: {}", list);
    return 1;
  }

  if (dhcp) {
    if (auto s = dhcp->start(); !s) {
      log->error("{}", s.error().message);
      return 1;
    }
  }
  if (c.tftp.enabled) {
    if (auto s = tftp_server.start(c.tftp.listen, c.tftp.port); !s) {
      log->error("{}", s.error().message);
      return 1;
    }
  }
  auto http_endpoint =
      asio::ip::tcp::endpoint(asio::ip::make_address_v4(c.http.listen), c.http.port);
  if (auto s = http_server.listen(http_endpoint); !s) {
    log->error("{}", s.error().message);
    return 1;
  }
  if (tls_context) {
    auto endpoint =
        asio::ip::tcp::endpoint(asio::ip::make_address_v4(c.https.listen), c.https.port);
    if (auto s = http_server.listen_tls(endpoint, tls_context); !s) {
      log->error("https: {}", s.error().message);
      return 1;
    }
  }

  std::string interfaces;
  for (const auto& i : served) interfaces += (interfaces.empty() ? "" : ",") + i.name;
  std::string dhcp_mode = !c.dhcp.enabled ? "off"
                          : c.dhcp.responder.mode == dhcp::Mode::kProxy
                              ? "proxy"
                              : std::to_string(c.dhcp.responder.subnets.size()) + " subnet(s)";
  log->info(
      "serving interfaces={} server_address={} dhcp={} tftp={} http={}:{} https={} public_url={} "
      "database={} assets={} enrollment={} power=wol/{}",
      interfaces.empty() ? "-" : interfaces, c.server_address.to_string(), dhcp_mode,
      c.tftp.enabled ? c.tftp.listen + ":" + std::to_string(c.tftp.port) : "off", c.http.listen,
      c.http.port,
      tls_context ? c.https.listen + ":" + std::to_string(c.https.port) : std::string("off"),
      c.boot.public_url, c.database().string(), c.assets_dir.string(),
      inventory::to_string(c.enrollment.policy), wol::to_string(c.power.wol.mode));

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (error) return;
    log->info("stopping signal={}", signal);
    if (dhcp) dhcp->stop();
    power.stop();
    image_service.stop();
    tftp_server.stop();
    http_server.stop();
    io.stop();
  });
  run_event_loop(io, c.busy_poll);
  log->info("stopped");
  return 0;
}

}  // namespace slipway::controlplane
