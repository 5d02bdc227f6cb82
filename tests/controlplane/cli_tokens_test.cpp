#include "controlplane/cli_tokens.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "controlplane/api_client.h"
#include "tests/common/test_dir.h"

namespace slipway::controlplane {
namespace {

TEST(ParseDuration, TakesAWholeNumberAndAUnit) {
  EXPECT_EQ(*parse_duration("90"), 90);
  EXPECT_EQ(*parse_duration("90s"), 90);
  EXPECT_EQ(*parse_duration("15m"), 900);
  EXPECT_EQ(*parse_duration("12h"), 43200);
  EXPECT_EQ(*parse_duration("30d"), 30 * 86400);
  EXPECT_EQ(*parse_duration("2w"), 14 * 86400);
  for (const char* bad : {"", "d", "0", "-5m", "1.5h", "30 d", "30D", "3y", "99999999999d"}) {
    EXPECT_FALSE(parse_duration(bad).ok()) << bad;
  }
}

class FindClientToken : public ::testing::Test {
 protected:
  testutil::TestDir dir_;
  std::map<std::string, std::string> env_;
  TokenSources sources() {
    TokenSources s;
    s.env = [this](const char* name) -> const char* {
      auto it = env_.find(name);
      return it == env_.end() ? nullptr : it->second.c_str();
    };
    s.config_file = dir_ / "client.yaml";
    s.admin_token_file = dir_ / "admin.token";
    return s;
  }
  void write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name) << content;
  }
  std::string found(const TokenSources& s) {
    auto t = find_client_token(s);
    if (!t) return "error: " + t.error().message;
    if (!*t) return "none";
    return (*t)->text + " from " + (*t)->source;
  }
};

TEST_F(FindClientToken, TakesTheFirstSourceThatIsSet) {
  EXPECT_EQ(found(sources()), "none");
  write("admin.token", "slw_admin\n");
  EXPECT_EQ(found(sources()), "slw_admin from " + (dir_ / "admin.token").string());
  write("client.yaml", "token: slw_config\n");
  EXPECT_EQ(found(sources()), "slw_config from " + (dir_ / "client.yaml").string() + " (token)");
  write("file.token", "  slw_file  \n");
  env_["SLIPWAY_TOKEN_FILE"] = (dir_ / "file.token").string();
  EXPECT_EQ(found(sources()),
            "slw_file from $SLIPWAY_TOKEN_FILE " + (dir_ / "file.token").string());
  env_["SLIPWAY_TOKEN"] = "slw_env";
  EXPECT_EQ(found(sources()), "slw_env from $SLIPWAY_TOKEN");
  auto s = sources();
  s.flag = "slw_flag";
  EXPECT_EQ(found(s), "slw_flag from --token");
}

TEST_F(FindClientToken, AConfigTokenFileIsRelativeToTheConfig) {
  write("ci.token", "slw_ci\n");
  write("client.yaml", "server: http://x\ntoken_file: ci.token\n");
  EXPECT_EQ(found(sources()), "slw_ci from token_file in " + (dir_ / "client.yaml").string());
}

TEST_F(FindClientToken, ASourceThatIsSetButUnusableIsAnError) {
  write("admin.token", "slw_admin\n");
  env_["SLIPWAY_TOKEN_FILE"] = (dir_ / "missing").string();
  EXPECT_TRUE(found(sources()).starts_with("error: cannot read the token file"));
  env_["SLIPWAY_TOKEN_FILE"] = "";
  EXPECT_TRUE(found(sources()).starts_with("error: $SLIPWAY_TOKEN_FILE"));
  env_.clear();
  write("empty.token", "\n");
  env_["SLIPWAY_TOKEN_FILE"] = (dir_ / "empty.token").string();
  EXPECT_TRUE(found(sources()).ends_with("is empty"));
  env_.clear();
  write("client.yaml", "token: [unclosed\n");
  EXPECT_TRUE(found(sources()).starts_with("error: " + (dir_ / "client.yaml").string()));
  auto s = sources();
  s.flag = " ";
  EXPECT_EQ(found(s), "error: --token is empty");
}

TEST_F(FindClientToken, TheDefaultConfigFollowsXdgThenHome) {
  std::filesystem::create_directories(dir_ / "xdg/slipway");
  std::ofstream(dir_ / "xdg/slipway/client.yaml") << "token: slw_xdg\n";
  std::filesystem::create_directories(dir_ / "home/.config/slipway");
  std::ofstream(dir_ / "home/.config/slipway/client.yaml") << "token: slw_home\n";
  auto s = sources();
  s.config_file.clear();
  env_["HOME"] = (dir_ / "home").string();
  EXPECT_TRUE(found(s).starts_with("slw_home from "));
  env_["XDG_CONFIG_HOME"] = (dir_ / "xdg").string();
  EXPECT_TRUE(found(s).starts_with("slw_xdg from "));
}

}  // namespace
}  // namespace slipway::controlplane
