#pragma once
// The DHCP responder: request + where it arrived + lease store + configuration -> reply and how
// to deliver it. Pure decision code: no sockets, no Asio, time from a Clock. The server feeds it
// packets; unit tests drive whole exchanges through it without sockets.
//
// What it implements (RFC 2131 unless noted):
//  - DISCOVER -> OFFER from the client's reservation, its old address if free, the address it
//    asks for if free, else the next free one (never-leased addresses first);
//  - REQUEST in SELECTING, INIT-REBOOT, RENEWING and REBINDING; NAK for an address that is wrong
//    for the subnet or held by another client; for an address it has no record of, NAK when
//    authoritative, else silence;
//  - DECLINE (address quarantined), RELEASE, INFORM; lease time from option 51 within limits;
//    T1/T2; expired leases, offers and quarantines reclaimed by reclaim();
//  - several subnets chosen by giaddr, by ciaddr or by the arrival interface; relays answered
//    through giaddr with option 82 echoed (RFC 3046);
//  - reservations by client identifier, MAC or SMBIOS UUID; host names from reservations or
//    the inventory (hook); configured options sent when requested (option 55);
//  - proxyDHCP mode: boot data only, for network-boot clients, on port 67 and 4011.
//
// Durability contract: LeaseStore::commit() stages, LeaseStore::flush() makes durable. The
// caller must flush() before it sends a reply whose Decision says needs_flush.
// Thread-safety: one thread.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/netboot.h"
#include "dhcp/address_pool.h"
#include "dhcp/lease.h"
#include "dhcp/packet.h"

namespace slipway::dhcp {

struct Reservation {
  // Exactly one identifier is set.
  std::optional<MacAddress> mac;
  std::vector<uint8_t> client_id;  // option 61 value
  std::optional<Uuid> uuid;        // option 97
  Ipv4 ip;
  std::string hostname;
};

struct PoolRange {
  Ipv4 first;
  Ipv4 last;
};

struct SubnetConfig {
  Ipv4Subnet subnet;
  std::string interface;  // empty: the interface whose own address is in the subnet
  std::vector<PoolRange> pools;
  std::vector<Reservation> reservations;
  // Configured options, encoded, in the order they are sent.
  std::vector<std::pair<uint8_t, std::vector<uint8_t>>> options;
  uint32_t lease_time = 3600;
  uint32_t min_lease_time = 60;
  uint32_t max_lease_time = 86400;
};

enum class Mode { kServer, kProxy };

struct ResponderConfig {
  Mode mode = Mode::kServer;
  std::vector<SubnetConfig> subnets;
  std::vector<Ipv4> own_addresses;  // never handed out
  bool authoritative = true;
  int64_t offer_hold_seconds = 30;     // an OFFERed address is kept for its client this long
  int64_t decline_hold_seconds = 600;  // a DECLINEd address is not handed out for this long
};

// Asked for every network-booting client (PXE, HTTP Boot, iPXE) on DISCOVER and REQUEST; returns
// what the reply must carry for the client to boot, or nullopt for no boot data.
using BootHook = std::function<std::optional<BootAnswer>(const NetbootClient&)>;
// The client's host name from the inventory, if the appliance knows the machine.
using HostnameHook =
    std::function<std::optional<std::string>(const MacAddress&, const std::optional<Uuid>&)>;

// Told of every DISCOVER and REQUEST, before the answer is decided (power-on confirmation).
using HeardHook = std::function<void(const MacAddress&)>;

struct ResponderHooks {
  BootHook boot;
  HostnameHook hostname;
  HeardHook heard;
};

// Where a request came in.
struct Arrival {
  std::string interface;
  Ipv4 local_address;        // our address there: the server identifier of the reply
  uint16_t local_port = 67;  // 67, or 4011 (PXE boot service)
  Ipv4 source;               // the sender's IP address and port
  uint16_t source_port = 68;
};

// How a reply reaches the client (RFC 2131 section 4.1).
struct Delivery {
  enum class Kind {
    kRelay,            // to giaddr, port 67
    kUnicast,          // to ip:port (ciaddr, or the source of a port-4011 request)
    kBroadcast,        // 255.255.255.255:68 on the arrival interface
    kUnicastToChaddr,  // to yiaddr:68 at Ethernet address chaddr, without ARP
  };
  Kind kind = Kind::kBroadcast;
  Ipv4 ip;
  uint16_t port = 68;
  MacAddress mac;
};

struct Decision {
  std::optional<Packet> reply;
  Delivery delivery;
  size_t max_size = 548;     // the largest reply the client accepts (option 57)
  std::string_view ignored;  // why there is no reply (a metrics label); empty if none is owed
  // The reply promises a lease the store has staged: it may leave only after LeaseStore::flush().
  // Other replies (OFFER, NAK, INFORM's ACK) can go at once.
  bool needs_flush = false;
};

// "id:<hex>" from option 61, else "mac:<chaddr>". An option 61 that is just hardware type 1 and
// chaddr counts as absent.
std::string client_key(const Packet& request);

// The largest DHCP message the client accepts: option 57 minus IP and UDP headers, at least the
// 548 bytes every client must take, at most one Ethernet frame.
size_t reply_size_limit(const Packet& request);

class Responder {
 public:
  // Reads the store to know which addresses are in use.
  Responder(ResponderConfig config, LeaseStore& leases, const Clock& clock, ResponderHooks hooks);

