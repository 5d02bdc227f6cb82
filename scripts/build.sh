#!/usr/bin/env bash
# Configures and builds Slipway into build/ (or $SLIPWAY_BUILD_DIR). Extra arguments go to cmake,
# e.g. scripts/build.sh -DSLIPWAY_SANITIZE=ON.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${SLIPWAY_BUILD_DIR:-$src/build}
cmake -S "$src" -B "$build" -G Ninja "$@" >/dev/null
# Two jobs per core at most: Beast translation units need about 1 GB each.
ninja -C "$build" -j "$(nproc)"
