#pragma once
// The DHCP responder: request + lease store + configuration -> reply. Pure decision code: no
// sockets, no Asio, time from a Clock. The server feeds it packets; unit tests feed it packets
// through a fake transport.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/netboot.h"
#include "dhcp/lease.h"
#include "dhcp/packet.h"

namespace slipway::dhcp {

struct SubnetConfig {
  Ipv4Subnet subnet;
  Ipv4 range_first;
  Ipv4 range_last;
  std::vector<Ipv4> routers;
  std::vector<Ipv4> dns_servers;
  std::string domain_name;
  uint32_t lease_time = 3600;
};

struct ResponderConfig {
  Ipv4 server_id;  // our address on the served network (option 54, and next-server by default)
  SubnetConfig subnet;
  int64_t offer_hold_seconds = 30;     // an OFFERed address is kept for its client this long
  int64_t decline_hold_seconds = 600;  // a DECLINEd address is not handed out for this long
};

// Asked for every network-booting client (PXE, HTTP Boot, iPXE) on DISCOVER and REQUEST; returns
// what the reply must carry for the client to boot, or nullopt for no boot data.
using BootHook = std::function<std::optional<BootAnswer>(const NetbootClient&)>;

// The result of handling one packet: a reply, or the reason it was ignored (for counters).
struct Decision {
  std::optional<Packet> reply;
  std::string_view ignored;  // empty when a reply was made or nothing was owed
};

// Where a reply goes (RFC 2131 section 4.1).
struct Destination {
  Ipv4 ip;
  uint16_t port = 68;
  bool broadcast = false;
};
Destination reply_destination(const Packet& request, const Packet& reply);

// "id:<hex>" from option 61, else "mac:<chaddr>". An option 61 that is just hardware type 1 and
// chaddr counts as absent.
std::string client_key(const Packet& request);

class Responder {
 public:
  Responder(ResponderConfig config, LeaseStore& leases, const Clock& clock, BootHook boot);

  Decision handle(const Packet& request);
  const ResponderConfig& config() const { return config_; }

 private:
  struct Offer {
    std::string client_key;
    int64_t expires;
  };

  Decision discover(const Packet& req, const std::string& key);
  Decision request(const Packet& req, const std::string& key);
  Decision release(const Packet& req, const std::string& key);
  Decision decline(const Packet& req, const std::string& key);
  Decision inform(const Packet& req);

  std::optional<Ipv4> choose_address(const Packet& req, const std::string& key);
  bool in_range(Ipv4 ip) const;
  bool is_free_for(Ipv4 ip, const std::string& key) const;
  // The fields and options every reply carries (type, server id, xid, chaddr, relay).
  Packet reply_header(const Packet& req, MessageType type) const;
  // An OFFER or ACK with the subnet's options; with `leased`, the address and lease times.
  Packet make_reply(const Packet& req, MessageType type, std::optional<Ipv4> leased) const;
  void add_boot_data(const Packet& req, Packet& reply) const;
  Packet make_nak(const Packet& req, std::string_view message) const;

  ResponderConfig config_;
  LeaseStore& leases_;
  const Clock& clock_;
  BootHook boot_;
  std::unordered_map<Ipv4, Offer> offers_;
};

}  // namespace slipway::dhcp
