// slipway-agent: runs inside the network-boot runtime: reports to the appliance, installs,
// captures and restores snapshots.
// Wiring only: options -> settings -> facts -> report -> delivery.

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include "imaging/agent/capture.h"
#include "imaging/agent/cmdline.h"
#include "imaging/agent/delivery.h"
#include "imaging/agent/http_post.h"
#include "imaging/agent/install.h"
#include "imaging/agent/restore.h"
#include "imaging/agent/system_facts.h"
#include "imaging/agent_report.h"

namespace {

using namespace slipway;
using namespace slipway::imaging;
using namespace slipway::imaging::agent;
namespace http = boost::beast::http;

constexpr std::string_view kReportPath = "/api/v1/agent/report";
constexpr int kExitDeliveryFailed = 1;
constexpr int kExitBadSetup = 2;

void say(std::string_view line) { std::cerr << "slipway-agent: " << line << std::endl; }

struct ReportOptions {
  std::string event = "booted";
  std::string url;
  std::string mac;
  std::string cmdline_file;
  std::string root = "/";
  bool dry_run = false;
};

int run_report(const ReportOptions& opt) {
  auto event = parse_agent_event(opt.event);
  if (!event) {
    say("unknown event '" + opt.event + "'");
    return kExitBadSetup;
  }

  // The kernel command line is where the iPXE script passes the settings; flags override it.
  const std::filesystem::path root(opt.root);
  const std::string cmdline_path =
      opt.cmdline_file.empty() ? (root / "proc/cmdline").string() : opt.cmdline_file;
  KernelCmdline cmdline;
  if (std::ifstream in(cmdline_path); in) {
    std::string text(kMaxCmdlineBytes, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
    cmdline = KernelCmdline::parse(text);
  } else if (opt.url.empty()) {
    say("cannot read " + cmdline_path + " and no --url given");
    return kExitBadSetup;
  }

  const std::string url_text = !opt.url.empty() ? opt.url : cmdline.get("slipway.url").value_or("");
  if (url_text.empty()) {
    say("no appliance URL: slipway.url= is not on the kernel command line and no --url given");
    return kExitBadSetup;
  }
  auto url = parse_appliance_url(url_text);
  if (!url) {
    say(url.error().message);
    return kExitBadSetup;
  }

  std::optional<MacAddress> boot_mac;
  const std::string mac_text = !opt.mac.empty() ? opt.mac : cmdline.get("slipway.mac").value_or("");
  if (!mac_text.empty()) {
    boot_mac = MacAddress::parse(mac_text);
    if (!boot_mac) {
      say("'" + mac_text + "' is not a MAC address");
      return kExitBadSetup;
    }
  }

  auto facts = collect_system_facts(root, boot_mac, live_interface_ipv4);
  if (!facts) {
    say(facts.error().message);
    return kExitBadSetup;
  }
  for (const auto& w : facts->warnings) say("warning: " + w);
  const std::string body = to_json(make_report(*facts, *event));

  if (opt.dry_run) {
    std::cout << body << std::endl;
    return 0;
  }
  say("reporting event=" + opt.event + " mac=" + facts->mac.to_string() +
      " ip=" + (facts->ip ? facts->ip->to_string() : "none") + " to " + url->to_string() +
      std::string(kReportPath));

  const std::string secret = agent_secret(cmdline).value_or("");
  if (secret.empty()) say("warning: no agent secret (slipway.secret=): the report may be refused");
  HttpPost post{url->ip,          url->port, url->target(kReportPath), "application/json", body,
                http::verb::post, secret};
  PostAttempt attempt = [&](Millis timeout) -> Result<unsigned> {
    auto reply = http_post(post, timeout);
    if (!reply) return reply.error();
    return reply->status;
  };
  DeliveryEnv env{
      [] { return std::chrono::steady_clock::now(); },
      [](Millis d) { std::this_thread::sleep_for(d); },
      [](std::string_view line) { say(line); },
  };
  auto delivered = deliver(attempt, DeliveryPolicy{}, env);
  if (!delivered) {
    say("report not delivered: " + delivered.error().message);
    return kExitDeliveryFailed;
  }
  say("report delivered");
  return 0;
}

// Install, capture and restore take the same options.
struct MachineOptions {
  std::string url;
  std::string mac;
  std::string cmdline_file = "/proc/cmdline";
  std::string sys_root = "/sys";
  std::string dev_root = "/dev";
};

// Runs `mode` with the settings from the options and the kernel command line.
int run_machine_command(const MachineOptions& opt, const char* mode,
                        int (*run)(const AgentSettings&)) {
  KernelCmdline cmdline;
  if (std::ifstream in(opt.cmdline_file); in) {
    std::string text(kMaxCmdlineBytes, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
    cmdline = KernelCmdline::parse(text);
  }
  const std::string url_text = !opt.url.empty() ? opt.url : cmdline.get("slipway.url").value_or("");
  auto url = parse_appliance_url(url_text);
  if (!url) {
    say(url_text.empty() ? "no appliance URL (slipway.url= or --url)" : url.error().message);
    return kExitBadSetup;
  }
  const std::string mac_text = !opt.mac.empty() ? opt.mac : cmdline.get("slipway.mac").value_or("");
  auto mac = MacAddress::parse(mac_text);
  if (!mac) {
    say(std::string(mode) + " needs the boot MAC (slipway.mac= or --mac); got '" + mac_text + "'");
    return kExitBadSetup;
  }
  AgentSettings settings;
  settings.appliance = *url;
  settings.mac = *mac;
  settings.secret = agent_secret(cmdline).value_or("");
  if (settings.secret.empty()) {
    say(std::string("warning: no agent secret (slipway.secret=): ") + mode +
        " requests may be refused");
  }
  settings.sys_root = opt.sys_root;
  settings.dev_root = opt.dev_root;
  settings.say = [](const std::string& line) { say(line); };
  return run(settings);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"slipway-agent: reports from the network-boot runtime to the Slipway appliance"};
  app.require_subcommand(1);

  ReportOptions report;
  auto* cmd = app.add_subcommand("report", "send one event report to the appliance");
  cmd->add_option("--event", report.event, "event to report")
      ->check(CLI::IsMember({"booted"}))
      ->capture_default_str();
  cmd->add_option("--url", report.url, "appliance base URL (default: slipway.url= on the cmdline)");
  cmd->add_option("--mac", report.mac, "boot MAC (default: slipway.mac=, else the first NIC)");
  cmd->add_option("--cmdline", report.cmdline_file,
                  "kernel command line file (default: /proc/cmdline)");
  cmd->add_option("--sysfs", report.root, "root under which sys/ and proc/ are read (for tests)")
      ->capture_default_str();
  cmd->add_flag("--dry-run", report.dry_run, "print the report JSON instead of sending it");

  MachineOptions machine;
  auto add_machine_command = [&](const char* name, const char* what) {
    auto* c = app.add_subcommand(name, what);
    c->add_option("--url", machine.url, "appliance base URL (default: slipway.url=)");
    c->add_option("--mac", machine.mac, "boot MAC (default: slipway.mac=)");
    c->add_option("--cmdline", machine.cmdline_file, "kernel command line file")
        ->capture_default_str();
    c->add_option("--sys-root", machine.sys_root, "where sysfs is (tests)")->capture_default_str();
    c->add_option("--dev-root", machine.dev_root, "where the disks' nodes are (tests)")
        ->capture_default_str();
    return c;
  };
  auto* install_cmd = add_machine_command(
      "install", "write the install plan's image onto this machine's disk (slipway.mode=install)");
  auto* capture_cmd = add_machine_command(
      "capture", "send a snapshot of this machine's disks to the appliance (slipway.mode=capture)");
  auto* restore_cmd = add_machine_command(
      "restore", "write a snapshot onto this machine's disks (slipway.mode=restore)");

  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "slipway-agent: " + std::string(e.what()) + " (see --help)\n";
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help is a ParseError with exit code 0; every real error is a setup error.
    return app.exit(e) == 0 ? 0 : kExitBadSetup;
  }
  if (cmd->parsed()) return run_report(report);
  if (install_cmd->parsed()) return run_machine_command(machine, "install", run_install);
  if (capture_cmd->parsed()) return run_machine_command(machine, "capture", run_capture);
  if (restore_cmd->parsed()) return run_machine_command(machine, "restore", run_restore);
  return kExitBadSetup;
}
