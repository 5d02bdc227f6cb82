#include "wol/wol_driver.h"

#include <gtest/gtest.h>

namespace slipway::wol {
namespace {

const MacAddress kMac = *MacAddress::parse("52:54:00:12:34:56");

class FakeSender final : public MagicPacketSender {
 public:
  FakeSender(std::string name, std::vector<MagicPacket>* sent, bool fail = false)
      : name_(std::move(name)), sent_(sent), fail_(fail) {}
  std::string describe() const override { return name_; }
  Status send(const MagicPacket& packet) override {
    if (fail_) return Error{name_ + " is down"};
    sent_->push_back(packet);
    return {};
  }

 private:
  std::string name_;
  std::vector<MagicPacket>* sent_;
  bool fail_;
};

TEST(WolMode, ParsesTheThreeModes) {
  for (auto mode : {WolMode::kUdp, WolMode::kRaw, WolMode::kBoth}) {
    EXPECT_EQ(parse_wol_mode(to_string(mode)), mode);
  }
  EXPECT_FALSE(parse_wol_mode("ipmi"));
}

TEST(WolPowerDriver, SendsThePacketThroughEverySender) {
  std::vector<MagicPacket> sent;
  std::vector<std::unique_ptr<MagicPacketSender>> senders;
  senders.push_back(std::make_unique<FakeSender>("udp", &sent));
  senders.push_back(std::make_unique<FakeSender>("raw", &sent));
  WolPowerDriver driver(std::move(senders));
  EXPECT_EQ(driver.name(), "wol");
  EXPECT_TRUE(driver.capabilities().power_on);
  EXPECT_FALSE(driver.capabilities().power_off);
  ASSERT_TRUE(driver.power_on({"node1", kMac, {1, 2, 3, 4}}));
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0], (MagicPacket{kMac, {1, 2, 3, 4}}));
  EXPECT_EQ(sent[1], sent[0]);
}

TEST(WolPowerDriver, TriesEverySenderAndNamesTheFailure) {
  std::vector<MagicPacket> sent;
  std::vector<std::unique_ptr<MagicPacketSender>> senders;
  senders.push_back(std::make_unique<FakeSender>("udp", &sent, true));
  senders.push_back(std::make_unique<FakeSender>("raw", &sent));
  WolPowerDriver driver(std::move(senders));
  auto status = driver.power_on({"", kMac, {}});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, "udp is down");
  EXPECT_EQ(sent.size(), 1u);
}

TEST(WolPowerDriver, ReportsAMissingInterfaceAtCreation) {
  WolDriverOptions options;
  options.mode = WolMode::kRaw;
  options.raw_interface = "nosuch0";
  auto driver = WolPowerDriver::create(options);
  ASSERT_FALSE(driver);
  EXPECT_EQ(driver.error().message, "wol: no such interface \"nosuch0\"");
  options.mode = WolMode::kBoth;
  options.raw_interface.clear();
  EXPECT_FALSE(WolPowerDriver::create(options));
  options.mode = WolMode::kUdp;
  EXPECT_TRUE(WolPowerDriver::create(options));
}

}  // namespace
}  // namespace slipway::wol
