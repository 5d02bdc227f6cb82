#pragma once
// The appliance's configuration (slipway.yaml), parsed and validated at start. Every error names
// the file, line, key and the reason (config::ConfigError).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "boot/boot_config.h"
#include "boot/machine_templates.h"
#include "boot/profile.h"
#include "common/config_node.h"
#include "common/ipv4.h"
#include "controlplane/dhcp_config.h"
#include "controlplane/enrollment_config.h"
#include "tftp/negotiation.h"
#include "tftp/transfer.h"

namespace slipway::controlplane {

struct AppConfig {
  std::filesystem::path source;
  std::filesystem::path data_dir = "/var/lib/slipway";
  std::filesystem::path assets_dir;  // default: <data_dir>/assets
  std::string log_level = "info";
  // How long the event loop polls for more work before it sleeps (common/event_loop.h).
  std::chrono::microseconds busy_poll{50};
  // The provisioning networks; DHCP serves each. The first is where server_address lives.
  std::vector<std::string> interfaces;
  Ipv4 server_address;  // this appliance on the first interface (next-server, boot URLs)
  DhcpConfig dhcp;
  struct Tftp {
    bool enabled = true;
    std::string listen = "0.0.0.0";
    uint16_t port = 69;
    tftp::NegotiationLimits negotiation;  // max_blksize, max_windowsize
    tftp::RetryPolicy retry;              // retries, timeout_ms, max_timeout_ms
    size_t max_transfers = 4096;
  } tftp;
  struct Http {
    std::string listen = "0.0.0.0";
    uint16_t port = 8080;
    std::chrono::milliseconds header_timeout{10'000};  // TLS handshake + one request header
    std::chrono::milliseconds idle_timeout{30'000};    // between requests, stalled responses
    size_t max_requests_per_connection = 1000;
    size_t max_connections = 1024;
    // false: plain HTTP serves only what machines boot and report with (boot files, assets,
    // images, the CA certificate, the agent's routes); the API, /metrics and the rest are
    // HTTPS only.
    bool api = true;
    bool access_log_enabled = true;
    std::filesystem::path access_log;  // empty: <data_dir>/access.log
  } http;
  // The same routes over TLS. Without cert and key, the appliance's own CA and server
  // certificate in <data_dir>/tls, created at first start.
  struct Https {
    bool enabled = true;
    std::string listen;  // empty: http.listen
    uint16_t port = 8443;
    std::optional<std::filesystem::path> cert, key, ca_cert;
    std::vector<std::string> names;  // extra DNS names for the generated certificate
    // UEFI HTTP Boot clients get the loader over HTTPS (boot.https_loader_base).
    bool boot = false;
  } https;
  // API tokens, the audit trail and refusing guessers.
  struct Auth {
    // Where the first start writes its admin token (root only); empty: <data_dir>/admin.token.
    std::filesystem::path admin_token_file;
    // Failed authentications one source address may make per minute; then 429 until it passes.
    int failed_per_minute = 20;
    size_t audit_keep = 100'000;  // the newest audit events kept
  } auth;
  boot::BootConfig boot;
  inventory::EnrollmentConfig enrollment;
  PowerConfig power;
  std::vector<boot::Profile> profiles;
  boot::InstallConfig install;

  std::filesystem::path database() const { return data_dir / "slipway.db"; }
  std::filesystem::path admin_token_file() const {
    return auth.admin_token_file.empty() ? data_dir / "admin.token" : auth.admin_token_file;
  }
};

// Looks up an interface's first IPv4 address; nullopt when the interface does not exist or has
// none. Injected so that parsing is testable without real interfaces.
using InterfaceAddressLookup = std::function<std::optional<Ipv4>(const std::string& name)>;
// The default lookup: getifaddrs().
std::optional<Ipv4> interface_address(const std::string& name);
bool interface_exists(const std::string& name);

// Throws config::ConfigError. Relative template paths are relative to `config_dir` (load_config
// passes the configuration file's folder; empty: the working directory).
AppConfig parse_config(const config::ConfigNode& root, const InterfaceAddressLookup& lookup,
                       const std::filesystem::path& config_dir = {});
AppConfig load_config(const std::filesystem::path& path);

}  // namespace slipway::controlplane
