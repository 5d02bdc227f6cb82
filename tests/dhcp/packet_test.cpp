#include "dhcp/packet.h"

#include <gtest/gtest.h>

#include "dhcp/options.h"
#include "tests/dhcp/packet_builder.h"

namespace slipway::dhcp {
namespace {

TEST(DhcpPacket, RoundTripsEveryField) {
  Packet p = testutil::client_packet(MessageType::kRequest, "52:54:00:12:34:56", 0xCAFEBABE);
  p.hops = 1;
  p.secs = 7;
  p.flags = kBroadcastFlag;
  p.ciaddr = *Ipv4::parse("198.18.0.5");
  p.giaddr = *Ipv4::parse("198.18.1.1");
  p.sname = "seed";
  p.file = "undionly.kpxe";
  p.options.set_ipv4(opt::kRequestedAddress, *Ipv4::parse("198.18.0.100"));
  p.options.set_string(opt::kHostName, "node1");

  auto bytes = serialize(p);
  EXPECT_GE(bytes.size(), kMinPacketSize);
  auto parsed = parse(bytes);
  ASSERT_TRUE(std::holds_alternative<Packet>(parsed));
  const Packet& q = std::get<Packet>(parsed);
  EXPECT_EQ(q.xid, 0xCAFEBABEu);
  EXPECT_EQ(q.hops, 1);
  EXPECT_EQ(q.secs, 7);
  EXPECT_TRUE(q.broadcast());
  EXPECT_EQ(q.ciaddr, p.ciaddr);
  EXPECT_EQ(q.giaddr, p.giaddr);
  EXPECT_EQ(q.mac()->to_string(), "52:54:00:12:34:56");
  EXPECT_EQ(q.sname, "seed");
  EXPECT_EQ(q.file, "undionly.kpxe");
  EXPECT_EQ(q.message_type(), MessageType::kRequest);
  EXPECT_EQ(q.options.ipv4(opt::kRequestedAddress)->to_string(), "198.18.0.100");
  EXPECT_EQ(q.options.string(opt::kHostName), "node1");
}

TEST(DhcpPacket, LongOptionsAreSplitAndConcatenated) {
  Packet p = testutil::client_packet(MessageType::kAck, "52:54:00:12:34:56");
  std::string url(300, 'u');
  p.options.set_string(opt::kBootfileName, url);
  auto bytes = serialize(p);
  auto parsed = parse(bytes);
  ASSERT_TRUE(std::holds_alternative<Packet>(parsed));
  EXPECT_EQ(std::get<Packet>(parsed).options.string(opt::kBootfileName), url);
}

TEST(DhcpPacket, OptionsOverflowIntoFileAndSnameUnderASizeLimit) {
  Packet p = testutil::client_packet(MessageType::kAck, "52:54:00:12:34:56");
  // 3 options of 102 bytes each and the type: 309 bytes, more than the 304 that 548 leaves.
  for (uint8_t code : {200, 201, 202}) p.options.set(code, std::vector<uint8_t>(100, code));
  size_t dropped = 99;
  EXPECT_GT(serialize(p).size(), 548u);
  auto bytes = serialize(p, 548, &dropped);
  EXPECT_EQ(dropped, 0u);
  EXPECT_LE(bytes.size(), 548u);
  auto parsed = parse(bytes);
  ASSERT_TRUE(std::holds_alternative<Packet>(parsed));
  const Packet& q = std::get<Packet>(parsed);
  for (uint8_t code : {200, 201, 202}) {
    ASSERT_TRUE(q.options.find(code)) << int(code);
    EXPECT_EQ(*q.options.find(code), std::vector<uint8_t>(100, code));
  }
  EXPECT_TRUE(q.file.empty());  // the field carried options, not a file name
}

TEST(DhcpPacket, UsedFileFieldIsNotOverloadedAndWhatDoesNotFitIsCounted) {
  Packet p = testutil::client_packet(MessageType::kAck, "52:54:00:12:34:56");
  p.file = "undionly.kpxe";
  p.sname = "seed";
  for (uint8_t code : {200, 201, 202}) p.options.set(code, std::vector<uint8_t>(100, code));
  size_t dropped = 0;
  auto bytes = serialize(p, 400, &dropped);
  EXPECT_EQ(dropped, 2u);
  EXPECT_LE(bytes.size(), 400u);
  auto parsed = parse(bytes);
  ASSERT_TRUE(std::holds_alternative<Packet>(parsed));
  EXPECT_EQ(std::get<Packet>(parsed).file, "undionly.kpxe");
  EXPECT_EQ(std::get<Packet>(parsed).message_type(), MessageType::kAck);
}

TEST(DhcpPacket, TooLongFileFieldIsTruncatedWithTerminator) {
  Packet p;
  p.file = std::string(200, 'f');
  auto parsed = parse(serialize(p));
  ASSERT_TRUE(std::holds_alternative<Packet>(parsed));
  EXPECT_EQ(std::get<Packet>(parsed).file.size(), 127u);
}

std::vector<uint8_t> valid_bytes() {
  return serialize(testutil::client_packet(MessageType::kDiscover, "52:54:00:12:34:56"));
}

ParseError error_of(const std::vector<uint8_t>& bytes) {
  auto parsed = parse(bytes);
  EXPECT_TRUE(std::holds_alternative<ParseError>(parsed));
  return std::holds_alternative<ParseError>(parsed) ? std::get<ParseError>(parsed)
                                                    : ParseError::kTooShort;
}

TEST(DhcpPacket, MalformedFramesAreRefused) {
  auto bytes = valid_bytes();
  EXPECT_EQ(error_of({}), ParseError::kTooShort);
  EXPECT_EQ(error_of(std::vector<uint8_t>(bytes.begin(), bytes.begin() + 239)),
            ParseError::kTooShort);

  auto no_cookie = bytes;
  no_cookie[236] = 0;
  EXPECT_EQ(error_of(no_cookie), ParseError::kBadCookie);

  auto bad_hlen = bytes;
  bad_hlen[2] = 17;
  EXPECT_EQ(error_of(bad_hlen), ParseError::kBadHardwareLen);
}

TEST(DhcpPacket, TruncatedOptionIsRefused) {
  auto bytes = valid_bytes();
  bytes.resize(240);
  bytes.push_back(opt::kHostName);
  bytes.push_back(10);  // claims 10 bytes, has 3
  bytes.insert(bytes.end(), {'a', 'b', 'c'});
  EXPECT_EQ(error_of(bytes), ParseError::kTruncatedOption);

  bytes.resize(240);
  bytes.push_back(opt::kHostName);  // no length byte at all
  EXPECT_EQ(error_of(bytes), ParseError::kTruncatedOption);
}

TEST(DhcpPacket, MissingEndAndPadsAreAccepted) {
  auto bytes = valid_bytes();
  bytes.resize(240);
  bytes.insert(bytes.end(), {opt::kPad, opt::kPad, opt::kMessageType, 1, 1});
  auto parsed = parse(bytes);
  ASSERT_TRUE(std::holds_alternative<Packet>(parsed));
  EXPECT_EQ(std::get<Packet>(parsed).message_type(), MessageType::kDiscover);
}

TEST(DhcpPacket, OverloadedFileAndSnameCarryOptions) {
  auto bytes = valid_bytes();
  bytes.resize(240);
  bytes.insert(bytes.end(), {opt::kMessageType, 1, 1, opt::kOverload, 1, 3, opt::kEnd});
  // file field (offset 108) holds host-name, sname (offset 44) holds domain-name.
  const uint8_t file_opts[] = {opt::kHostName, 2, 'h', 'x', opt::kEnd};
  const uint8_t sname_opts[] = {opt::kDomainName, 3, 'l', 'a', 'b', opt::kEnd};
  std::copy(std::begin(file_opts), std::end(file_opts), bytes.begin() + 108);
  std::copy(std::begin(sname_opts), std::end(sname_opts), bytes.begin() + 44);
  auto parsed = parse(bytes);
  ASSERT_TRUE(std::holds_alternative<Packet>(parsed));
  const Packet& p = std::get<Packet>(parsed);
  EXPECT_EQ(p.options.string(opt::kHostName), "hx");
  EXPECT_EQ(p.options.string(opt::kDomainName), "lab");
  EXPECT_TRUE(p.file.empty());
  EXPECT_TRUE(p.sname.empty());
}

TEST(DhcpPacket, OverloadInsideTheFileFieldIsIgnored) {
  // Found by the fuzzer: an option 52 inside an overloaded file field must not become an option
  // that re-encodes as a (malformed) overload of the options field.
  auto bytes = valid_bytes();
  bytes.resize(240);
  bytes.insert(bytes.end(), {opt::kMessageType, 1, 1, opt::kOverload, 1, 1, opt::kEnd});
  const uint8_t file_opts[] = {opt::kOverload, 2, 'x', 'y', opt::kHostName, 1, 'h', opt::kEnd};
  std::copy(std::begin(file_opts), std::end(file_opts), bytes.begin() + 108);
  auto parsed = parse(bytes);
  ASSERT_TRUE(std::holds_alternative<Packet>(parsed));
  const Packet& p = std::get<Packet>(parsed);
  EXPECT_FALSE(p.options.has(opt::kOverload));
  EXPECT_EQ(p.options.string(opt::kHostName), "h");
  EXPECT_TRUE(std::holds_alternative<Packet>(parse(serialize(p))));
}

TEST(DhcpPacket, BadOverloadValueIsRefused) {
  auto bytes = valid_bytes();
  bytes.resize(240);
  bytes.insert(bytes.end(), {opt::kOverload, 1, 9, opt::kEnd});
  EXPECT_EQ(error_of(bytes), ParseError::kBadOverload);
}

TEST(DhcpPacket, RepeatedOptionsConcatenate) {
  auto bytes = valid_bytes();
  bytes.resize(240);
  bytes.insert(bytes.end(), {opt::kHostName, 2, 'a', 'b', opt::kHostName, 2, 'c', 'd', opt::kEnd});
  auto parsed = parse(bytes);
  ASSERT_TRUE(std::holds_alternative<Packet>(parsed));
  EXPECT_EQ(std::get<Packet>(parsed).options.string(opt::kHostName), "abcd");
}

TEST(DhcpPacket, TypedOptionReadsCheckLength) {
  Options o;
  o.set(opt::kLeaseTime, {0, 0, 1});
  EXPECT_FALSE(o.u32(opt::kLeaseTime));
  o.set_u32(opt::kLeaseTime, 3600);
  EXPECT_EQ(o.u32(opt::kLeaseTime), 3600u);
  o.set_string(opt::kHostName, std::string("name\0", 5));
  EXPECT_EQ(o.string(opt::kHostName), "name");
}

}  // namespace
}  // namespace slipway::dhcp
