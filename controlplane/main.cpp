// slipway: the appliance daemon (`serve`) and its command-line client. Wiring only.

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <stdexcept>

#include "common/config_node.h"
#include "common/log.h"
#include "controlplane/api_client.h"
#include "controlplane/app.h"
#include "controlplane/app_config.h"
#include "controlplane/cli_images.h"
#include "controlplane/cli_install.h"
#include "controlplane/cli_machines.h"
#include "controlplane/cli_power.h"
#include "controlplane/cli_profiles.h"
#include "controlplane/cli_snapshots.h"
#include "controlplane/cli_tokens.h"

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
  std::string ca_cert;
  app.add_option("--cacert", ca_cert,
                 "The CA certificate to trust for an https:// server (default: "
                 "$SLIPWAY_CA_CERT; the appliance serves its own at /tls/ca.crt)")
      ->check(CLI::ExistingFile);
  std::string token;
  auto* token_option = app.add_option(
      "--token", token,
      "The API token for client commands (default: $SLIPWAY_TOKEN, the file $SLIPWAY_TOKEN_FILE, "
      "`token:` or `token_file:` in ~/.config/slipway/client.yaml, then "
      "/var/lib/slipway/admin.token)");

  std::string config_path = "/etc/slipway/slipway.yaml";
  auto* serve = app.add_subcommand(
      "serve", "Run the appliance: DHCP, TFTP, HTTP boot and the REST API, until Ctrl-C");
  serve->add_option("-c,--config", config_path, "The YAML configuration file")
      ->capture_default_str();
  bool check_only = false;
  serve->add_flag("--check", check_only, "Validate the configuration and exit");

  auto* machines = app.add_subcommand("machines", "Inventory of machines");
  machines->require_subcommand(1);
  // Every machines subcommand prints the API's JSON with --json.
  bool as_json = false;
  machines->add_flag("--json", as_json, "Print the API's JSON instead of a table or a line");
  auto* list = machines->add_subcommand("list", "List machines, filtered by state and labels");
  std::string state_filter;
  std::vector<std::string> label_filter;
  list->add_option("--state", state_filter, "Only machines in this state (e.g. ready)");
  list->add_option("-l,--label", label_filter,
                   "Only machines with this label: key=value, or key for any value (repeatable)");
  std::string key;
  auto* show = machines->add_subcommand("show", "One machine: its record, interfaces and events");
  show->add_option("machine", key, "Name, MAC or UUID")->required();
  auto* events = machines->add_subcommand("events", "The event log, newest first");
  events->add_option("machine", key, "Only this machine's events (name, MAC or UUID)");
  size_t limit = 50;
  events->add_option("-n,--limit", limit, "How many events")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  auto* approve =
      machines->add_subcommand("approve", "Enroll an inspected machine (`approve` policy)");
  approve->add_option("machine", key, "Name, MAC or UUID")->required();
  auto* install = machines->add_subcommand(
      "install", "Install a machine from an image profile at its next network boot");
  std::string install_profile;
  int install_wait = 0;
  install->add_option("machine", key, "Name, MAC or UUID")->required();
  install->add_option("-p,--profile", install_profile,
                      "Profile to install (default: the one its selectors choose)");
  install
      ->add_option("--wait", install_wait,
                   "Follow the install for up to this many seconds (0: do not wait)")
      ->check(CLI::Range(0, 86400));
  auto* rename = machines->add_subcommand("rename", "Give a machine a new, unique name");
  std::string new_name;
  rename->add_option("machine", key, "Name, MAC or UUID")->required();
  rename->add_option("new-name", new_name, "a-z, 0-9 and '-', at most 63")->required();
  auto* label = machines->add_subcommand("label", "Set (key=value) or remove (key-) labels");
  std::vector<std::string> label_terms;
  label->add_option("machine", key, "Name, MAC or UUID")->required();
  label->add_option("labels", label_terms, "key=value to set, key- to remove")->required();
  auto* state = machines->add_subcommand(
      "state", "Move a machine along its lifecycle (e.g. retired); illegal moves are refused");
  std::string new_state;
  std::string reason;
  state->add_option("machine", key, "Name, MAC or UUID")->required();
  state->add_option("state", new_state, "discovered, inspecting, installing, deployed, retired")
      ->required();
  state->add_option("--reason", reason, "Why, for the event log");
  auto* forget = machines->add_subcommand(
      "forget", "Delete a machine from the inventory (refused while it is installing)");
  forget->add_option("machine", key, "Name, MAC or UUID")->required();
  auto* merge = machines->add_subcommand(
      "merge", "After a motherboard swap: fold the new record FROM into the old one INTO");
  std::string merge_from;
  merge->add_option("from", merge_from, "The new record (name, MAC or UUID); it disappears")
      ->required();
  merge->add_option("into", key, "The old record; it keeps its name, state and labels")->required();

  auto* power = app.add_subcommand("power", "Power machines on (Wake-on-LAN)");
  power->require_subcommand(1);
  auto* power_on = power->add_subcommand(
      "on",
      "Wake machines and wait until each asks DHCP for an address (booted) or the timeout ends. "
      "Wakes are paced by power.rate_per_second. Exit 0 when all booted.");
  controlplane::PowerOnOptions power_options;
  power_on
      ->add_option("machines", power_options.keys,
                   "Names, MACs or UUIDs (a MAC the "
                   "inventory does not know is woken too)")
      ->required();
  int64_t power_timeout = 0;
  power_on
      ->add_option("--timeout", power_timeout,
                   "Seconds to wait for each machine (default: power.confirm_timeout_s)")
      ->check(CLI::Range(1, 3600));
  bool no_wait = false;
  power_on->add_flag("--no-wait", no_wait, "Queue the wakes and return");
  power_on->add_flag("--json", power_options.json, "Print the job's JSON");

  auto* profiles = app.add_subcommand("profiles", "What machines install, and which gets what");
  profiles->require_subcommand(1);
  bool profiles_json = false;
  profiles->add_flag("--json", profiles_json, "Print the API's JSON");
  auto* profiles_list = profiles->add_subcommand("list", "The profiles and their selectors");
  auto* profiles_explain = profiles->add_subcommand(
      "explain", "Which profile a machine gets and why: every selector, condition by condition");
  std::string explain_key;
  profiles_explain->add_option("machine", explain_key, "Name, MAC or UUID")->required();
  auto* profiles_render = profiles->add_subcommand(
      "render",
      "Print one of a machine's templates as the machine gets it (kickstart, preseed, "
      "user-data, meta-data, ipxe, ...)");
  std::string render_key, render_template, render_mac;
  profiles_render->add_option("machine", render_key, "Name, MAC or UUID")->required();
  profiles_render->add_option("template", render_template, "Template name")->required();
  profiles_render->add_option("--mac", render_mac,
                              "Render as booted from this MAC (default: the interface seen last)");

  auto* images = app.add_subcommand("images", "The image library: what machines install");
  images->require_subcommand(1);
  bool images_json = false;
  images->add_flag("--json", images_json, "Print the API's JSON");
  auto* images_import = images->add_subcommand(
      "import",
      "Fetch (resumable) or copy an image into the library, verify its SHA-256 and detect its "
      "format (raw, raw.zst, tar, tar.gz, tar.zst, ISO); follows the import until it ends");
  controlplane::ImportOptions import_options;
  images_import
      ->add_option("source", import_options.source,
                   "An http(s) URL, or a file on the appliance (this machine)")
      ->required();
  images_import->add_option("--name", import_options.name,
                            "The image's name (default: from the file name)");
  auto* sha256_option = images_import->add_option("--sha256", import_options.sha256,
                                                  "The expected SHA-256 (64 hex digits)");
  images_import
      ->add_option("--sha256sums", import_options.sha256sums,
                   "A SHA256SUMS file (URL or path) listing the source's file name")
      ->excludes(sha256_option);
  auto* images_list = images->add_subcommand("list", "The images in the library");
  std::string image_key;
  auto* images_show = images->add_subcommand("show", "One image: digest, format, size, source");
  images_show->add_option("image", image_key, "Name or sha256 digest")->required();
  auto* images_rm = images->add_subcommand(
      "rm", "Forget an image; its file goes when no other name has the same content");
  images_rm->add_option("image", image_key, "Name")->required();

  controlplane::SnapshotCommands snapshots(app);
  controlplane::TokenCommands tokens(app);

  CLI11_PARSE(app, argc, argv);
  // The API client (libcurl) reads it from the environment, as a script's `export` would set it.
  if (!ca_cert.empty()) ::setenv("SLIPWAY_CA_CERT", ca_cert.c_str(), 1);

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
    try {
      return controlplane::serve(config);
    } catch (const std::logic_error& e) {
      // A route registered without an entry in the route access table (a programming error).
      std::cerr << "slipway: " << e.what() << "\n";
      return 1;
    }
  }
  controlplane::TokenSources token_sources;
  if (token_option->count() > 0) token_sources.flag = token;
  auto client_token = controlplane::find_client_token(token_sources);
  if (!client_token) {
    std::cerr << "slipway: " << client_token.error().message << "\n";
    return 2;
  }
  controlplane::set_client_token(std::move(*client_token));
  if (auto code = tokens.run(server_url)) return *code;
  if (list->parsed()) {
    return controlplane::machines_list(server_url, as_json, state_filter, label_filter);
  }
  if (show->parsed()) return controlplane::machines_show(server_url, key, as_json);
  if (events->parsed()) return controlplane::machines_events(server_url, key, limit, as_json);
  if (approve->parsed()) return controlplane::machines_approve(server_url, key, as_json);
  if (install->parsed()) {
    return controlplane::machines_install(server_url, key, install_profile, install_wait, as_json);
  }
  if (rename->parsed()) return controlplane::machines_rename(server_url, key, new_name, as_json);
  if (label->parsed()) return controlplane::machines_label(server_url, key, label_terms, as_json);
  if (state->parsed()) {
    return controlplane::machines_set_state(server_url, key, new_state, reason, as_json);
  }
  if (forget->parsed()) return controlplane::machines_forget(server_url, key, as_json);
  if (merge->parsed()) return controlplane::machines_merge(server_url, merge_from, key, as_json);
  if (profiles_list->parsed()) return controlplane::profiles_list(server_url, profiles_json);
  if (profiles_explain->parsed()) {
    return controlplane::profiles_explain(server_url, explain_key, profiles_json);
  }
  if (profiles_render->parsed()) {
    return controlplane::profiles_render(server_url, render_key, render_template, render_mac);
  }
  if (images_import->parsed()) {
    import_options.json = images_json;
    return controlplane::images_import(server_url, import_options);
  }
  if (images_list->parsed()) return controlplane::images_list(server_url, images_json);
  if (images_show->parsed()) return controlplane::images_show(server_url, image_key, images_json);
  if (images_rm->parsed()) return controlplane::images_rm(server_url, image_key, images_json);
  if (auto code = snapshots.run(server_url)) return *code;
  if (power_on->parsed()) {
    if (power_timeout > 0) power_options.timeout = std::chrono::seconds(power_timeout);
    power_options.wait = !no_wait;
    return controlplane::power_on(server_url, power_options);
  }
  return 0;
}
