#include "dhcp/rogue_detector.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "common/metrics.h"
#include "dhcp/options.h"
#include "dhcp/packet.h"
#include "dhcp/udp_frame.h"
#include "tests/dhcp/packet_builder.h"

namespace slipway::dhcp {
namespace {

Ipv4 ip(const char* text) { return *Ipv4::parse(text); }
MacAddress mac(const char* text) { return *MacAddress::parse(text); }

constexpr const char* kClientMac = "52:54:00:41:00:03";

Packet server_reply(MessageType type, const char* server_id = "198.18.41.1") {
  Packet p = testutil::client_packet(type, kClientMac, 0x5d984d5c);
  p.op = kBootReply;
  if (type != MessageType::kNak) p.yiaddr = ip("198.18.41.138");
  if (server_id != nullptr) p.options.set_ipv4(opt::kServerId, ip(server_id));
  return p;
}

struct FrameSpec {
  const char* src_mac = "52:54:00:41:00:01";
  const char* src_ip = "198.18.41.1";
  uint16_t src_port = 67;
  uint16_t dst_port = 68;
};

std::vector<uint8_t> frame_of(std::span<const uint8_t> payload, const FrameSpec& spec = {}) {
  auto packet =
      build_ipv4_udp(ip(spec.src_ip), spec.src_port, ip("255.255.255.255"), spec.dst_port, payload);
  std::vector<uint8_t> frame(6, 0xff);
  auto src = mac(spec.src_mac).bytes();
  frame.insert(frame.end(), src.begin(), src.end());
  frame.insert(frame.end(), {0x08, 0x00});
  frame.insert(frame.end(), packet.begin(), packet.end());
  return frame;
}

std::vector<uint8_t> frame_of(const Packet& p, const FrameSpec& spec = {}) {
  return frame_of(serialize(p), spec);
}

// --- inspect_frame --------------------------------------------------------------------------

TEST(InspectFrame, ReadsAnOffer) {
  auto s = inspect_frame(frame_of(server_reply(MessageType::kOffer)));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->server_id.to_string(), "198.18.41.1");
  EXPECT_EQ(s->mac.to_string(), "52:54:00:41:00:01");
  EXPECT_EQ(s->source_ip.to_string(), "198.18.41.1");
  EXPECT_EQ(s->type, MessageType::kOffer);
  EXPECT_EQ(s->yiaddr.to_string(), "198.18.41.138");
  ASSERT_TRUE(s->client_mac);
  EXPECT_EQ(s->client_mac->to_string(), kClientMac);
}

TEST(InspectFrame, ReadsAckAndNak) {
  auto ack = inspect_frame(frame_of(server_reply(MessageType::kAck)));
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->type, MessageType::kAck);
  auto nak = inspect_frame(frame_of(server_reply(MessageType::kNak)));
  ASSERT_TRUE(nak);
  EXPECT_EQ(nak->type, MessageType::kNak);
  EXPECT_TRUE(nak->yiaddr.is_zero());
}

TEST(InspectFrame, ServerIdIsOption54NotTheSource) {
  // A relay forwards the reply from its own address; option 54 still names the server.
  FrameSpec relayed;
  relayed.src_ip = "198.18.42.1";
  relayed.src_mac = "52:54:00:42:00:01";
  auto s = inspect_frame(frame_of(server_reply(MessageType::kOffer, "198.18.0.9"), relayed));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->server_id.to_string(), "198.18.0.9");
  EXPECT_EQ(s->source_ip.to_string(), "198.18.42.1");
  EXPECT_EQ(s->mac.to_string(), "52:54:00:42:00:01");
}

TEST(InspectFrame, WithoutOption54TheSourceIsTheServer) {
  auto s = inspect_frame(frame_of(server_reply(MessageType::kOffer, nullptr)));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->server_id.to_string(), "198.18.41.1");
}

TEST(InspectFrame, ReadsTheRealUdhcpdCapture) {
  std::ifstream in(std::string(SLIPWAY_SOURCE_DIR) + "/tests/dhcp/captures/udhcpd-offer-frame.bin",
                   std::ios::binary);
  std::vector<uint8_t> frame((std::istreambuf_iterator<char>(in)), {});
  auto s = inspect_frame(frame);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->server_id.to_string(), "198.18.41.1");
  EXPECT_EQ(s->mac.to_string(), "52:54:00:41:00:01");
  EXPECT_EQ(s->type, MessageType::kOffer);
  EXPECT_EQ(s->yiaddr.to_string(), "198.18.41.138");
  EXPECT_EQ(s->client_mac->to_string(), kClientMac);
}

