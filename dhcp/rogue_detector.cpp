#include "dhcp/rogue_detector.h"

#include <pcap/pcap.h>
#include <unistd.h>

#include <algorithm>
#include <variant>

#include "common/log.h"
#include "dhcp/options.h"
#include "dhcp/udp_frame.h"

namespace slipway::dhcp {

namespace asio = boost::asio;

namespace {

// Replies on their way to clients. Replies to relays (to port 67) are not captured: on the
// relay's segment the relay re-sends them to port 68, and that is where clients are.
constexpr const char* kCaptureFilter = "udp and src port 67 and dst port 68";

bool contains(const std::vector<Ipv4>& list, Ipv4 ip) {
  return std::find(list.begin(), list.end(), ip) != list.end();
}

}  // namespace

RogueDetector::RogueDetector(asio::io_context& io, Metrics& metrics, const Clock& clock,
                             std::vector<Ipv4> own_addresses, std::vector<Ipv4> known_servers)
    : descriptor_(io),
      resume_(io),
      clock_(clock),
      own_addresses_(std::move(own_addresses)),
      known_servers_(std::move(known_servers)),
      foreign_servers_(metrics.gauge("slipway_dhcp_foreign_servers",
                                     "Other DHCP servers seen on the LAN and not configured as "
                                     "known, in the last hour")),
      known_replies_(metrics.counter("slipway_dhcp_foreign_replies_total",
                                     "DHCP replies seen from other servers, by whether the "
                                     "server is configured as known",
                                     "known=\"true\"")),
      unknown_replies_(metrics.counter("slipway_dhcp_foreign_replies_total",
                                       "DHCP replies seen from other servers, by whether the "
                                       "server is configured as known",
                                       "known=\"false\"")) {}

RogueDetector::~RogueDetector() { stop(); }

Status RogueDetector::start(const std::string& interface) {
  if (running()) return Error{"dhcp rogue: already capturing on " + interface_};
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* handle = pcap_create(interface.c_str(), errbuf);
  if (handle == nullptr) return Error{"dhcp rogue: pcap_create " + interface + ": " + errbuf};
  auto fail = [&](const std::string& what) {
    std::string reason = pcap_geterr(handle);
    pcap_close(handle);
    return Error{"dhcp rogue: " + what + " on " + interface + ": " + reason};
  };

  pcap_set_snaplen(handle, kSnapLength);
  // Immediate mode: each frame is handed over as it arrives, so the descriptor becomes readable
  // per frame instead of when a buffer block fills or times out.
  pcap_set_immediate_mode(handle, 1);
  // Promiscuous: replies unicast to clients are what a foreign server mostly sends.
  pcap_set_promisc(handle, 1);
  int status = pcap_activate(handle);
  if (status < 0) {
    // Only these three leave a message in pcap_geterr(); the others are described by the code.
    bool has_message = status == PCAP_ERROR || status == PCAP_ERROR_NO_SUCH_DEVICE ||
                       status == PCAP_ERROR_PERM_DENIED;
    std::string reason = has_message ? std::string(pcap_geterr(handle)) : "";
    pcap_close(handle);
    return Error{"dhcp rogue: cannot capture on " + interface + ": " + pcap_statustostr(status) +
                 (reason.empty() ? "" : " (" + reason + ")")};
  }
  if (status > 0) {
    log::get("dhcp")->warn("rogue detection capture warning interface={} warning=\"{}\"", interface,
                           pcap_statustostr(status));
  }
  if (pcap_datalink(handle) != DLT_EN10MB) {
    pcap_close(handle);
    return Error{"dhcp rogue: " + interface + " is not an Ethernet interface"};
  }
  bpf_program program{};
  if (pcap_compile(handle, &program, kCaptureFilter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
    return fail("cannot compile the capture filter");
  }
  int set = pcap_setfilter(handle, &program);
  pcap_freecode(&program);
  if (set != 0) return fail("cannot set the capture filter");
  if (pcap_setnonblock(handle, 1, errbuf) != 0) {
    pcap_close(handle);
    return Error{"dhcp rogue: cannot make the capture non-blocking on " + interface + ": " +
                 errbuf};
  }
  int fd = pcap_get_selectable_fd(handle);
  if (fd < 0) {
    pcap_close(handle);
    return Error{"dhcp rogue: no selectable descriptor for the capture on " + interface};
  }
  boost::system::error_code ec;
  descriptor_.assign(fd, ec);
  if (ec) {
    pcap_close(handle);
    return Error{"dhcp rogue: cannot watch the capture descriptor: " + ec.message()};
  }
  handle_ = handle;
  interface_ = interface;
  log::get("dhcp")->info("watching for other dhcp servers interface={} own={} known={}", interface,
                         own_addresses_.size(), known_servers_.size());
  // Frames may already be waiting: read them before waiting for readiness.
  drain();
  return {};
}

void RogueDetector::stop() {
  if (handle_ == nullptr) return;
  resume_.cancel();
  // The descriptor belongs to libpcap: release (which cancels the wait) rather than close it.
  descriptor_.release();
  pcap_close(handle_);
  handle_ = nullptr;
}

void RogueDetector::wait() {
  auto on_ready = [this](boost::system::error_code ec) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) {
      log::get("dhcp")->error("rogue detection stopped interface={} error=\"{}\"", interface_,
                              ec.message());
      stop();
      return;
    }
    drain();
  };
  descriptor_.async_wait(asio::posix::stream_descriptor::wait_read, on_ready);
}

