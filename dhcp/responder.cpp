#include "dhcp/responder.h"

#include <algorithm>

#include "common/hex.h"
#include "dhcp/options.h"
#include "dhcp/pxe_classifier.h"

namespace slipway::dhcp {

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

Destination reply_destination(const Packet& req, const Packet& reply) {
  if (!req.giaddr.is_zero()) return {req.giaddr, 67, false};
  bool nak = reply.message_type() == MessageType::kNak;
  if (!nak && !req.ciaddr.is_zero()) return {req.ciaddr, 68, false};
  // The client has no address yet (or is being told its address is wrong): broadcast on the
  // link, which every client accepts whatever its broadcast flag says.
  return {Ipv4(0xFFFFFFFF), 68, true};
}

Responder::Responder(ResponderConfig config, LeaseStore& leases, const Clock& clock, BootHook boot)
    : config_(std::move(config)), leases_(leases), clock_(clock), boot_(std::move(boot)) {}

Decision Responder::handle(const Packet& req) {
  if (req.op != kBootRequest) return {std::nullopt, "not_a_request"};
  if (!req.mac()) return {std::nullopt, "not_ethernet"};
  auto type = req.message_type();
  if (!type) return {std::nullopt, "no_message_type"};
  std::string key = client_key(req);
  switch (*type) {
    case MessageType::kDiscover:
      return discover(req, key);
    case MessageType::kRequest:
      return request(req, key);
    case MessageType::kRelease:
      return release(req, key);
    case MessageType::kDecline:
      return decline(req, key);
    case MessageType::kInform:
      return inform(req);
    case MessageType::kOffer:
    case MessageType::kAck:
    case MessageType::kNak:
      break;
  }
  return {std::nullopt, "server_message"};
}

bool Responder::in_range(Ipv4 ip) const {
  return ip >= config_.subnet.range_first && ip <= config_.subnet.range_last &&
         ip != config_.server_id;
}

bool Responder::is_free_for(Ipv4 ip, const std::string& key) const {
  if (!in_range(ip)) return false;
  int64_t now = clock_.now();
  if (auto lease = leases_.find_by_ip(ip);
      lease && lease->client_key != key && lease->expires > now) {
    return false;
  }
  if (auto it = offers_.find(ip);
      it != offers_.end() && it->second.client_key != key && it->second.expires > now) {
    return false;
  }
  return true;
}

std::optional<Ipv4> Responder::choose_address(const Packet& req, const std::string& key) {
  // 1. The address this client already holds (or held: a returning client gets it back).
  if (auto lease = leases_.find_by_client(key); lease && is_free_for(lease->ip, key)) {
    return lease->ip;
  }
  // 2. An address we just offered it.
  for (const auto& [ip, offer] : offers_) {
    if (offer.client_key == key && offer.expires > clock_.now()) return ip;
  }
  // 3. The address it asks for, if we may give it.
  if (auto wanted = req.options.ipv4(opt::kRequestedAddress); wanted && is_free_for(*wanted, key)) {
    return *wanted;
  }
  // 4. The first free address of the range.
  for (uint64_t v = config_.subnet.range_first.value(); v <= config_.subnet.range_last.value();
       ++v) {
    Ipv4 ip(static_cast<uint32_t>(v));
    if (is_free_for(ip, key)) return ip;
  }
  return std::nullopt;
}

Packet Responder::reply_header(const Packet& req, MessageType type) const {
  Packet r;
  r.op = kBootReply;
  r.htype = req.htype;
  r.hlen = req.hlen;
  r.xid = req.xid;
  r.flags = req.flags;
  r.giaddr = req.giaddr;
  r.chaddr = req.chaddr;
  r.options.set_u8(opt::kMessageType, static_cast<uint8_t>(type));
  r.options.set_ipv4(opt::kServerId, config_.server_id);
  return r;
}

Packet Responder::make_reply(const Packet& req, MessageType type,
                             std::optional<Ipv4> leased) const {
  Packet r = reply_header(req, type);
  if (type == MessageType::kAck) r.ciaddr = req.ciaddr;
  const auto& s = config_.subnet;
  if (leased) {
    r.yiaddr = *leased;
    r.options.set_u32(opt::kLeaseTime, s.lease_time);
    r.options.set_u32(opt::kRenewalTime, s.lease_time / 2);
    r.options.set_u32(opt::kRebindingTime, static_cast<uint32_t>(uint64_t{s.lease_time} * 7 / 8));
  }
  r.options.set_ipv4(opt::kSubnetMask, s.subnet.mask());
  if (!s.routers.empty()) r.options.set_ipv4_list(opt::kRouters, s.routers);
  if (!s.dns_servers.empty()) r.options.set_ipv4_list(opt::kDnsServers, s.dns_servers);
  if (!s.domain_name.empty()) r.options.set_string(opt::kDomainName, s.domain_name);
  return r;
}

void Responder::add_boot_data(const Packet& req, Packet& reply) const {
  NetbootClient client = classify(req);
  client.committing = reply.message_type() == MessageType::kAck;
  if (!client.is_netboot() || !boot_) return;
  auto answer = boot_(client);
  if (!answer) return;
  if (answer->filename.size() <= 127) {
    reply.file = answer->filename;
  } else {
    reply.options.set_string(opt::kBootfileName, answer->filename);
  }
  if (answer->next_server) reply.siaddr = *answer->next_server;
  if (!answer->vendor_class.empty()) {
    reply.options.set_string(opt::kVendorClass, answer->vendor_class);
  }
  if (client.protocol == BootProtocol::kPxe) {
    // No boot server discovery: boot the file named in this reply.
    reply.options.set(opt::kVendorSpecific, {opt::kPxeDiscoveryControl, 1, 0x08, opt::kEnd});
    if (auto* uuid = req.options.find(opt::kClientMachineId)) {
      reply.options.set(opt::kClientMachineId, *uuid);
    }
  }
  if (!answer->user_class.empty()) reply.options.set_string(opt::kUserClass, answer->user_class);
  if (answer->ipxe_skip_proxydhcp) {
    reply.options.set(opt::kIpxeEncap, {opt::kIpxeNoProxyDhcp, 1, 1});
  }
}

Packet Responder::make_nak(const Packet& req, std::string_view message) const {
  Packet r = reply_header(req, MessageType::kNak);
  r.options.set_string(opt::kMessage, message);
  return r;
}

Decision Responder::discover(const Packet& req, const std::string& key) {
  auto ip = choose_address(req, key);
  if (!ip) return {std::nullopt, "pool_exhausted"};
  offers_[*ip] = Offer{key, clock_.now() + config_.offer_hold_seconds};
  if (offers_.size() > 4096) {
    std::erase_if(offers_, [now = clock_.now()](const auto& o) { return o.second.expires <= now; });
  }
  Packet reply = make_reply(req, MessageType::kOffer, *ip);
  add_boot_data(req, reply);
  return {std::move(reply), {}};
}

Decision Responder::request(const Packet& req, const std::string& key) {
  auto server_id = req.options.ipv4(opt::kServerId);
  if (server_id && *server_id != config_.server_id) {
    // SELECTING another server's offer: release what we offered this client.
    std::erase_if(offers_, [&](const auto& o) { return o.second.client_key == key; });
    return {std::nullopt, "for_other_server"};
  }
  auto wanted = req.options.ipv4(opt::kRequestedAddress);
  if (!wanted && !req.ciaddr.is_zero()) wanted = req.ciaddr;
  if (!wanted) return {std::nullopt, "no_requested_address"};
  if (!config_.subnet.subnet.contains(*wanted)) {
    return {make_nak(req, "address not on this network"), {}};
  }
  if (!is_free_for(*wanted, key)) return {make_nak(req, "address not available"), {}};

  Lease lease;
  lease.ip = *wanted;
  lease.client_key = key;
  lease.mac = *req.mac();
  lease.uuid = classify(req).uuid;
  lease.hostname = req.options.string(opt::kHostName).value_or("");
  lease.expires = clock_.now() + config_.subnet.lease_time;
  if (!leases_.commit(lease)) return {std::nullopt, "lease_store_error"};
  offers_.erase(*wanted);

  Packet reply = make_reply(req, MessageType::kAck, *wanted);
  add_boot_data(req, reply);
  return {std::move(reply), {}};
}

Decision Responder::release(const Packet& req, const std::string& key) {
  auto lease = leases_.find_by_ip(req.ciaddr);
  if (!lease || lease->client_key != key) return {std::nullopt, "release_unknown_lease"};
  // Keep the row (so the client gets the same address back) but end it now.
  lease->expires = clock_.now();
  if (!leases_.commit(*lease)) return {std::nullopt, "lease_store_error"};
  return {};
}

Decision Responder::decline(const Packet& req, const std::string& key) {
  auto ip = req.options.ipv4(opt::kRequestedAddress);
  if (!ip || !in_range(*ip)) return {std::nullopt, "decline_unknown_address"};
  auto lease = leases_.find_by_ip(*ip);
  if (!lease || lease->client_key != key) return {std::nullopt, "decline_unknown_address"};
  // The address is in use by something we do not know: park it under a key no client has.
  Lease parked = *lease;
  parked.client_key = "declined:" + ip->to_string();
  parked.expires = clock_.now() + config_.decline_hold_seconds;
  if (!leases_.commit(parked)) return {std::nullopt, "lease_store_error"};
  return {};
}

Decision Responder::inform(const Packet& req) {
  if (req.ciaddr.is_zero()) return {std::nullopt, "inform_without_ciaddr"};
  // Configuration only: no address, no lease times (RFC 2131 section 3.4).
  return {make_reply(req, MessageType::kAck, std::nullopt), {}};
}

}  // namespace slipway::dhcp
