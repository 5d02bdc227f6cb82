#include "imaging/agent/cmdline.h"

#include <charconv>

namespace slipway::imaging::agent {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

KernelCmdline KernelCmdline::parse(std::string_view text) {
  KernelCmdline out;
  if (text.size() > kMaxCmdlineBytes) text = text.substr(0, kMaxCmdlineBytes);
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    if (i == text.size()) break;
    std::string word;
    bool quoted = false;
    bool any_quote = false;
    for (; i < text.size() && (quoted || !is_space(text[i])); ++i) {
      if (text[i] == '"') {
        quoted = !quoted;
        any_quote = true;
      } else {
        word.push_back(text[i]);
      }
    }
    // A bare "--" ends the kernel's parameters; a quoted one is an ordinary word.
    if (word == "--" && !any_quote) break;
    auto eq = word.find('=');
    if (eq == std::string::npos) {
      out.params_.emplace_back(std::move(word), std::string());
    } else {
      out.params_.emplace_back(word.substr(0, eq), word.substr(eq + 1));
    }
  }
  return out;
}

std::optional<std::string> KernelCmdline::get(std::string_view key) const {
  for (auto it = params_.rbegin(); it != params_.rend(); ++it) {
    if (it->first == key) return it->second;
  }
  return std::nullopt;
}

std::optional<std::string> agent_secret(const KernelCmdline& cmdline) {
  auto value = cmdline.get("slipway.secret");
  if (!value || value->empty() || value->size() > 256) return std::nullopt;
  for (char c : *value) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return std::nullopt;
  }
  return value;
}

std::string ApplianceUrl::to_string() const {
  std::string s = "http://" + ip.to_string();
  if (port != 80) s += ":" + std::to_string(port);
  return s + base_path;
}

Result<ApplianceUrl> parse_appliance_url(std::string_view text) {
  const std::string shown = "'" + std::string(text.substr(0, 200)) + "'";
  constexpr std::string_view kScheme = "http://";
  if (text.substr(0, kScheme.size()) != kScheme) {
    return Error{"appliance URL " + shown + " must start with http://"};
  }
  std::string_view rest = text.substr(kScheme.size());
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return Error{"appliance URL " + shown + " must not have a query or fragment"};
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return Error{"appliance URL " + shown + " must not carry user info"};
  }

  ApplianceUrl url;
  std::string_view host = authority;
  size_t colon = authority.find(':');
  if (colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    std::string_view port_text = authority.substr(colon + 1);
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
        port == 0 || port > 65535) {
      return Error{"appliance URL " + shown + " has a bad port"};
    }
    url.port = static_cast<uint16_t>(port);
  }
  auto ip = Ipv4::parse(host);
  if (!ip) {
    return Error{"appliance URL " + shown + " needs an IPv4 address (the runtime has no DNS)"};
  }
  url.ip = *ip;
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  for (char c : path) {
    // Kept to characters that need no escaping in a request target.
    if (static_cast<unsigned char>(c) <= 0x20 || c == '"' || c == '<' || c == '>' || c == '\\' ||
        static_cast<unsigned char>(c) >= 0x7f) {
      return Error{"appliance URL " + shown + " has a character that needs escaping in its path"};
    }
  }
  url.base_path = std::string(path);
  return url;
}

}  // namespace slipway::imaging::agent
