#include "common/config_node.h"

#include <charconv>

namespace slipway::config {

ConfigNode::ConfigNode(YAML::Node node, std::string path, std::shared_ptr<const std::string> source,
                       YAML::Mark mark)
    : node_(std::move(node)), path_(std::move(path)), source_(std::move(source)), mark_(mark) {}

ConfigNode ConfigNode::load_file(const std::filesystem::path& path) {
  auto source = std::make_shared<const std::string>(path.string());
  try {
    YAML::Node root = YAML::LoadFile(path.string());
    ConfigNode node(root, "", source, root.Mark());
    if (!root.IsMap() && !root.IsNull()) node.fail("the file must hold a mapping of keys");
    return node;
  } catch (const YAML::BadFile&) {
    throw ConfigError(path.string() + ": cannot read the configuration file");
  } catch (const YAML::ParserException& e) {
    throw ConfigError(*source + ":" + std::to_string(e.mark.line + 1) + ":" +
                      std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg);
  }
}

ConfigNode ConfigNode::load_string(const std::string& text, const std::string& source_name) {
  auto source = std::make_shared<const std::string>(source_name);
  try {
    YAML::Node root = YAML::Load(text);
    ConfigNode node(root, "", source, root.Mark());
    if (!root.IsMap() && !root.IsNull()) node.fail("the document must hold a mapping of keys");
    return node;
  } catch (const YAML::ParserException& e) {
    throw ConfigError(*source + ":" + std::to_string(e.mark.line + 1) + ":" +
                      std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg);
  }
}

std::string ConfigNode::where() const {
  std::string out = *source_;
  if (!mark_.is_null()) {
    out += ":" + std::to_string(mark_.line + 1) + ":" + std::to_string(mark_.column + 1);
  }
  return out;
}

void ConfigNode::fail(std::string_view why) const {
  std::string key = path_.empty() ? "(top level)" : path_;
  throw ConfigError(where() + ": " + key + ": " + std::string(why));
}

bool ConfigNode::has(std::string_view key) const {
  return node_.IsMap() && node_[std::string(key)].IsDefined();
}

std::optional<ConfigNode> ConfigNode::find(std::string_view key) const {
  if (node_.IsNull()) return std::nullopt;
  if (!node_.IsMap()) fail("must be a mapping of keys");
  YAML::Node child = node_[std::string(key)];
  if (!child.IsDefined()) return std::nullopt;
  std::string child_path = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  return ConfigNode(child, child_path, source_, child.Mark().is_null() ? mark_ : child.Mark());
}

ConfigNode ConfigNode::child(std::string_view key) const {
  auto found = find(key);
  if (!found) fail("missing required key '" + std::string(key) + "'");
  return *found;
}

std::vector<std::string> ConfigNode::keys() const {
  std::vector<std::string> out;
  if (!node_.IsMap()) return out;
  for (const auto& entry : node_) out.push_back(entry.first.Scalar());
  return out;
}

void ConfigNode::allow_keys(const std::vector<std::string_view>& allowed) const {
  if (node_.IsNull()) return;
  if (!node_.IsMap()) fail("must be a mapping of keys");
  for (const auto& entry : node_) {
    std::string key = entry.first.Scalar();
    bool known = false;
    for (auto a : allowed) known = known || a == key;
    if (!known) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      std::string child_path = path_.empty() ? key : path_ + "." + key;
      ConfigNode(entry.first, child_path, source_, entry.first.Mark())
          .fail("unknown key (allowed here: " + list + ")");
    }
  }
}

std::string ConfigNode::as_string() const {
  if (!node_.IsScalar()) fail("must be a single value");
  return node_.Scalar();
}

int64_t ConfigNode::as_int(int64_t min, int64_t max) const {
  std::string text = as_string();
  int64_t value = 0;
  auto [next, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || next != text.data() + text.size()) {
    fail("'" + text + "' is not a whole number");
  }
  if (value < min || value > max) {
    fail(std::to_string(value) + " is out of range (" + std::to_string(min) + " to " +
         std::to_string(max) + ")");
  }
  return value;
}

bool ConfigNode::as_bool() const {
  std::string text = as_string();
  if (text == "true" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "no" || text == "off") return false;
  fail("'" + text + "' is not true or false");
}

Ipv4 ConfigNode::as_ipv4() const {
  std::string text = as_string();
  auto ip = Ipv4::parse(text);
  if (!ip) fail("'" + text + "' is not an IPv4 address");
  return *ip;
}

Ipv4Subnet ConfigNode::as_subnet() const {
  std::string text = as_string();
  auto subnet = Ipv4Subnet::parse(text);
  if (!subnet) fail("'" + text + "' is not a subnet like 198.18.0.0/24 (host bits must be zero)");
  return *subnet;
}

std::vector<ConfigNode> ConfigNode::as_list() const {
  if (!node_.IsSequence()) fail("must be a list");
  std::vector<ConfigNode> out;
  size_t i = 0;
  for (const auto& item : node_) {
    out.push_back(ConfigNode(item, path_ + "[" + std::to_string(i++) + "]", source_,
                             item.Mark().is_null() ? mark_ : item.Mark()));
  }
  return out;
}

std::string ConfigNode::string_or(std::string_view key, const std::string& fallback) const {
  auto found = find(key);
  return found ? found->as_string() : fallback;
}

int64_t ConfigNode::int_or(std::string_view key, int64_t fallback, int64_t min, int64_t max) const {
  auto found = find(key);
  return found ? found->as_int(min, max) : fallback;
}

bool ConfigNode::bool_or(std::string_view key, bool fallback) const {
  auto found = find(key);
  return found ? found->as_bool() : fallback;
}

}  // namespace slipway::config
