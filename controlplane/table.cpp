#include "controlplane/table.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iterator>

namespace slipway::controlplane {

std::string Table::render() const {
  std::vector<size_t> widths(headers_.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  };
  measure(headers_);
  for (const auto& r : rows_) measure(r);
  std::string out;
  auto line = [&](const std::vector<std::string>& row) {
    std::string text;
    for (size_t i = 0; i < widths.size(); ++i) {
      std::string cell = i < row.size() ? row[i] : "";
      text += cell;
      if (i + 1 < widths.size()) text += std::string(widths[i] - cell.size() + 2, ' ');
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  };
  line(headers_);
  for (const auto& r : rows_) line(r);
  return out;
}

std::string format_time(int64_t unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return std::string(buf, n);
}

std::string format_bytes(uint64_t bytes) {
  constexpr uint64_t kMiB = 1ull << 20;
  if (bytes < kMiB) return std::to_string(bytes / 1024) + " KiB";
  if (bytes < 1024 * kMiB) return std::to_string(bytes / kMiB) + " MiB";
  static constexpr const char* kUnits[] = {"GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes) / static_cast<double>(1024 * kMiB);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", value, kUnits[unit]);
  return text;
}

}  // namespace slipway::controlplane
