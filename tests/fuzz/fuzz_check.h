#pragma once
// A property check inside a fuzz target: a violated property aborts, which libFuzzer reports
// as a crash with the input that caused it.

#include <cstdlib>

namespace slipway::fuzz {

inline void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace slipway::fuzz
