#include "imaging/agent/cmdline.h"

#include <gtest/gtest.h>

#include <string>

namespace slipway::imaging::agent {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

TEST(KernelCmdlineTest, SplitsWordsOnAnyWhitespace) {
  auto c = KernelCmdline::parse(
      "BOOT_IMAGE=vmlinuz initrd=initrd.gz\tconsole=ttyS0  quiet\nslipway.mac=52:54:00:77:00:01\n");
  EXPECT_EQ(c.params(), (Params{{"BOOT_IMAGE", "vmlinuz"},
                                {"initrd", "initrd.gz"},
                                {"console", "ttyS0"},
                                {"quiet", ""},
                                {"slipway.mac", "52:54:00:77:00:01"}}));
}

TEST(KernelCmdlineTest, FlagsHaveEmptyValuesAndValuesKeepLaterEquals) {
  auto c = KernelCmdline::parse("ro slipway.url=http://198.18.0.1/x?a=b empty=");
  EXPECT_EQ(c.get("ro"), "");
  EXPECT_TRUE(c.has("ro"));
  EXPECT_EQ(c.get("slipway.url"), "http://198.18.0.1/x?a=b");
  EXPECT_EQ(c.get("empty"), "");
}

TEST(KernelCmdlineTest, QuotesGroupSpacesAndAreRemoved) {
  auto c = KernelCmdline::parse(R"(a="b c" "d=e f" g=h"i j"k plain)");
  EXPECT_EQ(c.params(), (Params{{"a", "b c"}, {"d", "e f"}, {"g", "hi jk"}, {"plain", ""}}));
}

TEST(KernelCmdlineTest, UnterminatedQuoteRunsToTheEnd) {
  auto c = KernelCmdline::parse(R"(a=1 b="x y)");
  EXPECT_EQ(c.get("a"), "1");
  EXPECT_EQ(c.get("b"), "x y");
}

TEST(KernelCmdlineTest, MissingKeysAreNullopt) {
  auto c = KernelCmdline::parse("console=ttyS0");
  EXPECT_FALSE(c.get("slipway.url"));
  EXPECT_FALSE(c.has("slipway.mac"));
  EXPECT_FALSE(c.get("console=ttyS0"));
  EXPECT_FALSE(c.get("consol"));
  EXPECT_TRUE(KernelCmdline::parse("").params().empty());
  EXPECT_TRUE(KernelCmdline::parse(" \n\t ").params().empty());
}

TEST(KernelCmdlineTest, TheLastDuplicateWins) {
  auto c = KernelCmdline::parse("slipway.stay=1 slipway.url=http://a slipway.stay=0");
  EXPECT_EQ(c.get("slipway.stay"), "0");
  EXPECT_EQ(c.params().size(), 3u);
}

TEST(KernelCmdlineTest, ADoubleDashEndsTheKernelParameters) {
  auto c = KernelCmdline::parse("console=ttyS0 -- slipway.url=http://198.18.0.1 single");
  EXPECT_EQ(c.params(), (Params{{"console", "ttyS0"}}));
  // Quoted, it is only a word.
  EXPECT_EQ(KernelCmdline::parse(R"("--" a=1)").get("a"), "1");
}

TEST(KernelCmdlineTest, OversizedInputIsCut) {
  std::string text = "a=1 " + std::string(kMaxCmdlineBytes, 'x') + " b=2";
  auto c = KernelCmdline::parse(text);
  EXPECT_EQ(c.get("a"), "1");
  EXPECT_FALSE(c.has("b"));
}

TEST(ApplianceUrlTest, ParsesAddressPortAndBasePath) {
  auto u = parse_appliance_url("http://198.18.77.1:8099");
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->ip.to_string(), "198.18.77.1");
  EXPECT_EQ(u->port, 8099);
  EXPECT_EQ(u->base_path, "");
  EXPECT_EQ(u->target("/api/v1/agent/report"), "/api/v1/agent/report");
  EXPECT_EQ(u->to_string(), "http://198.18.77.1:8099");

  u = parse_appliance_url("http://198.18.0.1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->to_string(), "http://198.18.0.1");

  u = parse_appliance_url("http://198.18.0.1:8080/slipway//");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->base_path, "/slipway");
  EXPECT_EQ(u->target("/api/v1/agent/report"), "/slipway/api/v1/agent/report");

  u = parse_appliance_url("http://198.18.0.1/");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->base_path, "");
}

TEST(ApplianceUrlTest, RefusesWhatTheRuntimeCannotReach) {
  for (const char* bad : {
           "",
           "198.18.0.1:8080",          // no scheme
           "https://198.18.0.1",       // no TLS in the runtime
           "HTTP://198.18.0.1",        // scheme is matched as written by the iPXE script
           "http://slipway.lan:8080",  // no DNS in the runtime
           "http://198.18.0.1:0",      // port out of range
           "http://198.18.0.1:65536",  //
           "http://198.18.0.1:",       // empty port
           "http://198.18.0.1:80x",    //
           "http://198.18.0.1:-1",     //
           "http://user@198.18.0.1",   // user info
           "http://198.18.0.1/a?b=c",  // query
           "http://198.18.0.1/#top",   // fragment
           "http://198.18.0.1/a b",    // needs escaping
           "http://[::1]:8080",        // IPv6
           "http://198.18.0.256",      //
       }) {
    EXPECT_FALSE(parse_appliance_url(bad).ok()) << bad;
  }
}

TEST(AgentSecretTest, TheSecretComesFromTheCommandLineWhenItIsHeaderSafe) {
  const std::string secret = "sa1_0123456789abcdef0123456789abcdef_" + std::string(43, 'A');
  auto c = KernelCmdline::parse(
      "slipway.url=http://198.18.0.1:8080 slipway.mac=52:54:00:77:00:01 "
      "slipway.secret=" +
      secret + " console=ttyS0");
  EXPECT_EQ(agent_secret(c), secret);
  EXPECT_EQ(agent_secret(KernelCmdline::parse("slipway.url=http://198.18.0.1")), std::nullopt);
  for (const char* bad : {"slipway.secret=", "slipway.secret=\"a b\"", "slipway.secret=a;b",
                          "slipway.secret=a:b", "slipway.secret"}) {
    EXPECT_EQ(agent_secret(KernelCmdline::parse(bad)), std::nullopt) << bad;
  }
  EXPECT_EQ(agent_secret(KernelCmdline::parse("slipway.secret=" + std::string(257, 'a'))),
            std::nullopt);
  // The last one wins, as for every parameter.
  EXPECT_EQ(agent_secret(KernelCmdline::parse("slipway.secret=old slipway.secret=new")), "new");
}

}  // namespace
}  // namespace slipway::imaging::agent