  Decision handle(const Packet& request, const Arrival& arrival);

  // Frees the addresses of expired leases, offers and quarantines. Returns how many.
  size_t reclaim();
  // Forgets in-memory state and reads the store again (after a failed flush()).
  void reload();

  const ResponderConfig& config() const { return config_; }
  // Entries in the expiry schedule (bounded by the addresses in use, not by renewals).
  size_t scheduled_expiries() const { return expiries_.size(); }

 private:
  struct Subnet {
    const SubnetConfig* config;
    std::vector<AddressPool> pools;
  };
  struct Offer {
    std::string client_key;
    int64_t expires;
  };

  Decision server_mode(const Packet& req, const Arrival& arrival, MessageType type);
  Decision proxy_mode(const Packet& req, const Arrival& arrival, MessageType type);
  Decision discover(const Packet& req, const Arrival& arrival, Subnet& subnet,
                    const std::string& key);
  Decision request(const Packet& req, const Arrival& arrival, Subnet* subnet,
                   const std::string& key);
  Decision release(const Packet& req, const std::string& key);
  Decision decline(const Packet& req, const std::string& key);
  Decision inform(const Packet& req, const Arrival& arrival, Subnet* subnet);

  Subnet* select_subnet(const Packet& req, const Arrival& arrival);
  Subnet* subnet_of(Ipv4 ip);
  AddressPool* pool_of(Ipv4 ip);
  const Reservation* reservation_for(const Packet& req, const Subnet& subnet) const;
  bool reserved_for_other(Ipv4 ip, const Reservation* own) const;
  // The key of the client holding `ip` now (live lease or offer), if any.
  std::optional<std::string> holder(Ipv4 ip) const;
  bool may_use(Ipv4 ip, const std::string& key, const Subnet& subnet,
               const Reservation* reservation) const;
  std::optional<Ipv4> choose_address(const Packet& req, Subnet& subnet, const std::string& key,
                                     const Reservation* reservation);
  void hold_offer(Ipv4 ip, const std::string& key);
  void drop_offer_of(const std::string& key);
  Status commit_lease(const Packet& req, Ipv4 ip, const std::string& key, uint32_t lease_time);
  uint32_t lease_time_for(const Packet& req, const SubnetConfig& subnet) const;

  Packet reply_header(const Packet& req, MessageType type, Ipv4 server_id) const;
  Packet make_reply(const Packet& req, MessageType type, Ipv4 server_id, const Subnet& subnet,
                    std::optional<Ipv4> leased, std::optional<uint32_t> lease_time,
                    const Reservation* reservation) const;
  Decision nak(const Packet& req, const Arrival& arrival, std::string_view message) const;
  Decision deliver(const Packet& req, const Arrival& arrival, Packet reply) const;
  bool add_boot_data(const Packet& req, Packet& reply, bool proxy) const;

  ResponderConfig config_;
  LeaseStore& leases_;
  const Clock& clock_;
  ResponderHooks hooks_;
  std::vector<Subnet> subnets_;
  std::unordered_map<Ipv4, Offer> offers_;
  std::unordered_map<std::string, Ipv4> offer_by_key_;
  void schedule_expiry(Ipv4 ip, int64_t expires);

  std::multimap<int64_t, Ipv4> expiries_;        // when to look at an address again
  std::unordered_map<Ipv4, int64_t> scheduled_;  // the live entry of each address in expiries_
};

}  // namespace slipway::dhcp
