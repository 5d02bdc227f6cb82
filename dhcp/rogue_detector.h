#pragma once
// Detection of other DHCP servers on the provisioning LAN. A second server answering the same
// clients makes network boot fail in ways that are hard to see from the machines (they boot
// whatever the faster server offers), so the appliance watches for replies it did not send and
// reports who sent them.
//
// RogueDetector is the Asio side (server_sighting.h holds the pure frame inspection): a libpcap
// capture on one interface in promiscuous mode, so it also sees replies sent by unicast to a
// client's MAC whenever they reach this port: on a bridge (the lab, a hypervisor) that is every
// reply; on a switched LAN it is the broadcast ones (clients that set the broadcast flag, servers
// like busybox udhcpd) and those a switch floods.

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/ipv4.h"
#include "common/mac_address.h"
#include "common/metrics.h"
#include "common/result.h"
#include "dhcp/packet.h"
#include "dhcp/server_sighting.h"

struct pcap;  // libpcap's handle (pcap_t); its header stays out of this one.

namespace slipway::dhcp {

struct ForeignServer {
  Ipv4 server_id;
  MacAddress mac;
  Ipv4 source_ip;          // as last seen
  int64_t first_seen = 0;  // Clock seconds
  int64_t last_seen = 0;
  uint64_t replies = 0;
  bool known = false;  // server_id is in the known_servers list
};

// Watches one interface for DHCP replies from servers other than this one.
//
// The table holds one row per (server id, source MAC): two home routers that both call themselves
// 192.168.0.1 are two rows. It is capped at kMaxServers rows (when full, new servers are counted
// in the reply counter but not listed; one warning is logged) and a row is dropped once it has
// not been seen for kForgetAfterSeconds. Pruning happens at every captured reply, this server's
// own included, so a busy LAN keeps the table and the gauge current.
//
// Metrics: slipway_dhcp_foreign_servers (gauge: rows whose server is not in known_servers) and
// slipway_dhcp_foreign_replies_total{known="true|false"}. A new row is logged once at warn.
//
// Thread-safety: every member, servers() included, must be called on the io_context's thread.
// Lifetime: stop() (or the destructor) before the io_context is destroyed.
class RogueDetector {
 public:
  static constexpr size_t kMaxServers = 256;
  static constexpr int64_t kForgetAfterSeconds = 3600;
  static constexpr int kSnapLength = 1600;
  // Frames handled per readiness wake-up before yielding to the rest of the io_context.
  static constexpr int kBatch = 256;

  // Replies whose server id is one of `own_addresses` are this server's and are ignored.
  RogueDetector(boost::asio::io_context& io, Metrics& metrics, const Clock& clock,
                std::vector<Ipv4> own_addresses, std::vector<Ipv4> known_servers);
  ~RogueDetector();
  RogueDetector(const RogueDetector&) = delete;
  RogueDetector& operator=(const RogueDetector&) = delete;

  // Starts capturing on `interface` (needs CAP_NET_RAW). Fails when the interface does not
  // exist, is not Ethernet, or the capture cannot be set up; nothing is left open then.
  // REQUIRES: not running.
  Status start(const std::string& interface);
  // Stops capturing; the table is kept. Safe to call when not running.
  void stop();
  bool running() const { return handle_ != nullptr; }

  // Rows seen within the last kForgetAfterSeconds, ordered by server id then MAC.
  std::vector<ForeignServer> servers() const;

  // Handles one captured frame: what the capture loop calls for each frame; public so that
  // tests can feed frames without a capture.
  void observe(std::span<const uint8_t> frame);

 private:
  using Key = std::pair<Ipv4, MacAddress>;

  void wait();
  void drain();
  void prune(int64_t now);
  void update_gauge();
  bool stale(const ForeignServer& s, int64_t now) const;

  boost::asio::posix::stream_descriptor descriptor_;
  boost::asio::steady_timer resume_;  // continues a drain that hit kBatch
  pcap* handle_ = nullptr;
  std::string interface_;
  const Clock& clock_;
  std::vector<Ipv4> own_addresses_;
  std::vector<Ipv4> known_servers_;
  std::map<Key, ForeignServer> servers_;
  bool full_warned_ = false;
  Gauge& foreign_servers_;
  Counter& known_replies_;
  Counter& unknown_replies_;
};

}  // namespace slipway::dhcp
