// Replays every DHCP packet of the fuzzing corpus (real captures, malformed, truncated and
// oversized packets, and every input that once crashed a fuzz target) through the codec and the
// responder: none may crash, every reply must encode within the client's size limit.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "common/clock.h"
#include "dhcp/memory_lease_store.h"
#include "dhcp/packet.h"
#include "dhcp/responder.h"

namespace slipway::dhcp {
namespace {

TEST(CorpusReplay, EveryCorpusPacketIsHandledSafely) {
  std::filesystem::path dir = std::string(SLIPWAY_SOURCE_DIR) + "/tests/fuzz/seeds/dhcp_packet";
  ManualClock clock;
  MemoryLeaseStore store;
  ResponderConfig config;
  SubnetConfig s;
  s.subnet = *Ipv4Subnet::parse("198.18.0.0/24");
  s.pools = {{*Ipv4::parse("198.18.0.10"), *Ipv4::parse("198.18.0.20")}};
  config.subnets = {s};
  Responder responder(config, store, clock, {});
  const Arrival lan{"br0", *Ipv4::parse("198.18.0.1"), 67, Ipv4{}, 68};

  size_t files = 0, parsed = 0, replies = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
    ++files;
    // Also every truncation of it: a packet cut anywhere must be refused or read, never crash.
    for (size_t cut : {bytes.size(), bytes.size() / 2, size_t{241}, size_t{239}, size_t{0}}) {
      if (cut > bytes.size()) continue;
      auto result = parse(std::span<const uint8_t>(bytes.data(), cut));
      if (!std::holds_alternative<Packet>(result)) continue;
      ++parsed;
      Decision d = responder.handle(std::get<Packet>(result), lan);
      if (!d.reply) continue;
      ++replies;
      auto encoded = serialize(*d.reply, d.max_size);
      EXPECT_LE(encoded.size(), std::max<size_t>(d.max_size, kMinPacketSize)) << entry.path();
      EXPECT_TRUE(std::holds_alternative<Packet>(parse(encoded))) << entry.path();
    }
  }
  EXPECT_GE(files, 12u);  // the captures alone are 12
  EXPECT_GT(parsed, 0u);
  EXPECT_GT(replies, 0u);
}

}  // namespace
}  // namespace slipway::dhcp
