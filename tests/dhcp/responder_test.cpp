#include "dhcp/responder.h"

#include <gtest/gtest.h>

#include "dhcp/memory_lease_store.h"
#include "dhcp/options.h"
#include "tests/dhcp/packet_builder.h"

namespace slipway::dhcp {
namespace {

using testutil::add_ipxe;
using testutil::add_pxe;
using testutil::client_packet;

Ipv4 ip(const char* text) { return *Ipv4::parse(text); }

SubnetConfig lab_subnet() {
  SubnetConfig s;
  s.subnet = *Ipv4Subnet::parse("198.18.0.0/24");
  s.pools = {{ip("198.18.0.100"), ip("198.18.0.102")}};
  s.options = {{opt::kRouters, {198, 18, 0, 1}},
               {opt::kDnsServers, {198, 18, 0, 53}},
               {opt::kDomainName, {'l', 'a', 'b'}},
               {opt::kNtpServers, {198, 18, 0, 123}}};
  s.lease_time = 3600;
  s.min_lease_time = 600;
  s.max_lease_time = 7200;
  return s;
}

ResponderConfig lab_config() {
  ResponderConfig c;
  c.subnets = {lab_subnet()};
  c.own_addresses = {ip("198.18.0.1")};
  return c;
}

const Arrival kLan{"br0", ip("198.18.0.1"), 67, Ipv4{}, 68};

// A LeaseStore whose commits fail: the responder must not ACK what it could not store.
class FailingStore : public MemoryLeaseStore {
 public:
  Status commit(const Lease&) override { return Error{"disk full"}; }
};

// Drives whole exchanges through the responder, the way a client on the wire would: the
// "transport" is a function call, each reply is serialized and parsed again.
class Exchange : public ::testing::Test {
 protected:
  Exchange() { make(lab_config()); }

  void make(ResponderConfig config) {
    responder_ = std::make_unique<Responder>(
        std::move(config), store_, clock_,
        ResponderHooks{[this](const NetbootClient& c) {
                         seen_.push_back(c);
                         return boot_answer_;
                       },
                       [this](const MacAddress& mac, const std::optional<Uuid>&) {
                         auto it = names_.find(mac.to_string());
                         return it == names_.end() ? std::nullopt
                                                   : std::optional<std::string>(it->second);
                       },
                       [this](const MacAddress& mac) { heard_.push_back(mac); }});
  }

  Decision send(const Packet& p, const Arrival& arrival = kLan) {
    Decision d = responder_->handle(p, arrival);
    if (d.reply) {
      auto parsed = parse(serialize(*d.reply, d.max_size));
      EXPECT_TRUE(std::holds_alternative<Packet>(parsed));
      d.reply = std::get<Packet>(parsed);
    }
    return d;
  }

  // DISCOVER, OFFER, REQUEST, ACK; returns the ACK (or whatever answered the REQUEST).
  Packet dora(const std::string& mac, const std::function<void(Packet&)>& decorate = {},
              const Arrival& arrival = kLan) {
    Packet discover = client_packet(MessageType::kDiscover, mac);
    if (decorate) decorate(discover);
    Decision offer = send(discover, arrival);
    EXPECT_TRUE(offer.reply) << offer.ignored;
    if (!offer.reply) return {};
    EXPECT_EQ(offer.reply->message_type(), MessageType::kOffer);
    Packet request = client_packet(MessageType::kRequest, mac);
    if (decorate) decorate(request);
    request.options.set_ipv4(opt::kServerId, *offer.reply->options.ipv4(opt::kServerId));
    request.options.set_ipv4(opt::kRequestedAddress, offer.reply->yiaddr);
    Decision ack = send(request, arrival);
    EXPECT_TRUE(ack.reply) << ack.ignored;
    return ack.reply.value_or(Packet{});
  }

  Packet init_reboot(const std::string& mac, Ipv4 address) {
    Packet p = client_packet(MessageType::kRequest, mac);
    p.options.set_ipv4(opt::kRequestedAddress, address);
    return p;
  }

