// dhcp_link_probe: drives LinkSender and RogueDetector from tests/integration/link_layer_test.sh.
//
//   dhcp_link_probe send IFACE DST_MAC SRC_IP DST_IP PORT TEXT
//       sends TEXT from SRC_IP:PORT to DST_IP:PORT in a frame to DST_MAC, without ARP.
//   dhcp_link_probe watch IFACE SECONDS [OWN_IP,...] [KNOWN_IP,...]
//       captures for SECONDS, then prints each foreign server as one JSON object per line.
//       Prints "watching IFACE" on stderr once the capture is running.
//
// Exit status: 0 on success, 1 on a failure (reason on stderr), 2 on bad usage.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/ipv4.h"
#include "common/log.h"
#include "common/mac_address.h"
#include "common/metrics.h"
#include "dhcp/link_sender.h"
#include "dhcp/rogue_detector.h"

namespace {

using namespace slipway;

int usage() {
  std::cerr << "usage: dhcp_link_probe send IFACE DST_MAC SRC_IP DST_IP PORT TEXT\n"
               "       dhcp_link_probe watch IFACE SECONDS [OWN_IP,...] [KNOWN_IP,...]\n";
  return 2;
}

template <typename T>
std::optional<T> number(std::string_view text) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// "a,b,c" -> addresses; nullopt if any is not one.
std::optional<std::vector<Ipv4>> address_list(std::string_view text) {
  std::vector<Ipv4> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto ip = Ipv4::parse(text.substr(0, comma));
    if (!ip) return std::nullopt;
    out.push_back(*ip);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return out;
}

int send(const std::vector<std::string>& args) {
  if (args.size() != 6) return usage();
  auto mac = MacAddress::parse(args[1]);
  auto src = Ipv4::parse(args[2]);
  auto dst = Ipv4::parse(args[3]);
  auto port = number<uint16_t>(args[4]);
  if (!mac || !src || !dst || !port) return usage();
  dhcp::LinkSender sender;
  auto opened = sender.open(args[0]);
  if (!opened.ok()) {
    std::cerr << opened.error().message << "\n";
    return 1;
  }
  const std::string& text = args[5];
  auto sent = sender.send(
      *mac, *src, *port, *dst, *port,
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  if (!sent.ok()) {
    std::cerr << sent.error().message << "\n";
    return 1;
  }
  return 0;
}

int watch(const std::vector<std::string>& args) {
  if (args.size() < 2 || args.size() > 4) return usage();
  auto seconds = number<int>(args[1]);
  auto own = address_list(args.size() > 2 ? args[2] : "");
  auto known = address_list(args.size() > 3 ? args[3] : "");
  if (!seconds || *seconds <= 0 || !own || !known) return usage();

  boost::asio::io_context io;
  Metrics metrics;
  SystemClock clock;
  dhcp::RogueDetector detector(io, metrics, clock, *own, *known);
  auto started = detector.start(args[0]);
  if (!started.ok()) {
    std::cerr << started.error().message << "\n";
    return 1;
  }
  std::cerr << "watching " << args[0] << std::endl;
  boost::asio::steady_timer deadline(io, std::chrono::seconds(*seconds));
  deadline.async_wait([&](boost::system::error_code) { detector.stop(); });
  io.run();

  for (const auto& s : detector.servers()) {
    nlohmann::json row = {{"server_id", s.server_id.to_string()},
                          {"mac", s.mac.to_string()},
                          {"source_ip", s.source_ip.to_string()},
                          {"first_seen", s.first_seen},
                          {"last_seen", s.last_seen},
                          {"replies", s.replies},
                          {"known", s.known}};
    std::cout << row.dump() << "\n";
  }
  std::cout.flush();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  slipway::log::init("info");
  if (argc < 2) return usage();
  std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "send") return send(args);
  if (command == "watch") return watch(args);
  return usage();
}
