#include "imaging/agent_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace slipway::imaging {
namespace {

AgentReport full_report() {
  AgentReport r;
  r.mac = *MacAddress::parse("52:54:00:77:00:01");
  r.uuid = Uuid::parse("5a1e0001-0000-4000-8000-000000000001");
  r.event = AgentEvent::kBooted;
  r.kernel = "6.1.0-56-amd64";
  r.ip = Ipv4::parse("198.18.77.100");
  return r;
}

std::string error_of(std::string_view json) {
  auto r = parse_agent_report(json);
  EXPECT_FALSE(r.ok()) << json;
  return r.ok() ? "" : r.error().message;
}

TEST(AgentReportTest, RoundTripsEveryField) {
  const AgentReport r = full_report();
  auto parsed = parse_agent_report(to_json(r));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, r);
}

TEST(AgentReportTest, EncodesTheWireNames) {
  auto doc = nlohmann::json::parse(to_json(full_report()));
  EXPECT_EQ(doc, nlohmann::json::parse(R"({"mac":"52:54:00:77:00:01",
      "uuid":"5a1e0001-0000-4000-8000-000000000001","event":"booted",
      "kernel":"6.1.0-56-amd64","ip":"198.18.77.100"})"));
}

TEST(AgentReportTest, LeavesAbsentOptionalFieldsOut) {
  AgentReport r;
  r.mac = *MacAddress::parse("52:54:00:77:00:01");
  auto doc = nlohmann::json::parse(to_json(r));
  EXPECT_EQ(doc, nlohmann::json::parse(R"({"mac":"52:54:00:77:00:01","event":"booted"})"));
  auto parsed = parse_agent_report(to_json(r));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, r);
}

TEST(AgentReportTest, RequiredFieldsOnly) {
  auto r = parse_agent_report(R"({"mac":"52-54-00-AA-BB-CC","event":"booted"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->mac.to_string(), "52:54:00:aa:bb:cc");
  EXPECT_EQ(r->event, AgentEvent::kBooted);
  EXPECT_FALSE(r->uuid);
  EXPECT_FALSE(r->ip);
  EXPECT_EQ(r->kernel, "");
}

TEST(AgentReportTest, OptionalFieldsMayBeNullOrEmpty) {
  auto r = parse_agent_report(
      R"({"mac":"52:54:00:77:00:01","event":"booted","uuid":null,"ip":"","kernel":null})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->uuid);
  EXPECT_FALSE(r->ip);
  EXPECT_EQ(r->kernel, "");
  r = parse_agent_report(R"({"mac":"52:54:00:77:00:01","event":"booted","uuid":""})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->uuid);
}

TEST(AgentReportTest, PlaceholderUuidIsDroppedNotRefused) {
  for (const char* uuid :
       {"00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "03000200-0400-0500-0006-000700080009"}) {
    auto r = parse_agent_report(std::string(R"({"mac":"52:54:00:77:00:01","event":"booted",)") +
                                R"("uuid":")" + uuid + R"("})");
    ASSERT_TRUE(r.ok()) << uuid;
    EXPECT_FALSE(r->uuid) << uuid;
  }
}

TEST(AgentReportTest, KernelAtTheLimitIsAccepted) {
  std::string kernel(128, 'k');
  auto r = parse_agent_report(R"({"mac":"52:54:00:77:00:01","event":"booted","kernel":")" + kernel +
                              R"("})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kernel, kernel);
}

TEST(AgentReportTest, RefusesWhatIsNotAJsonObject) {
  EXPECT_NE(error_of("").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of("{\"mac\":").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of("mac=52:54:00:77:00:01").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of("[]").find("must be a JSON object"), std::string::npos);
  EXPECT_NE(error_of("\"booted\"").find("must be a JSON object"), std::string::npos);
  EXPECT_NE(error_of("42").find("must be a JSON object"), std::string::npos);
}

TEST(AgentReportTest, RefusesUnknownKeys) {
  EXPECT_EQ(error_of(R"({"mac":"52:54:00:77:00:01","event":"booted","macc":"x"})"),
            "unknown key 'macc'");
}

TEST(AgentReportTest, RefusesMissingRequiredFields) {
  EXPECT_EQ(error_of(R"({"event":"booted"})"), "'mac' is required");
  EXPECT_EQ(error_of(R"({"mac":null,"event":"booted"})"), "'mac' is required");
  EXPECT_EQ(error_of(R"({"mac":"52:54:00:77:00:01"})"), "'event' is required");
}

TEST(AgentReportTest, RefusesWrongTypes) {
  EXPECT_EQ(error_of(R"({"mac":525400770001,"event":"booted"})"), "'mac' must be a string");
  EXPECT_EQ(error_of(R"({"mac":"52:54:00:77:00:01","event":["booted"]})"),
            "'event' must be a string");
  EXPECT_EQ(error_of(R"({"mac":"52:54:00:77:00:01","event":"booted","ip":3232235777})"),
            "'ip' must be a string");
}

TEST(AgentReportTest, RefusesBadValues) {
  EXPECT_NE(error_of(R"({"mac":"52:54:00:77:00","event":"booted"})").find("not a MAC"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"mac":"zz:54:00:77:00:01","event":"booted"})").find("not a MAC"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"mac":"52:54:00:77:00:01","event":"booted","uuid":"5a1e0001"})")
                .find("not a UUID"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"mac":"52:54:00:77:00:01","event":"booted",)"
                     R"("uuid":"{5a1e0001-0000-4000-8000-000000000001}"})")
                .find("not a UUID"),
            std::string::npos);
  EXPECT_EQ(error_of(R"({"mac":"52:54:00:77:00:01","event":"rebooted"})"),
            "unknown event 'rebooted'");
  EXPECT_NE(error_of(R"({"mac":"52:54:00:77:00:01","event":"booted","ip":"198.18.77.256"})")
                .find("not an IPv4"),
            std::string::npos);
  EXPECT_EQ(error_of(R"({"mac":"52:54:00:77:00:01","event":"booted","kernel":")" +
                     std::string(129, 'k') + R"("})"),
            "'kernel' is longer than 128 characters");
}

TEST(AgentReportTest, RefusesOversizedReports) {
  // Valid JSON, so only the size check can refuse it.
  std::string padded = R"({"mac":"52:54:00:77:00:01","event":"booted"})";
  padded.append(kMaxReportBytes + 1 - padded.size(), ' ');
  EXPECT_NE(error_of(padded).find("the limit is"), std::string::npos);
  padded.pop_back();
  EXPECT_TRUE(parse_agent_report(padded).ok());
}

TEST(AgentReportTest, EventNames) {
  EXPECT_EQ(to_string(AgentEvent::kBooted), "booted");
  EXPECT_EQ(parse_agent_event("booted"), AgentEvent::kBooted);
  EXPECT_FALSE(parse_agent_event("Booted"));
  EXPECT_FALSE(parse_agent_event(""));
}

}  // namespace
}  // namespace slipway::imaging
