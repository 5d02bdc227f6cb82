# Shared helpers for integration and end-to-end tests (bash). Source it, then call
# `slipway_test_init NAME`. Every namespace and process made through these helpers is removed by
# the EXIT trap; only PIDs this test started are ever killed.
#
# Network rule: addresses come from 198.18.0.0/15 and traffic stays inside the namespaces made
# here.

set -euo pipefail

SLIPWAY_TEST_NAMESPACES=()
SLIPWAY_TEST_PIDS=()
SLIPWAY_TEST_HOST_LINKS=()
# Shell commands the cleanup runs last, after processes and namespaces are gone (e.g. removing a
# cgroup those processes were in).
SLIPWAY_TEST_LAST_CLEANUP=()

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
fail() {
  log "FAIL: $*"
  exit 1
}
pass() { log "ok: $*"; }

# Checks that go on after a failure (tests with many independent checks): `check DESCRIPTION
# CMD...` runs a function that calls `why MESSAGE` for each thing wrong (it need not stop there);
# a failed check is recorded and the test goes on; `checks_done SUMMARY` fails the test listing
# the failed checks, or passes SUMMARY.
FAILED=()
CHECK_WRONG=0
check() {
  local what=$1
  shift
  CHECK_WRONG=0
  if "$@" && ((CHECK_WRONG == 0)); then
    pass "$what"
  else
    FAILED+=("$what")
    log "FAIL (going on): $what"
  fi
}
why() {
  log "  $*"
  CHECK_WRONG=1
  return 1
}
checks_done() {
  if ((${#FAILED[@]})); then
    log "${#FAILED[@]} check(s) failed:"
    for f in "${FAILED[@]}"; do log "  - $f"; done
    exit 1
  fi
  pass "$1"
}

# slipway_test_init NAME: a work folder and the cleanup trap.
slipway_test_init() {
  [[ $(id -u) -eq 0 ]] || fail "this test needs root (network namespaces)"
  SLIPWAY_TEST_NAME=$1
  WORK=$(mktemp -d "/tmp/slipway-${SLIPWAY_TEST_NAME}-XXXXXX")
  trap slipway_test_cleanup EXIT
  trap 'exit 130' INT TERM
  log "work folder $WORK"
}

slipway_test_cleanup() {
  local rc=$?
  set +e
  for pid in "${SLIPWAY_TEST_PIDS[@]}"; do
    kill "$pid" 2>/dev/null
  done
  sleep 0.2
  for pid in "${SLIPWAY_TEST_PIDS[@]}"; do
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  for link in "${SLIPWAY_TEST_HOST_LINKS[@]}"; do
    ip link del "$link" 2>/dev/null
  done
  for ns in "${SLIPWAY_TEST_NAMESPACES[@]}"; do
    ip netns del "$ns" 2>/dev/null
  done
  for cmd in "${SLIPWAY_TEST_LAST_CLEANUP[@]}"; do
    eval "$cmd" 2>/dev/null
  done
  if [[ $rc -ne 0 && -n "${WORK:-}" ]]; then
    log "test failed (rc=$rc); logs follow"
    for f in "$WORK"/*.log; do
      [[ -f "$f" ]] || continue
      echo "----- $f (last 60 lines)" >&2
      tail -n 60 "$f" >&2
    done
  fi
  if [[ -n "${WORK:-}" && -z "${SLIPWAY_KEEP_WORK:-}" ]]; then rm -rf "$WORK"; fi
  exit $rc
}

# track_pid PID: killed at cleanup.
track_pid() { SLIPWAY_TEST_PIDS+=("$1"); }

# make_netns NAME: a fresh namespace with loopback up.
make_netns() {
  ip netns del "$1" 2>/dev/null || true
  ip netns add "$1"
  SLIPWAY_TEST_NAMESPACES+=("$1")
  ip -n "$1" link set lo up
}

# netns_pair SRV CLI SRV_CIDR CLI_CIDR: two fresh namespaces joined by a veth pair, named eth0 on
# both sides, with these addresses (e.g. 198.18.50.1/24), links up.
netns_pair() {
  make_netns "$1"
  make_netns "$2"
  ip link add eth0 netns "$1" type veth peer name eth0 netns "$2"
  ip -n "$1" addr add "$3" dev eth0
  ip -n "$2" addr add "$4" dev eth0
  ip -n "$1" link set eth0 up
  ip -n "$2" link set eth0 up
}

# make_bridge NS [CIDR]: a bridge br0 in NS, up, with CIDR on it when given.
make_bridge() {
  ip -n "$1" link add br0 type bridge
  [[ -n "${2:-}" ]] && ip -n "$1" addr add "$2" dev br0
  ip -n "$1" link set br0 up
}

# bridge_attach SW NS IFNAME MAC: a veth from NS (named IFNAME there, with MAC, up) onto the br0
# of namespace SW. The bridge side is created inside SW, so its name never meets the host's.
SLIPWAY_TEST_BRIDGE_PORTS=0
bridge_attach() {
  local port="port$((SLIPWAY_TEST_BRIDGE_PORTS += 1))"
  ip link add "$port" netns "$1" type veth peer name "$3" netns "$2"
  ip -n "$1" link set "$port" master br0 up
  ip -n "$2" link set "$3" address "$4" up
}

# forget_pid PID: the cleanup no longer signals PID (once it has ended, the number may be reused).
forget_pid() {
  local kept=() p
  for p in "${SLIPWAY_TEST_PIDS[@]}"; do [[ "$p" == "$1" ]] || kept+=("$p"); done
  SLIPWAY_TEST_PIDS=("${kept[@]}")
}

# stop_pid PID: end a process this test started (SIGTERM), wait for it, forget it.
stop_pid() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  forget_pid "$1"
}

# in_ns NS CMD...: run a command inside a namespace.
in_ns() {
  local ns=$1
  shift
  ip netns exec "$ns" "$@"
}

# spawn_in_ns NS LOGFILE CMD...: starts CMD in the background inside NS, output to LOGFILE;
# sets SPAWNED_PID to the command's own PID (ip netns exec execs it) and tracks it. Never put
# `in_ns ... &` in a test: that backgrounds a subshell, whose PID is not the command's.
spawn_in_ns() {
  local ns=$1 logfile=$2
  shift 2
  ip netns exec "$ns" "$@" >"$logfile" 2>&1 &
  SPAWNED_PID=$!
  track_pid "$SPAWNED_PID"
}

# hook_copy SCRIPT LOG: prints the path of a copy of tests/integration/SCRIPT (a DHCP client
# hook) that appends its events to LOG. A copy, because dhclient runs its script with an empty
# environment.
hook_copy() {
  local copy
  copy=$WORK/$(basename "$1" .sh)-$(basename "$2").sh
  sed "s|\${HOOK_LOG:-/dev/null}|$2|" "$(dirname "${BASH_SOURCE[0]}")/../integration/$1" >"$copy"
  chmod +x "$copy"
  echo "$copy"
}

# wait_until SECONDS DESCRIPTION CMD...: poll until CMD succeeds, fail after SECONDS.
wait_until() {
  local limit=$1 what=$2
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "timed out after ${limit}s waiting for: $what"
    sleep 0.2
  done
}

# start_slipway NS CONFIG LOG: start `slipway serve` in NS; sets SLIPWAY_PID. Waits for /healthz
# on URL ($SLIPWAY_URL must be set). Then exports the first-start admin token the appliance wrote
# to <data_dir>/admin.token: SLIPWAY_TOKEN_FILE for the CLI, SLIPWAY_TOKEN, and SLIPWAY_AUTH, the
# curl arguments that send it ("${SLIPWAY_AUTH[@]}").
start_slipway() {
  local ns=$1 config=$2 logfile=$3
  # `ip netns exec` execs slipway: $! is slipway's own PID (a function here would put a
  # subshell in between, and killing that would leave slipway running).
  ip netns exec "$ns" "$SLIPWAY_BIN" serve --config "$config" >>"$logfile" 2>&1 &
  SLIPWAY_PID=$!
  track_pid "$SLIPWAY_PID"
  wait_until 20 "slipway serve to answer /healthz" in_ns "$ns" curl -sf "$SLIPWAY_URL/healthz"
  local data
  data=$(sed -n 's/^data_dir: *//p' "$config")
  [[ $data == /* ]] || data=$(cd "$(dirname "$config")" && pwd)/$data
  [[ -s $data/admin.token ]] || fail "no first-start admin token at $data/admin.token"
  export SLIPWAY_TOKEN_FILE=$data/admin.token
  SLIPWAY_TOKEN=$(<"$SLIPWAY_TOKEN_FILE")
  export SLIPWAY_TOKEN
  SLIPWAY_AUTH=(-H "Authorization: Bearer $SLIPWAY_TOKEN")
}

# agent_secret MAC [NS]: the agent secret the appliance gives MAC with its iPXE script (the
# runtime's slipway.secret=), for posting to /api/v1/agent/* as that machine's runtime does
# (`-H "Authorization: Bearer $(agent_secret MAC)"`). Asked from NS (default: $ns) at
# $SLIPWAY_URL. Every script asked for is a new boot that supersedes the MAC's previous secret,
# except within the script cache's 2 s. Empty when the script boots the local disk (no secret).
agent_secret() {
  local mac=$1 netns=${2:-${ns:?agent_secret: no namespace}}
  in_ns "$netns" curl -sf "$SLIPWAY_URL/boot/ipxe?mac=$mac" |
    { grep -o 'slipway\.secret=[^ ]*' || true; } | head -n 1 | cut -d= -f2
}

# metric NS NAME_WITH_LABELS: the value of one Prometheus series (0 when absent).
metric() {
  local ns=$1 series=$2
  in_ns "$ns" curl -sf "$SLIPWAY_URL/metrics" |
    awk -v s="$series" '$1 == s { print $2; found = 1 } END { if (!found) print 0 }'
}

# The built binaries: $BUILD_DIR is the CMake build folder (first argument of every test).
slipway_bins() {
  BUILD_DIR=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
  SLIPWAY_BIN=$BUILD_DIR/controlplane/slipway
  [[ -x "$SLIPWAY_BIN" ]] || fail "no slipway binary at $SLIPWAY_BIN (build first)"
}
