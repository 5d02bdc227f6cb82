// slipway: the appliance daemon (`serve`) and its command-line client. Wiring only.

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "common/config_node.h"
#include "common/log.h"
#include "controlplane/app.h"
#include "controlplane/app_config.h"
#include "controlplane/cli_machines.h"

namespace {

std::string default_server_url() {
  const char* env = std::getenv("SLIPWAY_URL");
  return env && *env ? env : "http://127.0.0.1:8080";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace slipway;
  CLI::App app{
      "Slipway: a bare-metal bootstrap appliance. Machines that power on here network-boot, "
      "appear in the inventory and are enrolled.\n"};
  app.set_version_flag("--version", "slipway 0.1.0");
  app.require_subcommand(1);
  // Options of a command are accepted after its subcommands too: `slipway machines list -s URL`.
  app.fallthrough();
  std::string server_url = default_server_url();
  app.add_option("-s,--server", server_url,
                 "The appliance's URL for client commands (default: $SLIPWAY_URL or "
                 "http://127.0.0.1:8080)");

  std::string config_path = "/etc/slipway/slipway.yaml";
  auto* serve = app.add_subcommand(
      "serve", "Run the appliance: DHCP, TFTP, HTTP boot and the REST API, until Ctrl-C");
  serve->add_option("-c,--config", config_path, "The YAML configuration file")
      ->capture_default_str();
  bool check_only = false;
  serve->add_flag("--check", check_only, "Validate the configuration and exit");

  auto* machines = app.add_subcommand("machines", "Inventory of machines");
  machines->require_subcommand(1);
  auto* list = machines->add_subcommand("list", "List machines (a table, or JSON with --json)");
  bool as_json = false;
  list->add_flag("--json", as_json, "Print the API's JSON instead of a table");

  CLI11_PARSE(app, argc, argv);

  if (serve->parsed()) {
    controlplane::AppConfig config;
    try {
      config = controlplane::load_config(config_path);
    } catch (const config::ConfigError& e) {
      std::cerr << "slipway: bad configuration: " << e.what() << "\n";
      return 2;
    }
    if (!log::init(config.log_level)) {
      std::cerr << "slipway: unknown log level " << config.log_level << "\n";
      return 2;
    }
    if (check_only) {
      std::cout << "configuration " << config_path << " is valid\n";
      return 0;
    }
    return controlplane::serve(config);
  }
  if (list->parsed()) return controlplane::machines_list(server_url, as_json);
  return 0;
}
