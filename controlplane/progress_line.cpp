#include "controlplane/progress_line.h"

#include <algorithm>
#include <cstdio>

#include "controlplane/table.h"

namespace slipway::controlplane {

std::string progress_text(std::string_view stage, uint64_t done, std::optional<uint64_t> total,
                          uint64_t speed_bps, int bar_width) {
  std::string line(stage);
  line.resize(std::max<size_t>(line.size(), 10), ' ');
  if (total && *total > 0) {
    double fraction = std::min(1.0, static_cast<double>(done) / static_cast<double>(*total));
    if (bar_width > 0) {
      int filled = static_cast<int>(fraction * bar_width);
      line += "[" + std::string(filled, '#') + std::string(bar_width - filled, '.') + "] ";
    }
    char percent[8];
    std::snprintf(percent, sizeof percent, "%3d%%", static_cast<int>(fraction * 100));
    line += std::string(percent) + "  " + format_bytes(done) + " / " + format_bytes(*total);
  } else {
    line += format_bytes(done);
  }
  if (speed_bps > 0) line += "  " + format_bytes(speed_bps) + "/s";
  return line;
}

}  // namespace slipway::controlplane
