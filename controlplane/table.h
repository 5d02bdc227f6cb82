#pragma once
// A plain-text table for CLI output: columns sized to their widest cell, two spaces apart.

#include <cstdint>
#include <string>
#include <vector>

namespace slipway::controlplane {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  std::string render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "512 MiB", "1.5 GiB", "931.5 GiB", "3.6 TiB": binary units, one decimal from GiB up.
std::string format_bytes(uint64_t bytes);

// "2026-11-21 22:24:00" (UTC) from Unix seconds.
std::string format_time(int64_t unix_seconds);

}  // namespace slipway::controlplane