TEST(InspectFrame, IgnoresRequests) {
  // A client's packets: BOOTREQUEST, whatever port they come from.
  Packet discover = testutil::client_packet(MessageType::kDiscover, kClientMac);
  EXPECT_FALSE(inspect_frame(frame_of(discover)));
  FrameSpec from_client;
  from_client.src_port = 68;
  from_client.dst_port = 67;
  EXPECT_FALSE(inspect_frame(frame_of(discover, from_client)));
  // A BOOTREQUEST that claims to be an OFFER is still a request.
  Packet odd = server_reply(MessageType::kOffer);
  odd.op = kBootRequest;
  EXPECT_FALSE(inspect_frame(frame_of(odd)));
}

TEST(InspectFrame, IgnoresRepliesOfOtherTypes) {
  Packet p = server_reply(MessageType::kOffer);
  p.options.set_u8(opt::kMessageType, static_cast<uint8_t>(MessageType::kInform));
  EXPECT_FALSE(inspect_frame(frame_of(p)));
  p.options.erase(opt::kMessageType);  // plain BOOTP
  EXPECT_FALSE(inspect_frame(frame_of(p)));
}

TEST(InspectFrame, IgnoresOtherSourcePorts) {
  FrameSpec spec;
  spec.src_port = 1067;
  EXPECT_FALSE(inspect_frame(frame_of(server_reply(MessageType::kOffer), spec)));
  spec.src_port = 68;
  EXPECT_FALSE(inspect_frame(frame_of(server_reply(MessageType::kOffer), spec)));
  // To port 67 (a reply to a relay) still counts: only the source port says "server".
  FrameSpec to_relay;
  to_relay.dst_port = 67;
  EXPECT_TRUE(inspect_frame(frame_of(server_reply(MessageType::kOffer), to_relay)));
}

TEST(InspectFrame, IgnoresMalformedDhcp) {
  auto good = serialize(server_reply(MessageType::kOffer));
  auto truncated = std::vector<uint8_t>(good.begin(), good.begin() + 200);
  EXPECT_FALSE(inspect_frame(frame_of(truncated)));
  auto no_cookie = good;
  no_cookie[kFixedHeaderSize] = 0;
  EXPECT_FALSE(inspect_frame(frame_of(no_cookie)));
  EXPECT_FALSE(inspect_frame(frame_of(std::vector<uint8_t>{})));
}

TEST(InspectFrame, IgnoresBrokenFrames) {
  auto frame = frame_of(server_reply(MessageType::kOffer));
  EXPECT_FALSE(inspect_frame(std::span<const uint8_t>(frame).first(100)));
  frame[12] = 0x86;  // IPv6 EtherType
  frame[13] = 0xdd;
  EXPECT_FALSE(inspect_frame(frame));
  EXPECT_FALSE(inspect_frame({}));
}

// --- RogueDetector (frames fed through observe(), no capture) -------------------------------

class RogueDetectorTest : public ::testing::Test {
 protected:
  RogueDetector& detector() {
    if (!detector_) {
      detector_.emplace(io_, metrics_, clock_, std::vector<Ipv4>{ip("198.18.41.250")},
                        std::vector<Ipv4>{ip("198.18.41.7")});
    }
    return *detector_;
  }
  void see(const char* server_id, const char* src_mac = "52:54:00:41:00:01",
           const char* src_ip = "198.18.41.1") {
    FrameSpec spec;
    spec.src_mac = src_mac;
    spec.src_ip = src_ip;
    detector().observe(frame_of(server_reply(MessageType::kOffer, server_id), spec));
  }
  int64_t gauge() { return metrics_.gauge("slipway_dhcp_foreign_servers", "").value(); }
  uint64_t replies(bool known) {
    return metrics_
        .counter("slipway_dhcp_foreign_replies_total", "",
                 known ? "known=\"true\"" : "known=\"false\"")
        .value();
  }

  boost::asio::io_context io_;
  Metrics metrics_;
  ManualClock clock_;
  std::optional<RogueDetector> detector_;
};

TEST_F(RogueDetectorTest, OwnRepliesAreIgnored) {
  see("198.18.41.250", "52:54:00:41:00:fa", "198.18.41.250");
  EXPECT_TRUE(detector().servers().empty());
  EXPECT_EQ(gauge(), 0);
  EXPECT_EQ(replies(false), 0u);
  EXPECT_EQ(replies(true), 0u);
}

