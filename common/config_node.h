#pragma once
// ConfigNode: a YAML node that knows its dotted path and source position, so that every
// configuration error names the file, the line, the key and what is wrong with it:
//   slipway.yaml:12:10: dhcp.range: start 198.18.1.5 is outside subnet 198.18.0.0/24
//
// Errors throw ConfigError: configuration is read at start-up only.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/ipv4.h"

namespace slipway::config {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ConfigNode {
 public:
  static ConfigNode load_file(const std::filesystem::path& path);
  static ConfigNode load_string(const std::string& text, const std::string& source_name);

  const std::string& path() const { return path_; }
  bool is_map() const { return node_.IsMap(); }
  bool is_null() const { return node_.IsNull(); }
  bool is_sequence() const { return node_.IsSequence(); }

  // Map access. child() fails when the key is missing; find() returns nullopt instead.
  bool has(std::string_view key) const;
  ConfigNode child(std::string_view key) const;
  std::optional<ConfigNode> find(std::string_view key) const;
  // Fails on any key not in `allowed`, naming it and the allowed ones. Also fails if not a map.
  void allow_keys(const std::vector<std::string_view>& allowed) const;
  // The keys of a mapping, in file order.
  std::vector<std::string> keys() const;

  std::string as_string() const;
  int64_t as_int(int64_t min, int64_t max) const;
  bool as_bool() const;
  Ipv4 as_ipv4() const;
  Ipv4Subnet as_subnet() const;
  std::vector<ConfigNode> as_list() const;

  std::string string_or(std::string_view key, const std::string& fallback) const;
  int64_t int_or(std::string_view key, int64_t fallback, int64_t min, int64_t max) const;
  bool bool_or(std::string_view key, bool fallback) const;

  [[noreturn]] void fail(std::string_view why) const;

 private:
  ConfigNode(YAML::Node node, std::string path, std::shared_ptr<const std::string> source,
             YAML::Mark mark);
  std::string where() const;

  YAML::Node node_;
  std::string path_;
  std::shared_ptr<const std::string> source_;
  YAML::Mark mark_;
};

}  // namespace slipway::config
