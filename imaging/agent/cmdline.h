#pragma once
// The kernel command line as slipway-agent sees it in /proc/cmdline, and the appliance URL the
// iPXE script passes there (slipway.url=). Pure parsing: no file or socket access, so unit tests
// and fuzzers use it directly.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/ipv4.h"
#include "common/result.h"

namespace slipway::imaging::agent {

// The kernel's own COMMAND_LINE_SIZE on x86 is 2048; anything larger is not a command line.
inline constexpr size_t kMaxCmdlineBytes = 64 * 1024;

class KernelCmdline {
 public:
  // Follows the kernel's rules (lib/cmdline.c, next_arg): words are separated by spaces, tabs or
  // newlines; double quotes group spaces into one word and are removed ("a=\"b c\"" gives a = b c);
  // a word without '=' is a flag whose value is empty. A lone "--" ends the kernel's parameters
  // (what follows belongs to init) so nothing after it is taken.
  static KernelCmdline parse(std::string_view text);

  // The value of the last occurrence of `key`: a later parameter overrides an earlier one, as
  // it does for the kernel's own parameters. nullopt when the key is absent.
  std::optional<std::string> get(std::string_view key) const;
  bool has(std::string_view key) const { return get(key).has_value(); }

  // Every parameter in command-line order, duplicates included.
  const std::vector<std::pair<std::string, std::string>>& params() const { return params_; }

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

// The agent secret of this boot (slipway.secret=, put there by the appliance's boot file), sent
// as Authorization: Bearer on every request. nullopt when absent, or when it is not 1 to 256
// characters of A-Z a-z 0-9 '-' '_' (it goes into a header line as it is).
std::optional<std::string> agent_secret(const KernelCmdline& cmdline);

// Where the appliance listens. Only http:// with an IPv4 literal: the runtime has no resolver
// and no trust store, and the appliance is on the machine's own LAN.
struct ApplianceUrl {
  Ipv4 ip;
  uint16_t port = 80;
  std::string base_path;  // "" or "/prefix" (never ends with '/')

  // The request target for an API path such as "/api/v1/agent/report".
  std::string target(std::string_view api_path) const { return base_path + std::string(api_path); }
  std::string to_string() const;

  bool operator==(const ApplianceUrl&) const = default;
};

// "http://198.18.0.1:8080", "http://198.18.0.1", "http://198.18.0.1:8080/slipway/". Refuses
// other schemes, host names, user info, queries, fragments and ports outside 1-65535.
Result<ApplianceUrl> parse_appliance_url(std::string_view text);

}  // namespace slipway::imaging::agent
