#include "dhcp/link_sender.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "dhcp/udp_frame.h"

namespace slipway::dhcp {
namespace {

Ipv4 ip(const char* text) { return *Ipv4::parse(text); }

std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

TEST(LinkSender, SendBeforeOpenFails) {
  LinkSender sender;
  EXPECT_FALSE(sender.is_open());
  auto status = sender.send(MacAddress{}, ip("127.0.0.1"), 1, ip("127.0.0.1"), 2, bytes_of("x"));
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("not open"), std::string::npos);
}

TEST(LinkSender, OpenFailsOnAMissingInterface) {
  LinkSender sender;
  EXPECT_FALSE(sender.open("no-such-if0").ok());
  EXPECT_FALSE(sender.open("").ok());
  EXPECT_FALSE(sender.open(std::string(40, 'x')).ok());
  EXPECT_FALSE(sender.is_open());
}

// The real-socket test: the frame LinkSender hands the kernel on loopback, read back by a packet
// socket on the same link, has the Ethernet header the kernel added (to the MAC we gave, type
// IPv4) around our IP packet. Needs CAP_NET_RAW. (Delivery to a UDP socket is checked by
// tests/integration/link_layer_test.sh on a veth: on loopback the kernel drops a 127/8 packet
// that arrives without its route attached as a martian.)
TEST(LinkSender, PutsAnEthernetFrameOnTheLink) {
  LinkSender sender;
  auto opened = sender.open("lo");
  if (!opened.ok()) GTEST_SKIP() << opened.error().message;
  ASSERT_TRUE(sender.is_open());

  UniqueFd capture(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL)));
  ASSERT_TRUE(capture.valid());
  sockaddr_ll link{};
  link.sll_family = AF_PACKET;
  link.sll_protocol = htons(ETH_P_ALL);
  link.sll_ifindex = static_cast<int>(::if_nametoindex("lo"));
  ASSERT_EQ(::bind(capture.get(), reinterpret_cast<sockaddr*>(&link), sizeof link), 0);

  // An odd length exercises the checksum's padding byte.
  const std::string text = "through the link layer";
  const auto dst_mac = *MacAddress::parse("52:54:00:aa:bb:cc");
  auto status = sender.send(dst_mac, ip("127.0.0.1"), 4067, ip("127.0.0.2"), 4068, bytes_of(text));
  ASSERT_TRUE(status.ok()) << status.error().message;

  // Loopback carries whatever else this host is doing: look at a bounded number of frames.
  bool found = false;
  std::vector<uint8_t> frame(2048);
  for (int i = 0; i < 1000 && !found; ++i) {
    pollfd ready{capture.get(), POLLIN, 0};
    if (::poll(&ready, 1, 2000) != 1) break;
    ssize_t n = ::recv(capture.get(), frame.data(), frame.size(), 0);
    ASSERT_GT(n, 0);
    auto d = parse_ethernet_ipv4_udp(std::span<const uint8_t>(frame).first(size_t(n)));
    if (!d || d->src_port != 4067 || d->dst_port != 4068) continue;
    found = true;
    EXPECT_EQ(d->dst_mac, dst_mac);
    EXPECT_EQ(d->src_ip.to_string(), "127.0.0.1");
    EXPECT_EQ(d->dst_ip.to_string(), "127.0.0.2");
    EXPECT_EQ(std::string(d->payload.begin(), d->payload.end()), text);
    // The IP header's checksum verifies (sums to all ones).
    EXPECT_EQ(internet_checksum(std::span<const uint8_t>(frame).subspan(14, 20)), 0);
  }
  EXPECT_TRUE(found) << "the frame was not seen on lo";
}

TEST(LinkSender, RefusesAPayloadLargerThanADatagram) {
  LinkSender sender;
  if (!sender.open("lo").ok()) GTEST_SKIP() << "needs CAP_NET_RAW";
  std::vector<uint8_t> huge(kMaxUdpPayload + 1);
  auto status = sender.send(MacAddress{}, ip("127.0.0.1"), 1, ip("127.0.0.1"), 9, huge);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("does not fit"), std::string::npos);
}

}  // namespace
}  // namespace slipway::dhcp
