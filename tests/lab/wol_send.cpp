// wol_send: power machines on by Wake-on-LAN from the command line, independent of `slipway`
// (for tests and the lab). Goes through WolPowerDriver and wake_batch, as the appliance does.
//
//   wol_send --mode udp --broadcast 198.18.60.255 52:54:00:00:00:01
//   wol_send --mode raw --interface eth0 --password 01:02:03:04 --rate 2 MAC MAC...

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "wol/batch_waker.h"
#include "wol/wol_driver.h"

int main(int argc, char** argv) {
  using namespace slipway;
  CLI::App app{"Send Wake-on-LAN magic packets"};
  std::string mode_text = "udp", interface, broadcast = "255.255.255.255", password_text;
  uint16_t port = wol::kDiscardPort;
  uint32_t rate = 0;
  std::vector<std::string> macs;
  app.add_option("--mode", mode_text, "udp, raw or both")->capture_default_str();
  app.add_option("--interface,-i", interface, "interface (required for raw; pins udp to it)");
  app.add_option("--broadcast,-b", broadcast, "UDP destination")->capture_default_str();
  app.add_option("--port,-p", port, "UDP port")->capture_default_str();
  app.add_option("--password", password_text, "SecureOn password, 4 or 6 hex bytes");
  app.add_option("--rate", rate, "wakes per second at most (0: no limit)")->capture_default_str();
  app.add_option("mac", macs, "MAC addresses to wake")->required();
  CLI11_PARSE(app, argc, argv);

  auto mode = wol::parse_wol_mode(mode_text);
  auto destination = Ipv4::parse(broadcast);
  std::vector<uint8_t> password;
  if (!password_text.empty()) {
    auto parsed = wol::parse_password(password_text);
    if (!parsed) return std::fprintf(stderr, "wol_send: bad password\n"), 2;
    password = *parsed;
  }
  if (!mode || !destination) return std::fprintf(stderr, "wol_send: bad mode or address\n"), 2;
  std::vector<wol::PowerTarget> targets;
  for (const auto& text : macs) {
    auto mac = MacAddress::parse(text);
    if (!mac) return std::fprintf(stderr, "wol_send: bad MAC %s\n", text.c_str()), 2;
    targets.push_back({text, *mac, password});
  }

  wol::WolDriverOptions options;
  options.mode = *mode;
  options.udp = {*destination, port, interface};
  options.raw_interface = interface;
  auto driver = wol::WolPowerDriver::create(options);
  if (!driver) return std::fprintf(stderr, "%s\n", driver.error().message.c_str()), 1;
  wol::SteadyPacer pacer;
  int failed = 0;
  wake_batch(**driver, targets, rate, pacer, [&](const wol::WakeOutcome& outcome) {
    if (outcome.status) {
      std::printf("sent %s\n", outcome.target.mac.to_string().c_str());
    } else {
      ++failed;
      std::fprintf(stderr, "%s\n", outcome.status.error().message.c_str());
    }
  });
  return failed == 0 ? 0 : 1;
}