void RogueDetector::drain() {
  if (handle_ == nullptr) return;
  auto on_frame = [](u_char* user, const pcap_pkthdr* header, const u_char* bytes) {
    auto* self = reinterpret_cast<RogueDetector*>(user);
    self->observe(std::span<const uint8_t>(bytes, header->caplen));
  };
  int handled = 0;
  while (handled < kBatch) {
    int n = pcap_dispatch(handle_, kBatch - handled, on_frame, reinterpret_cast<u_char*>(this));
    if (n < 0) {
      log::get("dhcp")->error("rogue detection stopped interface={} error=\"{}\"", interface_,
                              pcap_geterr(handle_));
      stop();
      return;
    }
    if (n == 0) break;
    handled += n;
  }
  if (handled < kBatch) {
    wait();
    return;
  }
  // More may be queued, and Asio's epoll is edge-triggered: no new readiness would come for
  // frames already there. Continue after the io_context has run other handlers.
  resume_.expires_after(std::chrono::seconds(0));
  resume_.async_wait([this](boost::system::error_code ec) {
    if (!ec) drain();
  });
}

bool RogueDetector::stale(const ForeignServer& s, int64_t now) const {
  return now - s.last_seen >= kForgetAfterSeconds;
}

void RogueDetector::prune(int64_t now) {
  std::erase_if(servers_, [&](const auto& entry) { return stale(entry.second, now); });
  if (servers_.size() < kMaxServers) full_warned_ = false;
}

void RogueDetector::update_gauge() {
  auto unknown = std::count_if(servers_.begin(), servers_.end(),
                               [](const auto& entry) { return !entry.second.known; });
  foreign_servers_.set(static_cast<int64_t>(unknown));
}

void RogueDetector::observe(std::span<const uint8_t> frame) {
  auto sighting = inspect_frame(frame);
  if (!sighting) return;
  const int64_t now = clock_.now();
  prune(now);
  if (contains(own_addresses_, sighting->server_id)) {
    update_gauge();
    return;
  }
  const bool known = contains(known_servers_, sighting->server_id);
  (known ? known_replies_ : unknown_replies_).inc();

  Key key{sighting->server_id, sighting->mac};
  auto it = servers_.find(key);
  if (it != servers_.end()) {
    it->second.last_seen = now;
    it->second.source_ip = sighting->source_ip;
    ++it->second.replies;
  } else if (servers_.size() >= kMaxServers) {
    if (!full_warned_) {
      log::get("dhcp")->warn("foreign dhcp server table full max={}: new servers are not listed",
                             kMaxServers);
      full_warned_ = true;
    }
  } else {
    servers_.emplace(key, ForeignServer{sighting->server_id, sighting->mac, sighting->source_ip,
                                        now, now, 1, known});
    // A configured (known) server is expected: worth a line, not a warning.
    log::get("dhcp")->log(
        known ? spdlog::level::info : spdlog::level::warn,
        "foreign dhcp server server_id={} mac={} known={} source_ip={} type={} client={} "
        "yiaddr={}",
        sighting->server_id.to_string(), sighting->mac.to_string(), known,
        sighting->source_ip.to_string(), to_string(sighting->type),
        sighting->client_mac ? sighting->client_mac->to_string() : "-",
        sighting->yiaddr.to_string());
  }
  update_gauge();
}

std::vector<ForeignServer> RogueDetector::servers() const {
  const int64_t now = clock_.now();
  std::vector<ForeignServer> out;
  for (const auto& [key, server] : servers_) {
    if (!stale(server, now)) out.push_back(server);
  }
  return out;
}

}  // namespace slipway::dhcp