  ManualClock clock_;
  MemoryLeaseStore store_;
  std::optional<BootAnswer> boot_answer_;
  std::vector<NetbootClient> seen_;
  std::map<std::string, std::string> names_;
  std::vector<MacAddress> heard_;
  std::unique_ptr<Responder> responder_;
};

// --- DISCOVER / REQUEST in SELECTING ---------------------------------------------------------

TEST_F(Exchange, DoraLeasesTheFirstFreeAddressWithOptions) {
  Packet ack = dora("52:54:00:00:00:01");
  EXPECT_EQ(ack.message_type(), MessageType::kAck);
  EXPECT_EQ(ack.op, kBootReply);
  EXPECT_EQ(ack.xid, 0x1234u);
  EXPECT_EQ(ack.yiaddr, ip("198.18.0.100"));
  EXPECT_EQ(ack.options.ipv4(opt::kServerId), ip("198.18.0.1"));
  EXPECT_EQ(ack.options.ipv4(opt::kSubnetMask), ip("255.255.255.0"));
  EXPECT_EQ(ack.options.u32(opt::kLeaseTime), 3600u);
  EXPECT_EQ(ack.options.u32(opt::kRenewalTime), 1800u);
  EXPECT_EQ(ack.options.u32(opt::kRebindingTime), 3150u);
  EXPECT_EQ(ack.options.ipv4(opt::kRouters), ip("198.18.0.1"));
  EXPECT_EQ(ack.options.ipv4(opt::kDnsServers), ip("198.18.0.53"));
  EXPECT_EQ(ack.options.string(opt::kDomainName), "lab");
  auto lease = store_.find_by_ip(ip("198.18.0.100"));
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->mac.to_string(), "52:54:00:00:00:01");
  EXPECT_EQ(lease->expires, clock_.now() + 3600);
}

TEST_F(Exchange, EveryDiscoverAndRequestIsHeardOthersAreNot) {
  dora("52:54:00:00:00:01");
  ASSERT_EQ(heard_.size(), 2u);
  EXPECT_EQ(heard_[0].to_string(), "52:54:00:00:00:01");
  EXPECT_EQ(heard_[1].to_string(), "52:54:00:00:00:01");
  heard_.clear();
  send(client_packet(MessageType::kRelease, "52:54:00:00:00:01"));
  send(client_packet(MessageType::kInform, "52:54:00:00:00:01"));
  Packet offer = client_packet(MessageType::kOffer, "52:54:00:00:00:02");
  send(offer);
  EXPECT_TRUE(heard_.empty());
}

TEST_F(Exchange, OnlyAcksOfNewLeasesWaitForTheFlush) {
  Decision offer = send(client_packet(MessageType::kDiscover, "52:54:00:00:00:01"));
  ASSERT_TRUE(offer.reply);
  EXPECT_FALSE(offer.needs_flush);
  Packet request = client_packet(MessageType::kRequest, "52:54:00:00:00:01");
  request.options.set_ipv4(opt::kServerId, ip("198.18.0.1"));
  request.options.set_ipv4(opt::kRequestedAddress, offer.reply->yiaddr);
  Decision ack = send(request);
  ASSERT_TRUE(ack.reply);
  EXPECT_TRUE(ack.needs_flush);
  Decision nak = send(init_reboot("52:54:00:00:00:02", ip("10.0.0.1")));
  ASSERT_TRUE(nak.reply);
  EXPECT_FALSE(nak.needs_flush);
}

TEST_F(Exchange, ConfiguredOptionsGoOnlyToClientsThatAskForThem) {
  Packet ack = dora("52:54:00:00:00:01", [](Packet& p) {
    p.options.set(opt::kParameterRequestList, {opt::kSubnetMask, opt::kRouters});
  });
  EXPECT_TRUE(ack.options.has(opt::kRouters));
  EXPECT_FALSE(ack.options.has(opt::kDnsServers));
  EXPECT_FALSE(ack.options.has(opt::kNtpServers));
  EXPECT_TRUE(ack.options.has(opt::kLeaseTime));  // required ones always go
  Packet all = dora("52:54:00:00:00:02");         // no list: everything configured
  EXPECT_EQ(all.options.ipv4(opt::kNtpServers), ip("198.18.0.123"));
}

TEST_F(Exchange, RequestedLeaseTimeIsClampedToTheSubnetLimits) {
  auto asking = [](uint32_t seconds) {
    return [seconds](Packet& p) { p.options.set_u32(opt::kLeaseTime, seconds); };
  };
  EXPECT_EQ(dora("52:54:00:00:00:01", asking(60)).options.u32(opt::kLeaseTime), 600u);
  EXPECT_EQ(dora("52:54:00:00:00:02", asking(99999)).options.u32(opt::kLeaseTime), 7200u);
  Packet ack = dora("52:54:00:00:00:03", asking(1000));
  EXPECT_EQ(ack.options.u32(opt::kLeaseTime), 1000u);
  EXPECT_EQ(ack.options.u32(opt::kRenewalTime), 500u);
  EXPECT_EQ(ack.options.u32(opt::kRebindingTime), 875u);
}

TEST_F(Exchange, ClientsGetDistinctAddressesAndKeepTheirOwn) {
  EXPECT_EQ(dora("52:54:00:00:00:01").yiaddr, ip("198.18.0.100"));
  EXPECT_EQ(dora("52:54:00:00:00:02").yiaddr, ip("198.18.0.101"));
  EXPECT_EQ(dora("52:54:00:00:00:01").yiaddr, ip("198.18.0.100"));
  clock_.advance(7200);  // the lease expired, but nobody else took the address
  responder_->reclaim();
  EXPECT_EQ(dora("52:54:00:00:00:01").yiaddr, ip("198.18.0.100"));
}

TEST_F(Exchange, NewClientsGetNeverUsedAddressesBeforeExpiredOnes) {
  EXPECT_EQ(dora("52:54:00:00:00:01").yiaddr, ip("198.18.0.100"));
  clock_.advance(7200);
  EXPECT_EQ(responder_->reclaim(), 1u);
  // .100 is free again but remembered: newcomers get .101 and .102 first...
  EXPECT_EQ(dora("52:54:00:00:00:02").yiaddr, ip("198.18.0.101"));
  EXPECT_EQ(dora("52:54:00:00:00:03").yiaddr, ip("198.18.0.102"));
  // ...and only then the expired one.
  EXPECT_EQ(dora("52:54:00:00:00:04").yiaddr, ip("198.18.0.100"));
  EXPECT_EQ(store_.find_by_client("mac:52:54:00:00:00:01"), std::nullopt);
}

TEST_F(Exchange, ClientIdentifierIsTheKeyWhenPresent) {
  auto with_id = [](Packet& p) { p.options.set(opt::kClientId, {0, 0xaa, 0xbb}); };
  Packet a = dora("52:54:00:00:00:01", with_id);
  Packet b = dora("52:54:00:00:00:09", with_id);  // same identifier behind another NIC
  EXPECT_EQ(a.yiaddr, b.yiaddr);
  EXPECT_EQ(store_.all().size(), 1u);
}

TEST_F(Exchange, ClientIdentifierThatIsJustTheMacIsTheSameClient) {
  // UEFI PXE sends 61 = 01:<mac>; the iPXE it loads sends no 61. Same machine, same lease.
  Packet uefi = dora("52:54:00:00:00:01", [](Packet& p) {
    p.options.set(opt::kClientId, {1, 0x52, 0x54, 0x00, 0x00, 0x00, 0x01});
  });
  Packet ipxe = dora("52:54:00:00:00:01");
  EXPECT_EQ(uefi.yiaddr, ipxe.yiaddr);
  EXPECT_EQ(store_.all().size(), 1u);
  Packet other = client_packet(MessageType::kDiscover, "52:54:00:00:00:01");
  other.options.set(opt::kClientId, {1, 0x52, 0x54, 0x00, 0x00, 0x00, 0x02});
  EXPECT_EQ(client_key(other), "id:01525400000002");
}

TEST_F(Exchange, OfferedAddressIsHeldForItsClientThenReclaimed) {
  Decision first = send(client_packet(MessageType::kDiscover, "52:54:00:00:00:01"));
  Decision second = send(client_packet(MessageType::kDiscover, "52:54:00:00:00:02"));
  ASSERT_TRUE(first.reply && second.reply);
  EXPECT_NE(first.reply->yiaddr, second.reply->yiaddr);
  clock_.advance(31);
  EXPECT_EQ(responder_->reclaim(), 2u);
}

TEST_F(Exchange, ClientAsksForAFreeAddressAndGetsIt) {
  Packet discover = client_packet(MessageType::kDiscover, "52:54:00:00:00:01");
  discover.options.set_ipv4(opt::kRequestedAddress, ip("198.18.0.102"));
  EXPECT_EQ(send(discover).reply->yiaddr, ip("198.18.0.102"));
  Packet outside = client_packet(MessageType::kDiscover, "52:54:00:00:00:02");
  outside.options.set_ipv4(opt::kRequestedAddress, ip("198.18.0.50"));  // not in a pool
  EXPECT_EQ(send(outside).reply->yiaddr, ip("198.18.0.100"));
}

TEST_F(Exchange, PoolExhaustionIsIgnoredWithAReason) {
  dora("52:54:00:00:00:01");
  dora("52:54:00:00:00:02");
  dora("52:54:00:00:00:03");
  Decision d = send(client_packet(MessageType::kDiscover, "52:54:00:00:00:04"));
  EXPECT_FALSE(d.reply);
  EXPECT_EQ(d.ignored, "pool_exhausted");
}

TEST_F(Exchange, ServerAddressInsideThePoolIsNeverOffered) {
  ResponderConfig c = lab_config();
  c.own_addresses = {ip("198.18.0.100")};
  make(c);
  Decision d = send(client_packet(MessageType::kDiscover, "52:54:00:00:00:01"));
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(d.reply->yiaddr, ip("198.18.0.101"));
}

TEST_F(Exchange, RequestForAnotherServerReleasesOurOffer) {
  Decision offer = send(client_packet(MessageType::kDiscover, "52:54:00:00:00:01"));
  ASSERT_TRUE(offer.reply);
  Packet req = client_packet(MessageType::kRequest, "52:54:00:00:00:01");
  req.options.set_ipv4(opt::kServerId, ip("198.18.0.254"));
  req.options.set_ipv4(opt::kRequestedAddress, ip("198.18.0.150"));
  Decision d = send(req);
  EXPECT_FALSE(d.reply);
  EXPECT_EQ(d.ignored, "for_other_server");
  Decision other = send(client_packet(MessageType::kDiscover, "52:54:00:00:00:02"));
  EXPECT_EQ(other.reply->yiaddr, offer.reply->yiaddr);
}

TEST_F(Exchange, NakForWrongNetworkAndForTakenAddress) {
  dora("52:54:00:00:00:01");
  Decision d = send(init_reboot("52:54:00:00:00:02", ip("10.1.2.3")));
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(d.reply->message_type(), MessageType::kNak);
  EXPECT_TRUE(d.reply->yiaddr.is_zero());
  EXPECT_TRUE(d.reply->options.string(opt::kMessage));
  EXPECT_EQ(d.delivery.kind, Delivery::Kind::kBroadcast);

  Packet taken = client_packet(MessageType::kRequest, "52:54:00:00:00:02");
  taken.options.set_ipv4(opt::kServerId, ip("198.18.0.1"));
  taken.options.set_ipv4(opt::kRequestedAddress, ip("198.18.0.100"));
  d = send(taken);
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(d.reply->message_type(), MessageType::kNak);
}

// --- INIT-REBOOT, RENEWING, REBINDING ----------------------------------------------------------

TEST_F(Exchange, InitRebootWithItsOwnLeaseIsAcked) {
  Packet ack = dora("52:54:00:00:00:01");
  Decision d = send(init_reboot("52:54:00:00:00:01", ack.yiaddr));
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(d.reply->message_type(), MessageType::kAck);
  EXPECT_EQ(d.reply->yiaddr, ack.yiaddr);
}

TEST_F(Exchange, InitRebootWithoutARecordIsNakedWhenAuthoritativeElseSilent) {
  Decision d = send(init_reboot("52:54:00:00:00:01", ip("198.18.0.101")));
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(d.reply->message_type(), MessageType::kNak);

  ResponderConfig c = lab_config();
  c.authoritative = false;
  make(c);
  d = send(init_reboot("52:54:00:00:00:01", ip("198.18.0.101")));
  EXPECT_FALSE(d.reply);
  EXPECT_EQ(d.ignored, "unknown_lease");
}

TEST_F(Exchange, RenewingIsUnicastAndExtendsTheLease) {
  Packet ack = dora("52:54:00:00:00:01");
  clock_.advance(1800);
  Packet renew = client_packet(MessageType::kRequest, "52:54:00:00:00:01");
  renew.ciaddr = ack.yiaddr;
  Decision d = send(renew, Arrival{"br0", ip("198.18.0.1"), 67, ack.yiaddr, 68});
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(d.reply->message_type(), MessageType::kAck);
  EXPECT_EQ(d.reply->yiaddr, ack.yiaddr);
  EXPECT_EQ(d.reply->ciaddr, ack.yiaddr);
  EXPECT_EQ(store_.find_by_ip(ack.yiaddr)->expires, clock_.now() + 3600);
  EXPECT_EQ(d.delivery.kind, Delivery::Kind::kUnicast);
  EXPECT_EQ(d.delivery.ip, ack.yiaddr);
  EXPECT_EQ(d.delivery.port, 68);
}

TEST_F(Exchange, RenewalsDoNotGrowTheExpirySchedule) {
  Packet ack = dora("52:54:00:00:00:01");
  for (int i = 0; i < 100; ++i) {
    clock_.advance(10);
    Packet renew = client_packet(MessageType::kRequest, "52:54:00:00:00:01");
    renew.ciaddr = ack.yiaddr;
    ASSERT_EQ(send(renew).reply->message_type(), MessageType::kAck);
  }
  EXPECT_EQ(responder_->scheduled_expiries(), 1u);
  clock_.advance(3500);  // past the first expiry, not the renewed one
  EXPECT_EQ(responder_->reclaim(), 0u);
  EXPECT_EQ(responder_->scheduled_expiries(), 1u);  // rescheduled for the renewed expiry
  clock_.advance(3600);
  EXPECT_EQ(responder_->reclaim(), 1u);
  EXPECT_EQ(responder_->scheduled_expiries(), 0u);
}

TEST_F(Exchange, RebindingIsAnsweredLikeRenewing) {
  Packet ack = dora("52:54:00:00:00:01");
  clock_.advance(3200);
  Packet rebind = client_packet(MessageType::kRequest, "52:54:00:00:00:01");
  rebind.ciaddr = ack.yiaddr;
  rebind.flags = kBroadcastFlag;  // sent to the broadcast address
  Decision d = send(rebind);
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(d.reply->message_type(), MessageType::kAck);
  EXPECT_EQ(d.delivery.kind, Delivery::Kind::kUnicast);
}

TEST_F(Exchange, RenewingSomeoneElsesAddressIsNaked) {
  Packet ack = dora("52:54:00:00:00:01");
  Packet renew = client_packet(MessageType::kRequest, "52:54:00:00:00:02");
  renew.ciaddr = ack.yiaddr;
  Decision d = send(renew);
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(d.reply->message_type(), MessageType::kNak);
  EXPECT_EQ(store_.find_by_ip(ack.yiaddr)->mac.to_string(), "52:54:00:00:00:01");
}

// --- RELEASE, DECLINE, INFORM ------------------------------------------------------------------

TEST_F(Exchange, ReleaseFreesTheAddressButRemembersTheClient) {
  Packet ack = dora("52:54:00:00:00:01");
  Packet release = client_packet(MessageType::kRelease, "52:54:00:00:00:01");
  release.ciaddr = ack.yiaddr;
  release.options.set_ipv4(opt::kServerId, ip("198.18.0.1"));
  EXPECT_FALSE(send(release).reply);
  EXPECT_EQ(store_.find_by_ip(ack.yiaddr)->expires, clock_.now());
  // The released client comes back to its address...
  EXPECT_EQ(dora("52:54:00:00:00:01").yiaddr, ack.yiaddr);
}

TEST_F(Exchange, ReleasedAddressGoesToOthersWhenNothingElseIsFree) {
  dora("52:54:00:00:00:02");
  dora("52:54:00:00:00:03");
  Packet ack = dora("52:54:00:00:00:01");
  Packet release = client_packet(MessageType::kRelease, "52:54:00:00:00:01");
  release.ciaddr = ack.yiaddr;
  send(release);
  EXPECT_EQ(dora("52:54:00:00:00:04").yiaddr, ack.yiaddr);
}

TEST_F(Exchange, ReleaseOfSomeoneElsesLeaseIsIgnored) {
  Packet ack = dora("52:54:00:00:00:01");
  Packet release = client_packet(MessageType::kRelease, "52:54:00:00:00:02");
  release.ciaddr = ack.yiaddr;
  EXPECT_EQ(send(release).ignored, "release_unknown_lease");
  EXPECT_GT(store_.find_by_ip(ack.yiaddr)->expires, clock_.now());
}

TEST_F(Exchange, DeclinedAddressIsQuarantinedThenReclaimed) {
  Packet ack = dora("52:54:00:00:00:01");
  Packet decline = client_packet(MessageType::kDecline, "52:54:00:00:00:01");
  decline.options.set_ipv4(opt::kRequestedAddress, ack.yiaddr);
  EXPECT_FALSE(send(decline).reply);
  EXPECT_NE(dora("52:54:00:00:00:01").yiaddr, ack.yiaddr);
  EXPECT_NE(dora("52:54:00:00:00:02").yiaddr, ack.yiaddr);
  EXPECT_EQ(send(client_packet(MessageType::kDiscover, "52:54:00:00:00:03")).ignored,
            "pool_exhausted");
  clock_.advance(601);
  responder_->reclaim();
  EXPECT_FALSE(store_.find_by_ip(ack.yiaddr));  // the quarantine left no trace
  EXPECT_EQ(dora("52:54:00:00:00:03").yiaddr, ack.yiaddr);
}

TEST_F(Exchange, InformGetsOptionsWithoutALease) {
  Packet inform = client_packet(MessageType::kInform, "52:54:00:00:00:01");
  inform.ciaddr = ip("198.18.0.20");
  Decision d = send(inform, Arrival{"br0", ip("198.18.0.1"), 67, ip("198.18.0.20"), 68});
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(d.reply->message_type(), MessageType::kAck);
  EXPECT_TRUE(d.reply->yiaddr.is_zero());
  EXPECT_FALSE(d.reply->options.has(opt::kLeaseTime));
  EXPECT_TRUE(d.reply->options.has(opt::kRouters));
  EXPECT_EQ(d.delivery.kind, Delivery::Kind::kUnicast);
  EXPECT_EQ(d.delivery.ip, ip("198.18.0.20"));
  EXPECT_TRUE(store_.all().empty());
}

TEST_F(Exchange, NoAckWhenTheLeaseCannotBeStored) {
  FailingStore failing;
  Responder r(lab_config(), failing, clock_, {});
  Packet req = client_packet(MessageType::kRequest, "52:54:00:00:00:01");
  req.options.set_ipv4(opt::kServerId, ip("198.18.0.1"));
  req.options.set_ipv4(opt::kRequestedAddress, ip("198.18.0.100"));
  Decision d = r.handle(req, kLan);
  EXPECT_FALSE(d.reply);
  EXPECT_EQ(d.ignored, "lease_store_error");
}

TEST_F(Exchange, IgnoresWhatIsNotAClientRequest) {
  Packet reply = client_packet(MessageType::kOffer, "52:54:00:00:00:01");
  reply.op = kBootReply;
  EXPECT_EQ(send(reply).ignored, "not_a_request");
  Packet no_type = client_packet(MessageType::kDiscover, "52:54:00:00:00:01");
  no_type.options.erase(opt::kMessageType);
  EXPECT_EQ(send(no_type).ignored, "no_message_type");
  Packet token_ring = client_packet(MessageType::kDiscover, "52:54:00:00:00:01");
  token_ring.htype = 6;
  EXPECT_EQ(send(token_ring).ignored, "not_ethernet");
  EXPECT_EQ(send(client_packet(MessageType::kDiscover, "52:54:00:00:00:01"),
                 Arrival{"eth9", ip("10.0.0.1"), 67, Ipv4{}, 68})
                .ignored,
            "no_subnet");
}

// --- delivery ----------------------------------------------------------------------------------

TEST_F(Exchange, ClientsWithoutAnAddressGetUnicastToChaddrUnlessTheyAskForBroadcast) {
  Decision unicast = send(client_packet(MessageType::kDiscover, "52:54:00:00:00:01"));
  EXPECT_EQ(unicast.delivery.kind, Delivery::Kind::kUnicastToChaddr);
  EXPECT_EQ(unicast.delivery.mac.to_string(), "52:54:00:00:00:01");
  EXPECT_EQ(unicast.delivery.ip, unicast.reply->yiaddr);
  EXPECT_EQ(unicast.delivery.port, 68);

  Packet broadcast = client_packet(MessageType::kDiscover, "52:54:00:00:00:02");
  broadcast.flags = kBroadcastFlag;
  Decision d = send(broadcast);
  EXPECT_EQ(d.delivery.kind, Delivery::Kind::kBroadcast);
  EXPECT_TRUE(d.reply->broadcast());  // flags echoed
}

TEST_F(Exchange, MaximumMessageSizeIsHonoured) {
  EXPECT_EQ(reply_size_limit(client_packet(MessageType::kDiscover, "52:54:00:00:00:01")), 548u);
  Packet big = client_packet(MessageType::kDiscover, "52:54:00:00:00:01");
  big.options.set_u16(opt::kMaxMessageSize, 1500);
  EXPECT_EQ(reply_size_limit(big), 1472u);
  big.options.set_u16(opt::kMaxMessageSize, 300);  // below the RFC minimum: ignored
  EXPECT_EQ(reply_size_limit(big), 548u);
  big.options.set_u16(opt::kMaxMessageSize, 9000);
  EXPECT_EQ(send(big).max_size, 1472u);
}

// --- subnets and relays ------------------------------------------------------------------------

ResponderConfig two_subnets() {
  ResponderConfig c = lab_config();
  SubnetConfig remote;
  remote.subnet = *Ipv4Subnet::parse("198.19.5.0/24");
  remote.pools = {{ip("198.19.5.10"), ip("198.19.5.20")}};
  remote.options = {{opt::kRouters, {198, 19, 5, 1}}};
  c.subnets.push_back(remote);
  SubnetConfig by_name;
  by_name.subnet = *Ipv4Subnet::parse("198.19.9.0/24");
  by_name.interface = "br9";
  by_name.pools = {{ip("198.19.9.10"), ip("198.19.9.20")}};
  c.subnets.push_back(by_name);
  return c;
}

TEST_F(Exchange, RelayedRequestsUseTheRelaysSubnetAndGoBackThroughIt) {
  make(two_subnets());
  auto relayed = [](Packet& p) {
    p.giaddr = *Ipv4::parse("198.19.5.1");
    p.hops = 1;
    p.options.set(opt::kRelayAgentInfo, {1, 3, 'p', '1', '2', 2, 2, 0xab, 0xcd});
  };
  Packet discover = client_packet(MessageType::kDiscover, "52:54:00:00:00:01");
  relayed(discover);
  Decision offer = send(discover);
  ASSERT_TRUE(offer.reply);
  EXPECT_EQ(offer.reply->yiaddr, ip("198.19.5.10"));
  EXPECT_EQ(offer.reply->giaddr, ip("198.19.5.1"));
  EXPECT_EQ(offer.reply->options.ipv4(opt::kRouters), ip("198.19.5.1"));
  EXPECT_EQ(offer.delivery.kind, Delivery::Kind::kRelay);
  EXPECT_EQ(offer.delivery.ip, ip("198.19.5.1"));
  EXPECT_EQ(offer.delivery.port, 67);
  // Option 82 comes back unchanged, last.
  ASSERT_FALSE(offer.reply->options.entries().empty());
  EXPECT_EQ(offer.reply->options.entries().back().first, opt::kRelayAgentInfo);
  EXPECT_EQ(offer.reply->options.entries().back().second,
            (std::vector<uint8_t>{1, 3, 'p', '1', '2', 2, 2, 0xab, 0xcd}));
  Packet ack = dora("52:54:00:00:00:01", relayed);
  EXPECT_EQ(ack.yiaddr, ip("198.19.5.10"));
}

TEST_F(Exchange, NakThroughARelayHasTheBroadcastFlag) {
  make(two_subnets());
  Packet req = init_reboot("52:54:00:00:00:01", ip("198.18.0.100"));  // wrong for the relay's net
  req.giaddr = ip("198.19.5.1");
  Decision d = send(req);
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(d.reply->message_type(), MessageType::kNak);
  EXPECT_TRUE(d.reply->broadcast());
  EXPECT_EQ(d.delivery.kind, Delivery::Kind::kRelay);
}

TEST_F(Exchange, RelayForAnUnknownNetworkIsIgnored) {
  Packet p = client_packet(MessageType::kDiscover, "52:54:00:00:00:01");
  p.giaddr = ip("203.0.113.1");
  EXPECT_EQ(send(p).ignored, "no_subnet");
}

TEST_F(Exchange, SubnetByArrivalInterface) {
  make(two_subnets());
  Decision d = send(client_packet(MessageType::kDiscover, "52:54:00:00:00:01"),
                    Arrival{"br9", ip("10.9.9.9"), 67, Ipv4{}, 68});
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(d.reply->yiaddr, ip("198.19.9.10"));
  EXPECT_EQ(d.reply->options.ipv4(opt::kServerId), ip("10.9.9.9"));
}

// --- reservations and host names ---------------------------------------------------------------

ResponderConfig with_reservations() {
  ResponderConfig c = lab_config();
  Reservation by_mac;
  by_mac.mac = MacAddress::parse("52:54:00:00:00:0a");
  by_mac.ip = ip("198.18.0.10");
  by_mac.hostname = "node-a";
  Reservation by_id;
  by_id.client_id = {0, 's', 'e', 'r', 'v', 'e', 'r'};
  by_id.ip = ip("198.18.0.11");
  Reservation by_uuid;
  by_uuid.uuid = Uuid::parse("5a1e0001-0000-4000-8000-0000000000cc");
  by_uuid.ip = ip("198.18.0.12");
  c.subnets[0].reservations = {by_mac, by_id, by_uuid};
  return c;
}

TEST_F(Exchange, ReservationsByMacClientIdAndUuid) {
  make(with_reservations());
  Packet a = dora("52:54:00:00:00:0a");
  EXPECT_EQ(a.yiaddr, ip("198.18.0.10"));
  EXPECT_EQ(a.options.string(opt::kHostName), "node-a");
  Packet b = dora("52:54:00:00:00:0b", [](Packet& p) {
    p.options.set(opt::kClientId, {0, 's', 'e', 'r', 'v', 'e', 'r'});
  });
  EXPECT_EQ(b.yiaddr, ip("198.18.0.11"));
  Packet c = dora("52:54:00:00:00:0c",
                  [](Packet& p) { add_pxe(p, 0, "5a1e0001-0000-4000-8000-0000000000cc"); });
  EXPECT_EQ(c.yiaddr, ip("198.18.0.12"));
}

TEST_F(Exchange, ReservedAddressesAreRefusedToOthersAndOwnersStayOnThem) {
  make(with_reservations());
  Packet thief = client_packet(MessageType::kRequest, "52:54:00:00:00:99");
  thief.options.set_ipv4(opt::kServerId, ip("198.18.0.1"));
  thief.options.set_ipv4(opt::kRequestedAddress, ip("198.18.0.10"));
  EXPECT_EQ(send(thief).reply->message_type(), MessageType::kNak);
  // The owner rebooting with an old pool address is sent back to DISCOVER its reservation.
  Decision d = send(init_reboot("52:54:00:00:00:0a", ip("198.18.0.100")));
  EXPECT_EQ(d.reply->message_type(), MessageType::kNak);
}

TEST_F(Exchange, HostNameFromTheInventory) {
  names_["52:54:00:00:00:01"] = "m-525400000001";
  EXPECT_EQ(dora("52:54:00:00:00:01").options.string(opt::kHostName), "m-525400000001");
  EXPECT_FALSE(dora("52:54:00:00:00:02").options.has(opt::kHostName));
}

// --- boot data and proxy mode ------------------------------------------------------------------

TEST_F(Exchange, BootDataGoesToNetbootClientsOnly) {
  boot_answer_ = BootAnswer{"undionly.kpxe", ip("198.18.0.1"), "PXEClient", "slipway", true};
  Packet ack = dora("52:54:00:00:00:01",
                    [](Packet& p) { add_pxe(p, 0, "5a1e0001-0000-4000-8000-000000000001"); });
  EXPECT_EQ(ack.file, "undionly.kpxe");
  EXPECT_EQ(ack.siaddr, ip("198.18.0.1"));
  EXPECT_EQ(ack.options.string(opt::kVendorClass), "PXEClient");
  EXPECT_EQ(ack.options.string(opt::kUserClass), "slipway");
  EXPECT_EQ(*ack.options.find(opt::kIpxeEncap), (std::vector<uint8_t>{176, 1, 1}));
  EXPECT_EQ(*ack.options.find(opt::kVendorSpecific), (std::vector<uint8_t>{6, 1, 8, 255}));
  EXPECT_EQ(ack.options.find(opt::kClientMachineId)->size(), 17u);
  ASSERT_EQ(seen_.size(), 2u);
  EXPECT_FALSE(seen_[0].committing);
  EXPECT_TRUE(seen_[1].committing);
  EXPECT_EQ(seen_[1].uuid->to_string(), "5a1e0001-0000-4000-8000-000000000001");

  Packet plain = dora("52:54:00:00:00:02");
  EXPECT_TRUE(plain.file.empty());
  EXPECT_TRUE(plain.siaddr.is_zero());
  EXPECT_EQ(seen_.size(), 2u);
}

TEST_F(Exchange, LongBootUrlGoesIntoOption67) {
  std::string url = "http://appliance.example.org:8080/boot/ipxe?mac=52:54:00:00:00:01&uuid=" +
                    std::string(80, 'x');
  boot_answer_ = BootAnswer{url, std::nullopt, "", "", true};
  Packet ack = dora("52:54:00:00:00:01", [](Packet& p) { add_ipxe(p); });
  EXPECT_TRUE(ack.file.empty());
  EXPECT_EQ(ack.options.string(opt::kBootfileName), url);
}

// UEFI HTTP Boot (edk2's HttpBootDxe) takes an offer as an HTTP Boot offer only when option 60
// starts with "HTTPClient"; the URI comes from the file field or option 67.
TEST_F(Exchange, HttpBootClientsGetHttpClientAndTheUrl) {
  std::string url = "http://198.18.0.1:8080/assets/ipxe.efi";
  boot_answer_ = BootAnswer{url, std::nullopt, "HTTPClient", "slipway", true};
  Packet ack = dora("52:54:00:00:00:01", [](Packet& p) {
    p.options.set_string(opt::kVendorClass, "HTTPClient:Arch:00016:UNDI:003001");
    p.options.set_u16(opt::kClientArch, 16);
  });
  ASSERT_EQ(seen_.size(), 2u);
  EXPECT_EQ(seen_[1].protocol, BootProtocol::kHttp);
  EXPECT_EQ(ack.message_type(), MessageType::kAck);
  EXPECT_EQ(ack.file, url);
  EXPECT_EQ(ack.options.string(opt::kVendorClass), "HTTPClient");
  EXPECT_TRUE(ack.siaddr.is_zero());
  // PXE's boot server discovery control is for PXE clients only.
  EXPECT_FALSE(ack.options.has(opt::kVendorSpecific));
}

class Proxy : public Exchange {
 protected:
  Proxy() {
    ResponderConfig c;
    c.mode = Mode::kProxy;
    c.own_addresses = {ip("198.18.0.1")};
    make(c);
    boot_answer_ = BootAnswer{"undionly.kpxe", ip("198.18.0.1"), "", "slipway", true};
  }
};

TEST_F(Proxy, AnswersNetbootDiscoversWithBootDataAndNoAddress) {
  Packet discover = client_packet(MessageType::kDiscover, "52:54:00:00:00:01");
  add_pxe(discover, 0, "5a1e0001-0000-4000-8000-000000000001");
  Decision d = send(discover);
  ASSERT_TRUE(d.reply) << d.ignored;
  EXPECT_EQ(d.reply->message_type(), MessageType::kOffer);
  EXPECT_TRUE(d.reply->yiaddr.is_zero());
  EXPECT_EQ(d.reply->file, "undionly.kpxe");
  EXPECT_EQ(d.reply->siaddr, ip("198.18.0.1"));
  EXPECT_EQ(d.reply->options.string(opt::kVendorClass), "PXEClient");
  EXPECT_EQ(d.reply->options.ipv4(opt::kServerId), ip("198.18.0.1"));
  EXPECT_FALSE(d.reply->options.has(opt::kLeaseTime));
  EXPECT_FALSE(d.reply->options.has(opt::kSubnetMask));
  EXPECT_FALSE(d.reply->options.has(opt::kIpxeEncap));
  EXPECT_EQ(d.delivery.kind, Delivery::Kind::kBroadcast);
  EXPECT_TRUE(store_.all().empty());
}

TEST_F(Proxy, LeavesPlainClientsAndRequestsToTheMainServer) {
  EXPECT_EQ(send(client_packet(MessageType::kDiscover, "52:54:00:00:00:01")).ignored,
            "proxy_not_netboot");
  Packet request = client_packet(MessageType::kRequest, "52:54:00:00:00:01");
  add_pxe(request, 0, "5a1e0001-0000-4000-8000-000000000001");
  request.options.set_ipv4(opt::kServerId, ip("198.18.0.254"));
  EXPECT_EQ(send(request).ignored, "proxy_leaves_to_main_server");
}

TEST_F(Proxy, AnswersBootServiceRequestsOnPort4011ByUnicast) {
  Packet request = client_packet(MessageType::kRequest, "52:54:00:00:00:01");
  add_pxe(request, 7, "5a1e0001-0000-4000-8000-000000000001");
  request.ciaddr = ip("198.18.0.77");
  Decision d = send(request, Arrival{"br0", ip("198.18.0.1"), 4011, ip("198.18.0.77"), 68});
  ASSERT_TRUE(d.reply) << d.ignored;
  EXPECT_EQ(d.reply->message_type(), MessageType::kAck);
  EXPECT_EQ(d.reply->file, "undionly.kpxe");
  EXPECT_EQ(d.delivery.kind, Delivery::Kind::kUnicast);
  EXPECT_EQ(d.delivery.ip, ip("198.18.0.77"));
  EXPECT_EQ(d.delivery.port, 68);
}

TEST_F(Exchange, ServerModeIgnoresTheBootServicePort) {
  Packet p = client_packet(MessageType::kRequest, "52:54:00:00:00:01");
  EXPECT_EQ(send(p, Arrival{"br0", ip("198.18.0.1"), 4011, ip("198.18.0.9"), 68}).ignored,
            "boot_service_port_in_server_mode");
}

}  // namespace
}  // namespace slipway::dhcp
