#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (in build-fuzz/) and runs each for SECONDS (default 30)
# from its seed corpus. Exits non-zero on the first crash, leak or sanitizer report.
# Usage: tests/fuzz/run.sh [SECONDS]
set -euo pipefail
seconds=${1:-30}
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$src/build-fuzz
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DSLIPWAY_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=(dhcp_packet tftp_packet agent_report http_request wol_magic udp_frame wake_frame
  install_plan gpt sha256sums image_format snapshot_manifest fs_used_blocks
  restore_order auth_header)
ninja -C "$build" "${targets[@]/%/_fuzz}"
for target in "${targets[@]}"; do
  corpus=$build/corpus/$target
  mkdir -p "$corpus"
  # Seeds committed with the sources, plus what earlier runs found.
  [[ -d "$src/tests/fuzz/seeds/$target" ]] && cp -n "$src/tests/fuzz/seeds/$target"/* "$corpus"/ 2>/dev/null || true
  [[ -x "$build/tests/fuzz/${target}_fuzz" ]] || { echo "fuzz: ${target}_fuzz was not built" >&2; exit 1; }
  echo "fuzz: $target for ${seconds}s"
  "$build/tests/fuzz/${target}_fuzz" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$build/crash-$target-" "$corpus" 2>&1 | grep -E "^(stat::number_of_executed_units|stat::new_units_added|==|SUMMARY|ERROR)" || true
  if compgen -G "$build/crash-$target-*" >/dev/null; then
    echo "fuzz: $target found a crash: $(ls "$build"/crash-"$target"-*)" >&2
    exit 1
  fi
done
echo "fuzz: no crashes"
