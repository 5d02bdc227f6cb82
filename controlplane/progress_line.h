#pragma once
// How a transfer's progress reads on a terminal and in a log: sizes in binary units
// (format_bytes), a bar when the total is known. Pure, for the CLI commands that follow jobs.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace slipway::controlplane {

// "fetching  [#########.........]  45%  123 MiB / 270 MiB  12 MiB/s" with a bar of
// `bar_width` characters (0: no bar), or without the bar and percentage when the total is
// unknown: "fetching  123 MiB  12 MiB/s".
std::string progress_text(std::string_view stage, uint64_t done, std::optional<uint64_t> total,
                          uint64_t speed_bps, int bar_width);

}  // namespace slipway::controlplane