TEST_F(RogueDetectorTest, AForeignServerIsListedAndCounted) {
  const int64_t t0 = clock_.now();
  see("198.18.41.1");
  clock_.advance(30);
  see("198.18.41.1", "52:54:00:41:00:01", "198.18.41.2");  // same server, another source
  auto servers = detector().servers();
  ASSERT_EQ(servers.size(), 1u);
  EXPECT_EQ(servers[0].server_id.to_string(), "198.18.41.1");
  EXPECT_EQ(servers[0].mac.to_string(), "52:54:00:41:00:01");
  EXPECT_EQ(servers[0].source_ip.to_string(), "198.18.41.2");
  EXPECT_EQ(servers[0].first_seen, t0);
  EXPECT_EQ(servers[0].last_seen, t0 + 30);
  EXPECT_EQ(servers[0].replies, 2u);
  EXPECT_FALSE(servers[0].known);
  EXPECT_EQ(gauge(), 1);
  EXPECT_EQ(replies(false), 2u);
  auto text = metrics_.render();
  EXPECT_NE(text.find("slipway_dhcp_foreign_servers 1"), std::string::npos) << text;
  EXPECT_NE(text.find("slipway_dhcp_foreign_replies_total{known=\"false\"} 2"), std::string::npos)
      << text;
}

TEST_F(RogueDetectorTest, KnownServersAreListedButNotInTheGauge) {
  see("198.18.41.7", "52:54:00:41:00:07", "198.18.41.7");
  auto servers = detector().servers();
  ASSERT_EQ(servers.size(), 1u);
  EXPECT_TRUE(servers[0].known);
  EXPECT_EQ(gauge(), 0);
  EXPECT_EQ(replies(true), 1u);
  EXPECT_EQ(replies(false), 0u);
}

TEST_F(RogueDetectorTest, SameServerIdFromTwoMacsIsTwoServers) {
  see("192.168.0.1", "52:54:00:41:00:01", "192.168.0.1");
  see("192.168.0.1", "52:54:00:41:00:02", "192.168.0.1");
  EXPECT_EQ(detector().servers().size(), 2u);
  EXPECT_EQ(gauge(), 2);
}

TEST_F(RogueDetectorTest, AServerNotSeenForAnHourIsForgotten) {
  see("198.18.41.1");
  clock_.advance(RogueDetector::kForgetAfterSeconds - 1);
  see("198.18.41.2", "52:54:00:41:00:02", "198.18.41.2");
  EXPECT_EQ(detector().servers().size(), 2u);
  clock_.advance(1);
  // Not listed any more, even before the next capture prunes the table.
  auto servers = detector().servers();
  ASSERT_EQ(servers.size(), 1u);
  EXPECT_EQ(servers[0].server_id.to_string(), "198.18.41.2");
  // Any reply prunes, this server's own included; the gauge follows.
  EXPECT_EQ(gauge(), 2);
  see("198.18.41.250", "52:54:00:41:00:fa", "198.18.41.250");
  EXPECT_EQ(gauge(), 1);
  // Seen again later: a new row with a new first_seen.
  see("198.18.41.1");
  servers = detector().servers();
  ASSERT_EQ(servers.size(), 2u);
  EXPECT_EQ(servers[0].first_seen, clock_.now());
  EXPECT_EQ(servers[0].replies, 1u);
}

TEST_F(RogueDetectorTest, TheTableIsCapped) {
  // 256 "new server" warnings are expected here: keep them out of the test output.
  auto logger = log::get("dhcp");
  auto level = logger->level();
  logger->set_level(spdlog::level::err);
  for (size_t i = 0; i < RogueDetector::kMaxServers + 10; ++i) {
    std::string id = "198.19." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
    see(id.c_str());
  }
  EXPECT_EQ(detector().servers().size(), RogueDetector::kMaxServers);
  EXPECT_EQ(gauge(), static_cast<int64_t>(RogueDetector::kMaxServers));
  EXPECT_EQ(replies(false), RogueDetector::kMaxServers + 10);  // every reply is still counted
  // Listed servers keep being updated.
  see("198.19.0.1");
  EXPECT_EQ(detector().servers()[0].replies, 2u);
  logger->set_level(level);
}

TEST_F(RogueDetectorTest, NonRepliesChangeNothing) {
  detector().observe(frame_of(testutil::client_packet(MessageType::kDiscover, kClientMac)));
  detector().observe(std::vector<uint8_t>(64, 0));
  EXPECT_TRUE(detector().servers().empty());
  EXPECT_EQ(replies(false), 0u);
}

TEST_F(RogueDetectorTest, StartFailsCleanlyOnAMissingInterface) {
  auto status = detector().start("no-such-if0");
  EXPECT_FALSE(status.ok());
  EXPECT_FALSE(detector().running());
  detector().stop();  // harmless when not running
}

}  // namespace
}  // namespace slipway::dhcp
