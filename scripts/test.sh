#!/usr/bin/env bash
# Sets up a fresh machine and runs every test: unit, integration (real clients in network
# namespaces), end to end (QEMU VMs network-booting from the appliance), the unit tests again
# under AddressSanitizer/UBSan, and each fuzz target briefly. Needs root (namespaces, taps).
#
# Usage: scripts/test.sh [--fast]    --fast: unit and integration only
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
fast=0
[[ "${1:-}" == "--fast" ]] && fast=1
step() { printf '\n=== %s (%s)\n' "$*" "$(date +%H:%M:%S)"; }

step "dependencies"
"$src/scripts/deps.sh" all

step "build"
SLIPWAY_BUILD_DIR=$src/build "$src/scripts/build.sh"

step "unit, integration$( ((fast)) || echo ", end-to-end") tests"
labels="unit|integration"
((fast)) || labels="$labels|e2e"
(cd "$src/build" && ctest -L "^($labels)\$" --output-on-failure -j2 --timeout 900)

if ((!fast)); then
  step "unit tests under AddressSanitizer and UBSan"
  SLIPWAY_BUILD_DIR=$src/build-asan "$src/scripts/build.sh" -DSLIPWAY_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
  (cd "$src/build-asan" && ASAN_OPTIONS=detect_leaks=1 ctest -L '^unit$' --output-on-failure -j2)

  step "fuzzing (20 s per target)"
  "$src/tests/fuzz/run.sh" 20
fi
step "all tests passed"
