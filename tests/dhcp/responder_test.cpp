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

ResponderConfig lab_config() {
  ResponderConfig c;
  c.server_id = ip("198.18.0.1");
  c.subnet.subnet = *Ipv4Subnet::parse("198.18.0.0/24");
  c.subnet.range_first = ip("198.18.0.100");
  c.subnet.range_last = ip("198.18.0.102");
  c.subnet.routers = {ip("198.18.0.1")};
  c.subnet.dns_servers = {ip("198.18.0.53")};
  c.subnet.domain_name = "lab.test";
  c.subnet.lease_time = 3600;
  return c;
}

// A LeaseStore whose commits fail: the responder must not ACK what it could not store.
class FailingStore : public MemoryLeaseStore {
 public:
  Status commit(const Lease&) override { return Error{"disk full"}; }
};

// Drives whole exchanges through the responder, the way a client on the wire would: the
// "transport" is a function call, each reply is serialized and parsed again.
class Exchange : public ::testing::Test {
 protected:
  Exchange()
      : responder_(lab_config(), store_, clock_, [this](const NetbootClient& c) {
          seen_.push_back(c);
          return boot_answer_;
        }) {}

  Decision send(const Packet& p) {
    Decision d = responder_.handle(p);
    if (d.reply) {
      // Whatever we answer must survive the wire.
      auto parsed = parse(serialize(*d.reply));
      EXPECT_TRUE(std::holds_alternative<Packet>(parsed));
      d.reply = std::get<Packet>(parsed);
    }
    return d;
  }

  // DISCOVER, OFFER, REQUEST, ACK; returns the ACK.
  Packet dora(const std::string& mac, const std::function<void(Packet&)>& decorate = {}) {
    Packet discover = client_packet(MessageType::kDiscover, mac);
    if (decorate) decorate(discover);
    Decision offer = send(discover);
    EXPECT_TRUE(offer.reply) << offer.ignored;
    if (!offer.reply) return {};
    EXPECT_EQ(offer.reply->message_type(), MessageType::kOffer);
    Packet request = client_packet(MessageType::kRequest, mac);
    if (decorate) decorate(request);
    request.options.set_ipv4(opt::kServerId, *offer.reply->options.ipv4(opt::kServerId));
    request.options.set_ipv4(opt::kRequestedAddress, offer.reply->yiaddr);
    Decision ack = send(request);
    EXPECT_TRUE(ack.reply) << ack.ignored;
    return ack.reply.value_or(Packet{});
  }

  ManualClock clock_;
  MemoryLeaseStore store_;
  std::optional<BootAnswer> boot_answer_;
  std::vector<NetbootClient> seen_;
  Responder responder_;
};

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
  EXPECT_EQ(ack.options.string(opt::kDomainName), "lab.test");

  auto lease = store_.find_by_ip(ip("198.18.0.100"));
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->mac.to_string(), "52:54:00:00:00:01");
  EXPECT_EQ(lease->expires, clock_.now() + 3600);
}

TEST_F(Exchange, ClientsGetDistinctAddressesAndKeepTheirOwn) {
  EXPECT_EQ(dora("52:54:00:00:00:01").yiaddr, ip("198.18.0.100"));
  EXPECT_EQ(dora("52:54:00:00:00:02").yiaddr, ip("198.18.0.101"));
  EXPECT_EQ(dora("52:54:00:00:00:01").yiaddr, ip("198.18.0.100"));
  clock_.advance(7200);  // the lease expired, but nobody else took the address
  EXPECT_EQ(dora("52:54:00:00:00:01").yiaddr, ip("198.18.0.100"));
}

TEST_F(Exchange, ClientIdentifierIsTheKeyWhenPresent) {
  auto with_id = [](Packet& p) { p.options.set(opt::kClientId, {1, 0xaa, 0xbb}); };
  Packet a = dora("52:54:00:00:00:01", with_id);
  // Same client id behind another NIC: same lease.
  Packet b = dora("52:54:00:00:00:09", with_id);
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
  // Another MAC inside the identifier is a real identifier.
  Packet other = client_packet(MessageType::kDiscover, "52:54:00:00:00:01");
  other.options.set(opt::kClientId, {1, 0x52, 0x54, 0x00, 0x00, 0x00, 0x02});
  EXPECT_EQ(client_key(other), "id:01525400000002");
}

TEST_F(Exchange, OfferedAddressIsHeldForItsClient) {
  Decision first = send(client_packet(MessageType::kDiscover, "52:54:00:00:00:01"));
  Decision second = send(client_packet(MessageType::kDiscover, "52:54:00:00:00:02"));
  ASSERT_TRUE(first.reply && second.reply);
  EXPECT_NE(first.reply->yiaddr, second.reply->yiaddr);
}

TEST_F(Exchange, PoolExhaustionIsIgnoredWithAReason) {
  dora("52:54:00:00:00:01");
  dora("52:54:00:00:00:02");
  dora("52:54:00:00:00:03");
  Decision d = send(client_packet(MessageType::kDiscover, "52:54:00:00:00:04"));
  EXPECT_FALSE(d.reply);
  EXPECT_EQ(d.ignored, "pool_exhausted");
}

TEST_F(Exchange, ServerAddressInsideTheRangeIsNeverOffered) {
  ResponderConfig c = lab_config();
  c.server_id = ip("198.18.0.100");
  Responder r(c, store_, clock_, {});
  Decision d = r.handle(client_packet(MessageType::kDiscover, "52:54:00:00:00:01"));
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
  // The held address is free for the next client at once.
  Decision other = send(client_packet(MessageType::kDiscover, "52:54:00:00:00:02"));
  EXPECT_EQ(other.reply->yiaddr, offer.reply->yiaddr);
}

