#include "dhcp/responder.h"

#include <algorithm>

#include "common/hex.h"
#include "dhcp/options.h"
#include "dhcp/pxe_classifier.h"

namespace slipway::dhcp {

namespace {

bool requested(const Packet& req, uint8_t code) {
  auto* list = req.options.find(opt::kParameterRequestList);
  // A client that sends no list gets every configured option.
  return list == nullptr || std::find(list->begin(), list->end(), code) != list->end();
}

}  // namespace

std::string client_key(const Packet& req) {
  if (auto* id = req.options.find(opt::kClientId); id && !id->empty()) {
    // Hardware type 1 + the client's own MAC (UEFI firmware sends this, iPXE and the runtime do
    // not) names the same client as no identifier at all: one machine, one lease, every stage.
    auto mac = req.mac();
    bool is_own_mac = mac && id->size() == 7 && (*id)[0] == 1 &&
                      std::equal(id->begin() + 1, id->end(), mac->bytes().begin());
    if (!is_own_mac) return "id:" + hex::encode(*id);
  }
  return "mac:" + req.mac().value_or(MacAddress{}).to_string();
}

size_t reply_size_limit(const Packet& req) {
  constexpr size_t kMinimum = 576 - 28;   // RFC 2131: every client takes 576-byte datagrams
  constexpr size_t kMaximum = 1500 - 28;  // one Ethernet frame
  auto v = req.options.u16(opt::kMaxMessageSize);
  if (!v || *v < 576) return kMinimum;
  return std::min<size_t>(*v - 28, kMaximum);
}

Responder::Responder(ResponderConfig config, LeaseStore& leases, const Clock& clock,
                     ResponderHooks hooks)
    : config_(std::move(config)), leases_(leases), clock_(clock), hooks_(std::move(hooks)) {
  reload();
}

void Responder::reload() {
  subnets_.clear();
  offers_.clear();
  offer_by_key_.clear();
  expiries_.clear();
  scheduled_.clear();
  for (const auto& s : config_.subnets) {
    Subnet subnet{&s, {}};
    for (const auto& p : s.pools) subnet.pools.emplace_back(p.first, p.last);
    subnets_.push_back(std::move(subnet));
  }
  for (Ipv4 own : config_.own_addresses) {
    if (auto* pool = pool_of(own)) pool->set_used(own, true);
  }
  int64_t now = clock_.now();
  for (const auto& lease : leases_.all()) {
    auto* pool = pool_of(lease.ip);
    if (!pool) continue;
    pool->set_history(lease.ip, true);
    if (lease.expires > now) {
      pool->set_used(lease.ip, true);
      schedule_expiry(lease.ip, lease.expires);
    }
  }
}

Responder::Subnet* Responder::subnet_of(Ipv4 ip) {
  for (auto& s : subnets_) {
    if (s.config->subnet.contains(ip)) return &s;
  }
  return nullptr;
}

AddressPool* Responder::pool_of(Ipv4 ip) {
  for (auto& s : subnets_) {
    for (auto& p : s.pools) {
      if (p.contains(ip)) return &p;
    }
  }
  return nullptr;
}

Responder::Subnet* Responder::select_subnet(const Packet& req, const Arrival& arrival) {
  if (!req.giaddr.is_zero()) return subnet_of(req.giaddr);
  if (!req.ciaddr.is_zero()) {
    if (auto* s = subnet_of(req.ciaddr)) return s;
  }
  for (auto& s : subnets_) {
    if (!s.config->interface.empty() && s.config->interface == arrival.interface) return &s;
  }
  for (auto& s : subnets_) {
    if (s.config->interface.empty() && s.config->subnet.contains(arrival.local_address)) return &s;
  }
  return nullptr;
}

const Reservation* Responder::reservation_for(const Packet& req, const Subnet& subnet) const {
  auto* id = req.options.find(opt::kClientId);
  auto mac = req.mac();
  std::optional<Uuid> uuid = classify(req).uuid;
  for (const auto& r : subnet.config->reservations) {
    if (!r.client_id.empty() && id && *id == r.client_id) return &r;
    if (r.mac && mac && *r.mac == *mac) return &r;
    if (r.uuid && uuid && *r.uuid == *uuid) return &r;
  }
  return nullptr;
}

bool Responder::reserved_for_other(Ipv4 ip, const Reservation* own) const {
  for (const auto& s : subnets_) {
    for (const auto& r : s.config->reservations) {
      if (r.ip == ip && &r != own) return true;
    }
  }
  return false;
}

std::optional<std::string> Responder::holder(Ipv4 ip) const {
  int64_t now = clock_.now();
  if (auto it = offers_.find(ip); it != offers_.end() && it->second.expires > now) {
    return it->second.client_key;
  }
  if (auto lease = leases_.find_by_ip(ip); lease && lease->expires > now) {
    return lease->client_key;
  }
  return std::nullopt;
}

bool Responder::may_use(Ipv4 ip, const std::string& key, const Subnet& subnet,
                        const Reservation* reservation) const {
  if (reservation) return ip == reservation->ip;
  if (!subnet.config->subnet.contains(ip) || reserved_for_other(ip, nullptr)) return false;
  if (std::find(config_.own_addresses.begin(), config_.own_addresses.end(), ip) !=
      config_.own_addresses.end()) {
    return false;
  }
  bool in_pool = std::any_of(subnet.pools.begin(), subnet.pools.end(),
                             [ip](const AddressPool& p) { return p.contains(ip); });
  if (!in_pool) return false;
  auto h = holder(ip);
  return !h || *h == key;
}

std::optional<Ipv4> Responder::choose_address(const Packet& req, Subnet& subnet,
                                              const std::string& key,
                                              const Reservation* reservation) {
  if (reservation) return reservation->ip;
  // 1. The address this client already holds (or held: a returning client gets it back).
  if (auto lease = leases_.find_by_client(key); lease && may_use(lease->ip, key, subnet, nullptr)) {
    return lease->ip;
  }
  // 2. An address we just offered it.
  if (auto it = offer_by_key_.find(key); it != offer_by_key_.end()) {
    if (may_use(it->second, key, subnet, nullptr)) return it->second;
  }
  // 3. The address it asks for, if we may give it.
  if (auto wanted = req.options.ipv4(opt::kRequestedAddress);
      wanted && may_use(*wanted, key, subnet, nullptr)) {
    return *wanted;
  }
  // 4. The next free address of the subnet's pools. A stale "used" bit (an expiry not yet
  // reclaimed) only hides an address until reclaim().
  for (auto& pool : subnet.pools) {
    for (int attempt = 0; attempt < 64; ++attempt) {
      auto ip = pool.find_free();
      if (!ip) break;
      if (may_use(*ip, key, subnet, nullptr)) return ip;
      pool.set_used(*ip, true);  // held by something the bitmap did not know: skip it
    }
  }
  return std::nullopt;
}

void Responder::hold_offer(Ipv4 ip, const std::string& key) {
  drop_offer_of(key);
  offers_[ip] = Offer{key, clock_.now() + config_.offer_hold_seconds};
  offer_by_key_[key] = ip;
  if (auto* pool = pool_of(ip)) pool->set_used(ip, true);
}

void Responder::drop_offer_of(const std::string& key) {
  auto it = offer_by_key_.find(key);
  if (it == offer_by_key_.end()) return;
  Ipv4 ip = it->second;
  offers_.erase(ip);
  offer_by_key_.erase(it);
  if (auto* pool = pool_of(ip); pool && !holder(ip)) pool->set_used(ip, false);
}

uint32_t Responder::lease_time_for(const Packet& req, const SubnetConfig& subnet) const {
  auto wanted = req.options.u32(opt::kLeaseTime);
  if (!wanted) return subnet.lease_time;
  return std::clamp(*wanted, subnet.min_lease_time, subnet.max_lease_time);
}

Status Responder::commit_lease(const Packet& req, Ipv4 ip, const std::string& key,
                               uint32_t lease_time) {
  Lease lease;
  lease.ip = ip;
  lease.client_key = key;
  lease.mac = *req.mac();
  lease.uuid = classify(req).uuid;
  lease.hostname = req.options.string(opt::kHostName).value_or("");
  lease.expires = clock_.now() + lease_time;
  auto previous = leases_.find_by_client(key);
  if (auto s = leases_.commit(lease); !s) return s;
  if (previous && previous->ip != ip) {
    // The client moved to another address; the store dropped its old lease, free the address.
    if (auto* pool = pool_of(previous->ip); pool && !holder(previous->ip)) {
      pool->set_used(previous->ip, false);
    }
  }
  if (auto it = offers_.find(ip); it != offers_.end()) {
    offer_by_key_.erase(it->second.client_key);
    offers_.erase(it);
  }
  if (auto* pool = pool_of(ip)) {
    pool->set_used(ip, true);
    pool->set_history(ip, true);
  }
  schedule_expiry(ip, lease.expires);
  return {};
}

void Responder::schedule_expiry(Ipv4 ip, int64_t expires) {
  // One live entry per address. A renewal (a later expiry) adds nothing: reclaim() reschedules
  // when the earlier entry comes. An earlier expiry (a quarantine shorter than the lease) adds
  // an entry; the one it replaces is skipped when it comes. This keeps the schedule about as
  // small as the pools however often clients renew.
  auto [it, inserted] = scheduled_.try_emplace(ip, expires);
  if (!inserted && it->second <= expires) return;
  it->second = expires;
  expiries_.emplace(expires, ip);
}

size_t Responder::reclaim() {
  int64_t now = clock_.now();
  size_t freed = 0;
  auto free_if_unheld = [&](Ipv4 ip) {
    auto* pool = pool_of(ip);
    if (pool && pool->is_used(ip) && !holder(ip) &&
        std::find(config_.own_addresses.begin(), config_.own_addresses.end(), ip) ==
            config_.own_addresses.end()) {
      pool->set_used(ip, false);
      ++freed;
    }
  };
  while (!expiries_.empty() && expiries_.begin()->first <= now) {
    auto [when, ip] = *expiries_.begin();
    expiries_.erase(expiries_.begin());
    auto entry = scheduled_.find(ip);
    if (entry == scheduled_.end() || entry->second != when) continue;  // replaced by an earlier one
    scheduled_.erase(entry);
    auto lease = leases_.find_by_ip(ip);
    if (lease && lease->expires > now) {
      // Renewed since it was scheduled: look again when the new expiry comes.
      schedule_expiry(ip, lease->expires);
      continue;
    }
    // A quarantine that ended leaves no trace; an ordinary lease stays as history.
    if (lease && lease->expires <= now && lease->client_key.rfind(kDeclinedKeyPrefix, 0) == 0) {
      (void)leases_.remove(ip);
      if (auto* pool = pool_of(ip)) pool->set_history(ip, false);
    }
    free_if_unheld(ip);
  }
  for (auto it = offers_.begin(); it != offers_.end();) {
    if (it->second.expires > now) {
      ++it;
      continue;
    }
    Ipv4 ip = it->first;
    offer_by_key_.erase(it->second.client_key);
    it = offers_.erase(it);
    free_if_unheld(ip);
  }
  return freed;
}

Decision Responder::handle(const Packet& req, const Arrival& arrival) {
  if (req.op != kBootRequest) return {std::nullopt, {}, 548, "not_a_request"};
  if (!req.mac()) return {std::nullopt, {}, 548, "not_ethernet"};
  auto type = req.message_type();
  if (!type) return {std::nullopt, {}, 548, "no_message_type"};
  if (*type == MessageType::kOffer || *type == MessageType::kAck || *type == MessageType::kNak) {
    return {std::nullopt, {}, 548, "server_message"};
  }
  if (hooks_.heard && (*type == MessageType::kDiscover || *type == MessageType::kRequest)) {
    hooks_.heard(*req.mac());
  }
  Decision d = config_.mode == Mode::kProxy ? proxy_mode(req, arrival, *type)
                                            : server_mode(req, arrival, *type);
  d.max_size = reply_size_limit(req);
  return d;
}

Decision Responder::server_mode(const Packet& req, const Arrival& arrival, MessageType type) {
  if (arrival.local_port != 67) return {std::nullopt, {}, 548, "boot_service_port_in_server_mode"};
  std::string key = client_key(req);
  switch (type) {
    case MessageType::kDiscover: {
      Subnet* subnet = select_subnet(req, arrival);
      if (!subnet) return {std::nullopt, {}, 548, "no_subnet"};
      return discover(req, arrival, *subnet, key);
    }
    case MessageType::kRequest:
      return request(req, arrival, select_subnet(req, arrival), key);
    case MessageType::kRelease:
      return release(req, key);
    case MessageType::kDecline:
      return decline(req, key);
    case MessageType::kInform:
      return inform(req, arrival, select_subnet(req, arrival));
    default:
      break;
  }
  return {std::nullopt, {}, 548, "server_message"};
}

Decision Responder::discover(const Packet& req, const Arrival& arrival, Subnet& subnet,
                             const std::string& key) {
  const Reservation* reservation = reservation_for(req, subnet);
  auto ip = choose_address(req, subnet, key, reservation);
  if (!ip) return {std::nullopt, {}, 548, "pool_exhausted"};
  hold_offer(*ip, key);
  Packet reply = make_reply(req, MessageType::kOffer, arrival.local_address, subnet, *ip,
                            lease_time_for(req, *subnet.config), reservation);
  add_boot_data(req, reply, false);
  return deliver(req, arrival, std::move(reply));
}

Decision Responder::request(const Packet& req, const Arrival& arrival, Subnet* subnet,
                            const std::string& key) {
  auto server_id = req.options.ipv4(opt::kServerId);
  auto wanted = req.options.ipv4(opt::kRequestedAddress);
  bool selecting = server_id.has_value();
  if (selecting) {
    bool ours = *server_id == arrival.local_address ||
                std::find(config_.own_addresses.begin(), config_.own_addresses.end(), *server_id) !=
                    config_.own_addresses.end();
    if (!ours) {
      // The client took another server's offer: release what we held for it.
      drop_offer_of(key);
      return {std::nullopt, {}, 548, "for_other_server"};
    }
    if (!wanted) return {std::nullopt, {}, 548, "no_requested_address"};
  } else if (!wanted) {
    wanted = req.ciaddr;  // RENEWING or REBINDING
    if (wanted->is_zero()) return {std::nullopt, {}, 548, "no_requested_address"};
  }
  if (!subnet) return {std::nullopt, {}, 548, "no_subnet"};
  if (!subnet->config->subnet.contains(*wanted)) {
    // An INIT-REBOOT client that moved here from another network.
    return nak(req, arrival, "address not on this network");
  }
  const Reservation* reservation = reservation_for(req, *subnet);
  if (!may_use(*wanted, key, *subnet, reservation)) {
    return nak(req, arrival, "address not available");
  }
  if (!selecting) {
    // INIT-REBOOT, RENEWING, REBINDING: the client claims an address. Confirm it only if we know
    // this client holds it (or it is the client's reservation).
    auto lease = leases_.find_by_ip(*wanted);
    bool known = reservation != nullptr || (lease && lease->client_key == key);
    if (!known) {
      if (config_.authoritative) return nak(req, arrival, "no lease for this address");
      return {std::nullopt, {}, 548, "unknown_lease"};
    }
  }
  uint32_t lease_time = lease_time_for(req, *subnet->config);
  if (!commit_lease(req, *wanted, key, lease_time)) {
    return {std::nullopt, {}, 548, "lease_store_error"};
  }
  Packet reply = make_reply(req, MessageType::kAck, arrival.local_address, *subnet, *wanted,
                            lease_time, reservation);
  add_boot_data(req, reply, false);
  Decision d = deliver(req, arrival, std::move(reply));
  d.needs_flush = true;
  return d;
}

Decision Responder::release(const Packet& req, const std::string& key) {
  auto lease = leases_.find_by_ip(req.ciaddr);
  if (!lease || lease->client_key != key) return {std::nullopt, {}, 548, "release_unknown_lease"};
  // Keep the row (so the client gets the same address back) but end it now.
  lease->expires = clock_.now();
  if (!leases_.commit(*lease)) return {std::nullopt, {}, 548, "lease_store_error"};
  if (auto* pool = pool_of(lease->ip)) pool->set_used(lease->ip, false);
  return {};
}

Decision Responder::decline(const Packet& req, const std::string& key) {
  auto ip = req.options.ipv4(opt::kRequestedAddress);
  if (!ip) return {std::nullopt, {}, 548, "decline_unknown_address"};
  auto lease = leases_.find_by_ip(*ip);
  if (!lease || lease->client_key != key) return {std::nullopt, {}, 548, "decline_unknown_address"};
  // The address is in use by something we do not know: park it under a key no client has.
  Lease parked = *lease;
  parked.client_key = std::string(kDeclinedKeyPrefix) + ip->to_string();
  parked.expires = clock_.now() + config_.decline_hold_seconds;
  if (!leases_.commit(parked)) return {std::nullopt, {}, 548, "lease_store_error"};
  schedule_expiry(*ip, parked.expires);
  return {};
}

Decision Responder::inform(const Packet& req, const Arrival& arrival, Subnet* subnet) {
  if (req.ciaddr.is_zero()) return {std::nullopt, {}, 548, "inform_without_ciaddr"};
  if (!subnet) return {std::nullopt, {}, 548, "no_subnet"};
  // Configuration only: no address, no lease times (RFC 2131 section 3.4).
  Packet reply = make_reply(req, MessageType::kAck, arrival.local_address, *subnet, std::nullopt,
                            std::nullopt, reservation_for(req, *subnet));
  return deliver(req, arrival, std::move(reply));
}

Decision Responder::proxy_mode(const Packet& req, const Arrival& arrival, MessageType type) {
  bool boot_port = arrival.local_port != 67;
  bool wanted = boot_port ? (type == MessageType::kRequest || type == MessageType::kInform)
                          : type == MessageType::kDiscover;
  if (!wanted) return {std::nullopt, {}, 548, "proxy_leaves_to_main_server"};
  // No address and no lease: only what the client needs to boot, under our server identifier.
  Packet reply =
      reply_header(req, boot_port ? MessageType::kAck : MessageType::kOffer, arrival.local_address);
  if (boot_port) reply.ciaddr = req.ciaddr;
  if (!add_boot_data(req, reply, true)) return {std::nullopt, {}, 548, "proxy_not_netboot"};
  return deliver(req, arrival, std::move(reply));
}

Packet Responder::reply_header(const Packet& req, MessageType type, Ipv4 server_id) const {
  Packet r;
  r.op = kBootReply;
  r.htype = req.htype;
  r.hlen = req.hlen;
  r.xid = req.xid;
  r.flags = req.flags;
  r.giaddr = req.giaddr;
  r.chaddr = req.chaddr;
  r.options.set_u8(opt::kMessageType, static_cast<uint8_t>(type));
  r.options.set_ipv4(opt::kServerId, server_id);
  return r;
}

Packet Responder::make_reply(const Packet& req, MessageType type, Ipv4 server_id,
                             const Subnet& subnet, std::optional<Ipv4> leased,
                             std::optional<uint32_t> lease_time,
                             const Reservation* reservation) const {
  Packet r = reply_header(req, type, server_id);
  if (type == MessageType::kAck) r.ciaddr = req.ciaddr;
  if (leased) r.yiaddr = *leased;
  if (lease_time) {
    r.options.set_u32(opt::kLeaseTime, *lease_time);
    r.options.set_u32(opt::kRenewalTime, *lease_time / 2);
    r.options.set_u32(opt::kRebindingTime, static_cast<uint32_t>(uint64_t{*lease_time} * 7 / 8));
  }
  r.options.set_ipv4(opt::kSubnetMask, subnet.config->subnet.mask());
  for (const auto& [code, value] : subnet.config->options) {
    if (requested(req, code)) r.options.set(code, value);
  }
  std::optional<std::string> hostname;
  if (reservation && !reservation->hostname.empty()) {
    hostname = reservation->hostname;
  } else if (hooks_.hostname) {
    hostname = hooks_.hostname(*req.mac(), classify(req).uuid);
  }
  if (hostname && !hostname->empty()) r.options.set_string(opt::kHostName, *hostname);
  return r;
}

Decision Responder::nak(const Packet& req, const Arrival& arrival, std::string_view message) const {
  Packet r = reply_header(req, MessageType::kNak, arrival.local_address);
  r.options.set_string(opt::kMessage, message);
  // Through a relay the NAK must be broadcast on the client's segment (RFC 2131 4.3.2).
  if (!req.giaddr.is_zero()) r.flags |= kBroadcastFlag;
  return deliver(req, arrival, std::move(r));
}

Decision Responder::deliver(const Packet& req, const Arrival& arrival, Packet reply) const {
  // RFC 3046: the relay agent information goes back to the relay unchanged, last.
  if (auto* agent_info = req.options.find(opt::kRelayAgentInfo);
      agent_info && !req.giaddr.is_zero()) {
    reply.options.set(opt::kRelayAgentInfo, *agent_info);
  }
  Decision d;
  Delivery& to = d.delivery;
  bool nak = reply.message_type() == MessageType::kNak;
  if (arrival.local_port != 67) {
    to = {Delivery::Kind::kUnicast, arrival.source, arrival.source_port, {}};
  } else if (!req.giaddr.is_zero()) {
    to = {Delivery::Kind::kRelay, req.giaddr, 67, {}};
  } else if (!nak && !req.ciaddr.is_zero()) {
    to = {Delivery::Kind::kUnicast, req.ciaddr, 68, {}};
  } else if (nak || req.broadcast() || reply.yiaddr.is_zero()) {
    to = {Delivery::Kind::kBroadcast, Ipv4(0xFFFFFFFF), 68, {}};
  } else {
    // A client without an address that can take unicast: send to the address it is about to
    // have, at its Ethernet address, without asking ARP (it could not answer yet).
    to = {Delivery::Kind::kUnicastToChaddr, reply.yiaddr, 68, *req.mac()};
  }
  d.reply = std::move(reply);
  return d;
}

bool Responder::add_boot_data(const Packet& req, Packet& reply, bool proxy) const {
  NetbootClient client = classify(req);
  client.committing = reply.message_type() == MessageType::kAck;
  if (!client.is_netboot() || !hooks_.boot) return false;
  auto answer = hooks_.boot(client);
  if (!answer) return false;
  if (answer->filename.size() <= 127) {
    reply.file = answer->filename;
  } else {
    reply.options.set_string(opt::kBootfileName, answer->filename);
  }
  if (answer->next_server) reply.siaddr = *answer->next_server;
  // A proxyDHCP reply is recognised by "PXEClient" in option 60 (PXE 2.1 section 2.2.5).
  std::string vendor_class =
      proxy && answer->vendor_class.empty() ? "PXEClient" : answer->vendor_class;
  if (!vendor_class.empty()) reply.options.set_string(opt::kVendorClass, vendor_class);
  if (client.protocol == BootProtocol::kPxe || proxy) {
    // No boot server discovery: boot the file named in this reply.
    reply.options.set(opt::kVendorSpecific, {opt::kPxeDiscoveryControl, 1, 0x08, opt::kEnd});
    if (auto* uuid = req.options.find(opt::kClientMachineId)) {
      reply.options.set(opt::kClientMachineId, *uuid);
    }
  }
  if (!answer->user_class.empty()) reply.options.set_string(opt::kUserClass, answer->user_class);
  // In proxy mode the main server's reply decides how long iPXE waits for us; telling iPXE not
  // to wait for a ProxyDHCP answer would be wrong when we are that answer.
  if (answer->ipxe_skip_proxydhcp && !proxy) {
    reply.options.set(opt::kIpxeEncap, {opt::kIpxeNoProxyDhcp, 1, 1});
  }
  return true;
}

}  // namespace slipway::dhcp
