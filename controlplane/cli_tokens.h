#pragma once
// `slipway tokens ...` and `slipway events`: API tokens and the audit trail (admin role).
//
//   tokens create NAME --role viewer|operator|admin [--expires 30d]   prints the token once
//   tokens list | tokens revoke ID
//   events [-n N] [--who W] [--result ok|refused|failed]   the audit trail, newest first
//
// Every subcommand prints the API's JSON with --json. Exit codes: 0 done, 1 refused or
// unreachable, 2 bad arguments.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace slipway::controlplane {

// "90" or "90s", "15m", "12h", "30d", "2w" -> seconds (1 s to 10 years).
Result<int64_t> parse_duration(std::string_view text);

class TokenCommands {
 public:
  // Adds `tokens` (with create, list, revoke) and `events` to `app`.
  explicit TokenCommands(CLI::App& app);
  // The exit code when one of them was parsed, else nullopt.
  std::optional<int> run(const std::string& server_url) const;

 private:
  int create(const std::string& server_url) const;
  int list(const std::string& server_url) const;
  int revoke(const std::string& server_url) const;
  int events(const std::string& server_url) const;

  CLI::App* create_;
  CLI::App* list_;
  CLI::App* revoke_;
  CLI::App* events_;
  std::string name_;
  std::string role_;
  std::string expires_;
  std::string id_;
  size_t limit_ = 50;
  std::string who_;
  std::string result_;
  bool json_ = false;
};

}  // namespace slipway::controlplane
