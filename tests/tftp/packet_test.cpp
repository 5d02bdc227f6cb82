#include "tftp/packet.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tftp/netascii.h"

namespace slipway::tftp {
namespace {

// Wire bytes from a string literal that may hold NULs: bytes("\0\1a\0", 4).
std::vector<uint8_t> bytes(const char* s, size_t n) { return std::vector<uint8_t>(s, s + n); }
template <size_t N>
std::vector<uint8_t> bytes(const char (&s)[N]) {
  return bytes(s, N - 1);  // without the literal's own terminator
}

ParseError error_of(const std::vector<uint8_t>& wire) {
  auto parsed = parse(wire);
  EXPECT_TRUE(std::holds_alternative<ParseError>(parsed));
  return std::holds_alternative<ParseError>(parsed) ? std::get<ParseError>(parsed)
                                                    : ParseError::kTooShort;
}

template <typename T>
T packet_of(const std::vector<uint8_t>& wire) {
  auto parsed = parse(wire);
  EXPECT_TRUE(std::holds_alternative<Packet>(parsed))
      << "parse error: " << to_string(std::get<ParseError>(parsed));
  const Packet& p = std::get<Packet>(parsed);
  EXPECT_TRUE(std::holds_alternative<T>(p));
  return std::get<T>(p);
}

TEST(PacketTest, ParsesPlainRrq) {
  auto req = packet_of<Request>(bytes("\0\1pxelinux.0\0octet\0"));
  EXPECT_EQ(req.opcode, Opcode::kRrq);
  EXPECT_EQ(req.filename, "pxelinux.0");
  EXPECT_EQ(req.mode, Mode::kOctet);
  EXPECT_TRUE(req.options.empty());
}

TEST(PacketTest, ParsesWrq) {
  auto req = packet_of<Request>(bytes("\0\2upload.bin\0octet\0"));
  EXPECT_EQ(req.opcode, Opcode::kWrq);
  EXPECT_EQ(req.filename, "upload.bin");
}

TEST(PacketTest, ModeIsCaseInsensitive) {
  EXPECT_EQ(packet_of<Request>(bytes("\0\1f\0OCTET\0")).mode, Mode::kOctet);
  EXPECT_EQ(packet_of<Request>(bytes("\0\1f\0NetASCII\0")).mode, Mode::kNetascii);
  EXPECT_EQ(packet_of<Request>(bytes("\0\1f\0netascii\0")).mode, Mode::kNetascii);
}

TEST(PacketTest, OptionsAreLowerCasedAndKeptInOrderWithRepeatsAndUnknowns) {
  auto req =
      packet_of<Request>(bytes("\0\1boot/ipxe.efi\0octet\0BLKSIZE\0"
                               "1468\0tsize\0"
                               "0\0x-Vendor\0Hello\0"
                               "blksize\0"
                               "512\0"));
  ASSERT_EQ(req.options.size(), 4u);
  EXPECT_EQ(req.options[0], (Option{"blksize", "1468"}));
  EXPECT_EQ(req.options[1], (Option{"tsize", "0"}));
  EXPECT_EQ(req.options[2], (Option{"x-vendor", "Hello"}));  // value kept verbatim
  EXPECT_EQ(req.options[3], (Option{"blksize", "512"}));
}

TEST(PacketTest, EmptyOptionValueIsKept) {
  auto req = packet_of<Request>(bytes("\0\1f\0octet\0tsize\0\0"));
  ASSERT_EQ(req.options.size(), 1u);
  EXPECT_EQ(req.options[0], (Option{"tsize", ""}));
}

TEST(PacketTest, TrailingNulPaddingAfterOptionsIsTolerated) {
  auto req =
      packet_of<Request>(bytes("\0\1f\0octet\0blksize\0"
                               "1024\0\0\0\0"));
  ASSERT_EQ(req.options.size(), 1u);
  EXPECT_EQ(req.options[0].value, "1024");
  EXPECT_TRUE(packet_of<Request>(bytes("\0\1f\0octet\0\0")).options.empty());
}

TEST(PacketTest, ParsesDataAckErrorOack) {
  auto data = packet_of<Data>(bytes("\0\3\1\2abc"));
  EXPECT_EQ(data.block, 0x0102);
  EXPECT_EQ(data.payload, bytes("abc"));

  EXPECT_TRUE(packet_of<Data>(bytes("\0\3\0\7")).payload.empty());
  EXPECT_EQ(packet_of<Ack>(bytes("\0\4\xff\xff")).block, 0xffff);

  auto err = packet_of<ErrorPacket>(bytes("\0\5\0\1File not found\0"));
  EXPECT_EQ(err.code, 1);
  EXPECT_EQ(err.message, "File not found");
  EXPECT_EQ(packet_of<ErrorPacket>(bytes("\0\5\0\x63\0")).code, 99);  // unknown codes kept raw

  auto oack =
      packet_of<Oack>(bytes("\0\6blksize\0"
                            "1468\0tsize\0"
                            "42\0"));
  EXPECT_EQ(oack.options, (std::vector<Option>{{"blksize", "1468"}, {"tsize", "42"}}));
}

TEST(PacketTest, RejectsTooShort) {
  EXPECT_EQ(error_of({}), ParseError::kTooShort);
  EXPECT_EQ(error_of(bytes("\0")), ParseError::kTooShort);
  EXPECT_EQ(error_of(bytes("\0\3\1")), ParseError::kTooShort);  // DATA without block
  EXPECT_EQ(error_of(bytes("\0\4")), ParseError::kTooShort);    // ACK without block
  EXPECT_EQ(error_of(bytes("\0\5\0")), ParseError::kTooShort);  // ERROR without code
}

TEST(PacketTest, RejectsUnknownOpcodes) {
  EXPECT_EQ(error_of(bytes("\0\0f\0octet\0")), ParseError::kUnknownOpcode);
  EXPECT_EQ(error_of(bytes("\0\7\0\1")), ParseError::kUnknownOpcode);
  EXPECT_EQ(error_of(bytes("\xff\xff\0\1")), ParseError::kUnknownOpcode);
  EXPECT_EQ(error_of(bytes("\1\1f\0octet\0")), ParseError::kUnknownOpcode);
}

TEST(PacketTest, RejectsMissingTerminators) {
  EXPECT_EQ(error_of(bytes("\0\1pxelinux.0")), ParseError::kMissingNul);         // filename
  EXPECT_EQ(error_of(bytes("\0\1pxelinux.0\0octet")), ParseError::kMissingNul);  // mode
  EXPECT_EQ(error_of(bytes("\0\1f\0octet\0blksize\0"
                           "1468")),
            ParseError::kMissingNul);                                            // option value
  EXPECT_EQ(error_of(bytes("\0\1f\0octet\0blksize")), ParseError::kMissingNul);  // option name
  EXPECT_EQ(error_of(bytes("\0\5\0\1oops")), ParseError::kMissingNul);           // error message
  EXPECT_EQ(error_of(bytes("\0\6blksize\0"
                           "8")),
            ParseError::kMissingNul);                           // oack value
  EXPECT_EQ(error_of(bytes("\0\1")), ParseError::kMissingNul);  // RRQ with nothing at all
}

TEST(PacketTest, RejectsEmptyFilenameAndBadModes) {
  EXPECT_EQ(error_of(bytes("\0\1\0octet\0")), ParseError::kEmptyFilename);
  EXPECT_EQ(error_of(bytes("\0\2\0octet\0")), ParseError::kEmptyFilename);
  EXPECT_EQ(error_of(bytes("\0\1f\0mail\0")), ParseError::kBadMode);
  EXPECT_EQ(error_of(bytes("\0\1f\0\0")), ParseError::kBadMode);
  EXPECT_EQ(error_of(bytes("\0\1f\0binary\0")), ParseError::kBadMode);
  EXPECT_EQ(error_of(bytes("\0\1f\0octet \0")), ParseError::kBadMode);
}

TEST(PacketTest, RejectsBrokenOptions) {
  EXPECT_EQ(error_of(bytes("\0\1f\0octet\0blksize\0")), ParseError::kMissingOptionValue);
  EXPECT_EQ(error_of(bytes("\0\1f\0octet\0\0blksize\0"
                           "8\0")),
            ParseError::kEmptyOptionName);
  EXPECT_EQ(error_of(bytes("\0\6tsize\0")), ParseError::kMissingOptionValue);
}

TEST(PacketTest, RejectsTrailingBytes) {
  EXPECT_EQ(error_of(bytes("\0\4\0\1\0")), ParseError::kTrailingBytes);
  EXPECT_EQ(error_of(bytes("\0\5\0\1oops\0x")), ParseError::kTrailingBytes);
}

TEST(PacketTest, RejectsOversize) {
  std::vector<uint8_t> rrq = bytes("\0\1");
  rrq.insert(rrq.end(), 600, 'a');
  auto tail = bytes("\0octet\0");
  rrq.insert(rrq.end(), tail.begin(), tail.end());
  EXPECT_EQ(error_of(rrq), ParseError::kOversize);

  std::vector<uint8_t> data(4 + kMaxBlockSize, 0);
  data[1] = 3;
  EXPECT_TRUE(std::holds_alternative<Packet>(parse(data)));
  data.push_back(0);
  EXPECT_EQ(error_of(data), ParseError::kOversize);
}

TEST(PacketTest, RequestAtTheSizeLimitParses) {
  std::vector<uint8_t> rrq = bytes("\0\1");
  rrq.insert(rrq.end(), kMaxRequestSize - 2 - 7, 'a');
  auto tail = bytes("\0octet\0");
  rrq.insert(rrq.end(), tail.begin(), tail.end());
  ASSERT_EQ(rrq.size(), kMaxRequestSize);
  EXPECT_EQ(packet_of<Request>(rrq).filename.size(), kMaxRequestSize - 9);
  rrq.insert(rrq.begin() + 2, 'a');
  EXPECT_EQ(error_of(rrq), ParseError::kOversize);
}

TEST(PacketTest, RoundTripsEveryPacketKind) {
  std::vector<uint8_t> big(kMaxBlockSize);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 7);
  std::vector<Packet> packets = {
      Request{Opcode::kRrq,
              "pxelinux.cfg/01-52-54-00-12-34-56",
              Mode::kOctet,
              {{"blksize", "1468"}, {"tsize", "0"}, {"windowsize", "8"}}},
      Request{Opcode::kWrq, "f", Mode::kNetascii, {}},
      Data{1, {}},
      Data{65535, big},
      Ack{0},
      Ack{4242},
      ErrorPacket{2, "access violation"},
      ErrorPacket{0, ""},
      Oack{{{"blksize", "1468"}, {"tsize", "123456789"}}},
  };
  for (const Packet& p : packets) {
    auto wire = serialize(p);
    auto back = parse(wire);
    ASSERT_TRUE(std::holds_alternative<Packet>(back))
        << "index " << p.index() << ": " << to_string(std::get<ParseError>(back));
    EXPECT_EQ(std::get<Packet>(back), p) << "index " << p.index();
  }
}

TEST(PacketTest, BuildersProduceExactWireBytes) {
  EXPECT_EQ(build_data(0x0102, bytes("xy")), bytes("\0\3\1\2xy"));
  EXPECT_EQ(build_ack(7), bytes("\0\4\0\7"));
  EXPECT_EQ(build_error(ErrorCode::kFileNotFound, "File not found"),
            bytes("\0\5\0\1File not found\0"));
  std::vector<Option> options{{"blksize", "1468"}, {"tsize", "10"}};
  EXPECT_EQ(build_oack(options), bytes("\0\6blksize\0"
                                       "1468\0tsize\0"
                                       "10\0"));
  EXPECT_EQ(build_request({Opcode::kRrq, "a/b", Mode::kNetascii, {{"timeout", "3"}}}),
            bytes("\0\1a/b\0netascii\0timeout\0"
                  "3\0"));
}

TEST(PacketTest, BuildErrorCutsMessageAtEmbeddedNul) {
  using namespace std::string_view_literals;
  auto wire = build_error(ErrorCode::kNotDefined, "bad\0tail"sv);
  EXPECT_EQ(wire, bytes("\0\5\0\0bad\0"));
  EXPECT_EQ(packet_of<ErrorPacket>(wire).message, "bad");
}

TEST(PacketTest, ParseErrorNamesAreDistinctSnakeCase) {
  std::set<std::string> names;
  for (auto e :
       {ParseError::kTooShort, ParseError::kUnknownOpcode, ParseError::kMissingNul,
        ParseError::kEmptyFilename, ParseError::kBadMode, ParseError::kEmptyOptionName,
        ParseError::kMissingOptionValue, ParseError::kTrailingBytes, ParseError::kOversize}) {
    std::string name(to_string(e));
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_"), std::string::npos) << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), 9u);
  EXPECT_EQ(to_string(ParseError::kMissingNul), "missing_nul");
  EXPECT_EQ(to_string(ErrorCode::kAccessViolation), "access_violation");
  EXPECT_EQ(to_string(static_cast<ErrorCode>(42)), "unknown");
}

TEST(NetasciiTest, ConvertsLineEndsAndBareCarriageReturns) {
  using namespace std::string_literals;
  EXPECT_EQ(to_netascii("a\nb\n"), "a\r\nb\r\n");
  EXPECT_EQ(to_netascii("a\rb"), "a\r\0b"s);
  EXPECT_EQ(to_netascii("dos\r\n"), "dos\r\0\r\n"s);
  EXPECT_EQ(to_netascii(""), "");
  EXPECT_EQ(to_netascii("plain"), "plain");
}

}  // namespace
}  // namespace slipway::tftp