TEST_F(Exchange, NakForWrongNetworkAndForTakenAddress) {
  dora("52:54:00:00:00:01");
  Packet wrong_net = client_packet(MessageType::kRequest, "52:54:00:00:00:02");
  wrong_net.options.set_ipv4(opt::kRequestedAddress, ip("10.1.2.3"));
  Decision d = send(wrong_net);
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(d.reply->message_type(), MessageType::kNak);
  EXPECT_TRUE(d.reply->yiaddr.is_zero());
  EXPECT_TRUE(d.reply->options.string(opt::kMessage));

  Packet taken = client_packet(MessageType::kRequest, "52:54:00:00:00:02");
  taken.options.set_ipv4(opt::kRequestedAddress, ip("198.18.0.100"));
  d = send(taken);
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(d.reply->message_type(), MessageType::kNak);
  EXPECT_TRUE(reply_destination(taken, *d.reply).broadcast);
}

TEST_F(Exchange, InitRebootAndRenewKeepTheLease) {
  Packet ack = dora("52:54:00:00:00:01");
  Packet reboot = client_packet(MessageType::kRequest, "52:54:00:00:00:01");
  reboot.options.set_ipv4(opt::kRequestedAddress, ack.yiaddr);
  Decision d = send(reboot);
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(d.reply->message_type(), MessageType::kAck);

  clock_.advance(1800);
  Packet renew = client_packet(MessageType::kRequest, "52:54:00:00:00:01");
  renew.ciaddr = ack.yiaddr;
  d = send(renew);
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(d.reply->message_type(), MessageType::kAck);
  EXPECT_EQ(d.reply->yiaddr, ack.yiaddr);
  EXPECT_EQ(store_.find_by_ip(ack.yiaddr)->expires, clock_.now() + 3600);
  Destination dest = reply_destination(renew, *d.reply);
  EXPECT_FALSE(dest.broadcast);
  EXPECT_EQ(dest.ip, ack.yiaddr);
}

TEST_F(Exchange, ReleaseFreesTheAddressButRemembersTheClient) {
  Packet ack = dora("52:54:00:00:00:01");
  Packet release = client_packet(MessageType::kRelease, "52:54:00:00:00:01");
  release.ciaddr = ack.yiaddr;
  release.options.set_ipv4(opt::kServerId, ip("198.18.0.1"));
  EXPECT_FALSE(send(release).reply);
  EXPECT_EQ(dora("52:54:00:00:00:02").yiaddr, ack.yiaddr);
}

TEST_F(Exchange, ReleaseOfSomeoneElsesLeaseIsIgnored) {
  Packet ack = dora("52:54:00:00:00:01");
  Packet release = client_packet(MessageType::kRelease, "52:54:00:00:00:02");
  release.ciaddr = ack.yiaddr;
  EXPECT_EQ(send(release).ignored, "release_unknown_lease");
  EXPECT_GT(store_.find_by_ip(ack.yiaddr)->expires, clock_.now());
}

TEST_F(Exchange, DeclinedAddressIsQuarantined) {
  Packet ack = dora("52:54:00:00:00:01");
  Packet decline = client_packet(MessageType::kDecline, "52:54:00:00:00:01");
  decline.options.set_ipv4(opt::kRequestedAddress, ack.yiaddr);
  EXPECT_FALSE(send(decline).reply);
  // Neither the decliner nor anyone else gets it during the hold.
  EXPECT_NE(dora("52:54:00:00:00:01").yiaddr, ack.yiaddr);
  EXPECT_NE(dora("52:54:00:00:00:02").yiaddr, ack.yiaddr);
  clock_.advance(601);
  EXPECT_EQ(dora("52:54:00:00:00:03").yiaddr, ack.yiaddr);
}

TEST_F(Exchange, InformGetsOptionsWithoutALease) {
  Packet inform = client_packet(MessageType::kInform, "52:54:00:00:00:01");
  inform.ciaddr = ip("198.18.0.20");
  Decision d = send(inform);
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(d.reply->message_type(), MessageType::kAck);
  EXPECT_TRUE(d.reply->yiaddr.is_zero());
  EXPECT_FALSE(d.reply->options.has(opt::kLeaseTime));
  EXPECT_TRUE(d.reply->options.has(opt::kSubnetMask));
  EXPECT_TRUE(store_.all().empty());
}

TEST_F(Exchange, NoAckWhenTheLeaseCannotBeStored) {
  FailingStore failing;
  Responder r(lab_config(), failing, clock_, {});
  Packet req = client_packet(MessageType::kRequest, "52:54:00:00:00:01");
  req.options.set_ipv4(opt::kRequestedAddress, ip("198.18.0.100"));
  Decision d = r.handle(req);
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
}

TEST_F(Exchange, RelayedRequestsAreAnsweredToTheRelay) {
  Packet discover = client_packet(MessageType::kDiscover, "52:54:00:00:00:01");
  discover.giaddr = ip("198.18.0.1");
  discover.hops = 1;
  Decision d = send(discover);
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(d.reply->giaddr, ip("198.18.0.1"));
  Destination dest = reply_destination(discover, *d.reply);
  EXPECT_EQ(dest.ip, ip("198.18.0.1"));
  EXPECT_EQ(dest.port, 67);
}

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
  // The hook saw the DISCOVER (offer) and the REQUEST (ack).
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

}  // namespace
}  // namespace slipway::dhcp
