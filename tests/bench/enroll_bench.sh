#!/usr/bin/env bash
# Benchmark: enrollment at rack scale. Many runtimes report their hardware facts at once (a rack
# powered on together); every report is a machine the appliance has never seen, so each one
# creates the machine, stores its facts, attaches its second NIC, applies the naming rule and
# makes it ready: two SQLite transactions with synchronous=FULL (nothing committed is lost on a
# crash). Then the inventory is read back at that size.
#
#   - Slipway alone on core 1, wrk on core 0, over loopback in a test namespace.
#   - Reports: each machine first asks for its iPXE script (which issues its agent secret, as its
#     netboot does), then POSTs the 1.2 KB facts report of
#     tests/fuzz/seeds/agent_report/facts.json with a new MAC pair and UUID and that secret
#     (tests/bench/enroll_report.lua), wrk -c CONNECTIONS for DURATION.
#   - Figures: reports/s, latency p50/p99 (over scripts and reports alike), machines created and
#     ready (checked against the API),
#     database bytes per machine, and the time of `GET /api/v1/machines` (the CLI's list) and of
#     one `GET /api/v1/machines/NAME` (show with facts) at that inventory size.
#   - No peer: MAAS commissioning, Tinkerbell and Ironic inspection do not run here.
#
# Usage: tests/bench/enroll_bench.sh BUILD_DIR [--duration S] [--connections N]
# Root; needs wrk (scripts/deps.sh bench).
source "$(dirname "$0")/../lib/common.sh"
slipway_bins "${1:-}"
shift
DURATION=10
CONNECTIONS=16
while (($#)); do
  case "$1" in
    --duration) DURATION=${2:?}; shift 2 ;;
    --connections) CONNECTIONS=${2:?}; shift 2 ;;
    *) fail "unknown option $1 (usage: $0 BUILD_DIR [--duration S] [--connections N])" ;;
  esac
done
for v in "$DURATION" "$CONNECTIONS"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || fail "'$v' is not a positive whole number"
done
((DURATION <= 120 && CONNECTIONS <= 256)) || fail "at most 120 s and 256 connections"
command -v wrk >/dev/null || fail "wrk is not installed (scripts/deps.sh bench)"
slipway_test_init enroll-bench

ns=swb-enroll-$$
make_netns "$ns"
mkdir -p "$WORK/assets" "$WORK/data"
cat >"$WORK/slipway.yaml" <<YAML
server_address: 198.18.62.1
data_dir: $WORK/data
assets_dir: $WORK/assets
log_level: warn
dhcp:
  enabled: false
tftp:
  enabled: false
http:
  listen: 127.0.0.1
enrollment:
  policy: auto
  rules:
    - match: {vendor: "QEMU"}
      name: "vm-{mac}"
      labels: {kind: vm}
YAML
export SLIPWAY_URL=http://127.0.0.1:8080
ip netns exec "$ns" taskset -c 1 "$SLIPWAY_BIN" serve --config "$WORK/slipway.yaml" >"$WORK/slipway.log" 2>&1 &
SLIPWAY_PID=$!
track_pid "$SLIPWAY_PID"
wait_until 20 "slipway serve to answer /healthz" in_ns "$ns" curl -sf "$SLIPWAY_URL/healthz"
# Reading the inventory back needs a token: the first-start admin token.
auth=(-H "Authorization: Bearer $(<"$WORK/data/admin.token")")

src=$(cd "$(dirname "$0")/../.." && pwd)
log "netbooting and posting facts reports for ${DURATION}s over $CONNECTIONS connections"
in_ns "$ns" taskset -c 0 env SLIPWAY_REPORT="$src/tests/fuzz/seeds/agent_report/facts.json" \
  wrk -t 1 -c "$CONNECTIONS" -d "${DURATION}s" --latency -s "$src/tests/bench/enroll_report.lua" \
  "$SLIPWAY_URL" >"$WORK/wrk.txt" 2>&1 || { cat "$WORK/wrk.txt" >&2; fail "wrk failed"; }
grep -q "Non-2xx" "$WORK/wrk.txt" && { cat "$WORK/wrk.txt" >&2; fail "some reports were refused"; }

# Every machine asks for its iPXE script (its agent secret) and then reports: two requests.
requests_rate=$(awk '/^Requests\/sec/ { print $2 }' "$WORK/wrk.txt")
p50=$(awk '$1 == "50%" { print $2 }' "$WORK/wrk.txt")
p99=$(awk '$1 == "99%" { print $2 }' "$WORK/wrk.txt")
sent=$(awk '/^reports:/ { print $2 }' "$WORK/wrk.txt")
[[ $sent =~ ^[0-9]+$ ]] && ((sent > 0)) || { cat "$WORK/wrk.txt" >&2; fail "no report was answered"; }
rate=$(awk -v n="$sent" -v d="$DURATION" 'BEGIN { printf "%.1f", n / d }')
machines=$(in_ns "$ns" curl -sf "${auth[@]}" "$SLIPWAY_URL/api/v1/machines" | jq '[.machines[] | select(.state == "ready" and .hardware != null and (.interfaces | length) == 2)] | length')
# wrk may end with requests in flight: each answered one is a ready machine, none is missing.
((machines >= sent - CONNECTIONS && machines <= sent + CONNECTIONS)) ||
  fail "$sent reports answered but $machines machines ready with facts and two NICs"
db_bytes=$(du -cb "$WORK/data"/slipway.db* | awk 'END { print $1 }')

# median_ms CMD...: the median of 5 runs of curl's time_total, in milliseconds.
median_ms() {
  for _ in 1 2 3 4 5; do in_ns "$ns" curl -sf "${auth[@]}" -o /dev/null -w '%{time_total}\n' "$@"; done |
    sort -n | awk 'NR == 3 { printf "%.1f", $1 * 1000 }'
}
name=$(in_ns "$ns" curl -sf "${auth[@]}" "$SLIPWAY_URL/api/v1/machines" | jq -r '.machines[-1].name')
list_ms=$(median_ms "$SLIPWAY_URL/api/v1/machines")
show_ms=$(median_ms "$SLIPWAY_URL/api/v1/machines/$name")

printf '\n%-44s %s\n' "enrollment (Slipway; no peer runs here)" "value"
printf '%-44s %s\n' "reports with facts answered" "$sent"
printf '%-44s %s\n' "machines ready (checked via API)" "$machines"
printf '%-44s %s\n' "reports/s (each a new machine, enrolled)" "$rate"
printf '%-44s %s\n' "requests/s (script + report per machine)" "$requests_rate"
printf '%-44s %s / %s\n' "latency p50 / p99 ($CONNECTIONS connections)" "$p50" "$p99"
printf '%-44s %s\n' "database bytes per machine" "$((db_bytes / (machines > 0 ? machines : 1)))"
printf '%-44s %s ms\n' "GET /api/v1/machines ($machines machines)" "$list_ms"
printf '%-44s %s ms\n' "GET /api/v1/machines/NAME (with facts)" "$show_ms"
