#!/usr/bin/env bash
# Benchmark: TFTP read throughput of Slipway next to tftpd-hpa, dnsmasq and atftpd, in the same
# run, on the same namespaces, files and clients.
#
#   lockstep   one 64 MiB file, blksize 1468, no windowsize (curl), over a veth pair
#   window16   the same file, blksize 1468, windowsize 16 (atftp --option "windowsize 16"); peers
#              without RFC 7440 ignore the option and run lock-step
#   big-block  the same file, blksize 65464 (curl), server and client on loopback (no fragments)
#   50 clients 50 curls at once fetching one 16 MiB file at blksize 1468 over the veth pair:
#              aggregate MB/s (all bytes / wall time) and server CPU seconds per GB sent
#
# Every server runs alone on core 1 (taskset), the clients on core 0. Every fetched copy is
# compared with the source (a wrong copy fails the benchmark). Single transfers run --repeat times
# (default 3); the table shows the median. MB = 10^6 bytes.
#
# Peers: tftpd-hpa's in.tftpd and atftpd are taken from their Debian packages with apt-get download
# and dpkg-deb -x into BUILD_DIR/peers (installing atftpd would replace tftpd-hpa's in.tftpd);
# dnsmasq and the atftp client come from scripts/deps.sh bench.
#
# Usage: tests/bench/tftp_bench.sh BUILD_DIR [--repeat N] [--clients N] [--servers "slipway ..."]
# Root. Keep the work folder with SLIPWAY_KEEP_WORK=1.
source "$(dirname "$0")/../lib/common.sh"
slipway_bins "${1:-}"
shift

REPEAT=3
CLIENTS=50
SERVERS="slipway tftpd-hpa dnsmasq atftpd"
while (($#)); do
  case "$1" in
    --repeat) REPEAT=${2:?}; shift 2 ;;
    --clients) CLIENTS=${2:?}; shift 2 ;;
    --servers) SERVERS=${2:?}; shift 2 ;;
    *) fail "unknown option $1 (usage: $0 BUILD_DIR [--repeat N] [--clients N] [--servers \"slipway tftpd-hpa dnsmasq atftpd\"])" ;;
  esac
done
[[ "$REPEAT" =~ ^[1-9][0-9]?$ ]] || fail "--repeat must be 1..99"
[[ "$CLIENTS" =~ ^[1-9][0-9]*$ ]] && ((CLIENTS <= 200)) || fail "--clients must be 1..200"
for s in $SERVERS; do
  [[ " slipway tftpd-hpa dnsmasq atftpd " == *" $s "* ]] || fail "unknown server '$s'"
done
"$(dirname "$0")/../../scripts/deps.sh" bench
slipway_test_init bench-tftp
for tool in curl atftp dnsmasq taskset dpkg-deb apt-get sha256sum; do
  command -v "$tool" >/dev/null || fail "$tool missing (scripts/deps.sh bench installs it)"
done
(($(nproc) >= 2)) || fail "needs 2 cores (server on core 1, clients on core 0)"

SERVER_IP=198.18.60.1
export SLIPWAY_URL=http://127.0.0.1:18080 # /healthz, inside the server namespace
CLIENT_IP=198.18.60.2
SERVER_CORE=1
CLIENT_CORE=0
# No transfer may run longer than this (a stuck server must not stall the benchmark).
TRANSFER_LIMIT=120

# --- peers from Debian packages ----------------------------------------------------------------
PEERS=$BUILD_DIR/peers
# (each into its own folder: atftpd's package has an in.tftpd of its own)
peer_extract() { # peer_extract PACKAGE: unpacks the package's files under $PEERS/PACKAGE
  local pkg=$1
  [[ -f "$PEERS/$pkg.done" ]] && return
  mkdir -p "$PEERS/debs"
  (cd "$PEERS/debs" && apt-get download "$pkg" >/dev/null 2>&1) || fail "apt-get download $pkg failed"
  dpkg-deb -x "$(ls -t "$PEERS/debs/${pkg}"_*.deb | head -n1)" "$PEERS/$pkg"
  touch "$PEERS/$pkg.done"
}
peer_extract tftpd-hpa
peer_extract atftpd
IN_TFTPD=$PEERS/tftpd-hpa/usr/sbin/in.tftpd
ATFTPD=$PEERS/atftpd/usr/sbin/atftpd
for b in "$IN_TFTPD" "$ATFTPD"; do
  [[ -x "$b" ]] || fail "$b missing after extraction"
  ! ldd "$b" | grep -q 'not found' || fail "$b lacks libraries: $(ldd "$b" | grep 'not found')"
done

# --- network and files -------------------------------------------------------------------------
srv=stb-srv-$$
cli=stb-cli-$$
netns_pair "$srv" "$cli" "$SERVER_IP/24" "$CLIENT_IP/24"

ROOT=$WORK/root
# Fetched copies go to memory, so the client's disk is not what is measured.
OUT=$(mktemp -d /dev/shm/slipway-tftp-bench-XXXXXX)
SLIPWAY_TEST_LAST_CLEANUP+=("rm -rf '$OUT'")
mkdir -p "$ROOT"
head -c $((64 << 20)) /dev/urandom >"$ROOT/big.bin"
head -c $((16 << 20)) /dev/urandom >"$ROOT/mid.bin"
chmod 755 "$WORK" "$ROOT"
chmod 644 "$ROOT"/*.bin
BIG_SIZE=$(stat -c %s "$ROOT/big.bin")
MID_SIZE=$(stat -c %s "$ROOT/mid.bin")
BIG_SUM=$(sha256sum <"$ROOT/big.bin" | cut -d' ' -f1)
MID_SUM=$(sha256sum <"$ROOT/mid.bin" | cut -d' ' -f1)
cat "$ROOT"/*.bin >/dev/null # page cache warm for every server alike

# Server CPU time is read from a cgroup that holds the server and everything it forks: tftpd-hpa
# forks one child per transfer and never waits for it, so /proc/PID/stat would miss their time.
CG=""
if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
  CG=/sys/fs/cgroup/slipway-tftp-bench-$$
elif [[ -d /sys/fs/cgroup/cpuacct ]]; then
  CG=/sys/fs/cgroup/cpuacct/slipway-tftp-bench-$$
fi
[[ -n "$CG" ]] && mkdir "$CG" 2>/dev/null || fail "cannot make a cgroup to measure server CPU time (${CG:-no cgroup fs})"
# Removed once the cleanup has stopped the servers in it.
SLIPWAY_TEST_LAST_CLEANUP+=("rmdir '$CG'")
cg_enter() { echo "$1" >"$CG/cgroup.procs"; }
# cpu_ns: CPU nanoseconds used by everything in the cgroup so far.
cpu_ns() {
  if [[ -f "$CG/cpuacct.usage" ]]; then
    cat "$CG/cpuacct.usage"
  else
    awk '$1 == "usage_usec" { print $2 * 1000 }' "$CG/cpu.stat"
  fi
}

# --- the servers: each NAME_start ADDRESS sets SERVER_PID ----------------------------------------
wait_listening() { # wait_listening NAME ADDRESS
  wait_until 10 "$1 to listen on $2:69" bash -c "ip netns exec $srv ss -Hlun 'sport = :69' | grep -q '$2:69'"
}
spawn_server() { # spawn_server NAME CMD...: in the server namespace, pinned to the server core
  local name=$1
  shift
  spawn_in_ns "$srv" "$WORK/$name.log" taskset -c "$SERVER_CORE" "$@"
  SERVER_PID=$SPAWNED_PID
}
slipway_start() {
  cat >"$WORK/slipway.yaml" <<YAML
server_address: $1
data_dir: $WORK/slipway-data
assets_dir: $ROOT
log_level: warn
dhcp:
  enabled: false
tftp:
  listen: $1
http:
  listen: 127.0.0.1
  port: 18080
YAML
  start_slipway "$srv" "$WORK/slipway.yaml" "$WORK/slipway.log"
  SERVER_PID=$SLIPWAY_PID
  taskset -a -cp "$SERVER_CORE" "$SERVER_PID" >/dev/null
  wait_listening slipway "$1"
}
tftpd-hpa_start() {
  # -L: stay in the foreground; -s: serve the root (chroot); -B: the largest block size it allows.
  spawn_server tftpd-hpa "$IN_TFTPD" -L -s -u root -B 65464 -a "$1:69" "$ROOT"
  wait_listening tftpd-hpa "$1"
}
dnsmasq_start() {
  spawn_server dnsmasq dnsmasq -k --conf-file=/dev/null --port=0 --enable-tftp --tftp-root="$ROOT" \
    --listen-address="$1" --bind-interfaces --tftp-max=$((CLIENTS + 50)) --user=root \
    --pid-file="$WORK/dnsmasq.pid" --log-facility="$WORK/dnsmasq-log.txt"
  wait_listening dnsmasq "$1"
}
atftpd_start() {
  spawn_server atftpd "$ATFTPD" --daemon --no-fork --user root --group root --port 69 \
    --bind-address "$1" --maxthread $((CLIENTS + 50)) --logfile "$WORK/atftpd-log.txt" "$ROOT"
  wait_listening atftpd "$1"
}

# --- the clients ---------------------------------------------------------------------------------
# fetch NS HOST MODE FILE OUT: one transfer on the client core; MODE lockstep|window16|bigblock.
fetch() {
  local ns=$1 host=$2 mode=$3 file=$4 out=$5
  case "$mode" in
    lockstep) ip netns exec "$ns" taskset -c "$CLIENT_CORE" timeout "$TRANSFER_LIMIT" \
      curl -sS --tftp-blksize 1468 -o "$out" "tftp://$host/$file" ;;
    bigblock) ip netns exec "$ns" taskset -c "$CLIENT_CORE" timeout "$TRANSFER_LIMIT" \
      curl -sS --tftp-blksize 65464 -o "$out" "tftp://$host/$file" ;;
    window16) ip netns exec "$ns" taskset -c "$CLIENT_CORE" timeout "$TRANSFER_LIMIT" \
      atftp --option "blksize 1468" --option "windowsize 16" -g -r "$file" -l "$out" "$host" ;;
  esac
}
now() { date +%s.%N; }
check_copy() { # check_copy FILE SUM WHAT
  [[ "$(sha256sum <"$1" | cut -d' ' -f1)" == "$2" ]] || fail "$3: the fetched copy differs from the source"
}

# single SERVER MODE: REPEAT transfers of big.bin; sets SINGLE to the median MB/s.
single() {
  local server=$1 mode=$2 ns=$cli host=$SERVER_IP i t0 t1 rates=()
  if [[ $mode == bigblock ]]; then
    ns=$srv
    host=127.0.0.1
  fi
  "${server}_start" "$host"
  for ((i = 1; i <= REPEAT; i++)); do
    rm -f "$OUT/big.bin"
    t0=$(now)
    fetch "$ns" "$host" "$mode" big.bin "$OUT/big.bin" >"$WORK/client-$server-$mode-$i.log" 2>&1 ||
      { cat "$WORK/client-$server-$mode-$i.log" >&2; fail "$server $mode: the client failed"; }
    t1=$(now)
    check_copy "$OUT/big.bin" "$BIG_SUM" "$server $mode"
    rates+=("$(awk -v b="$BIG_SIZE" -v a="$t0" -v z="$t1" 'BEGIN { printf "%.1f", b / (z - a) / 1e6 }')")
  done
  stop_pid "$SERVER_PID"
  SINGLE=$(printf '%s\n' "${rates[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
  log "$server $mode: ${rates[*]} MB/s (median $SINGLE)"
}

# many SERVER: CLIENTS concurrent lock-step fetches of mid.bin; sets MANY to "MB/s cpu_s_per_GB".
many() {
  local server=$1 i t0 t1 c0 c1 pids=()
  "${server}_start" "$SERVER_IP"
  rm -f "$OUT"/mid-*.bin
  cg_enter "$SERVER_PID"
  c0=$(cpu_ns)
  t0=$(now)
  for ((i = 1; i <= CLIENTS; i++)); do
    spawn_in_ns "$cli" "$WORK/many-$server-$i.log" taskset -c "$CLIENT_CORE" timeout "$TRANSFER_LIMIT" \
      curl -sS --tftp-blksize 1468 -o "$OUT/mid-$i.bin" "tftp://$SERVER_IP/mid.bin"
    pids+=("$SPAWNED_PID")
  done
  local failed=0
  for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
  t1=$(now)
  c1=$(cpu_ns)
  stop_pid "$SERVER_PID"
  ((failed == 0)) || fail "$server: $failed of $CLIENTS concurrent clients failed (logs in $WORK/many-$server-*.log)"
  for ((i = 1; i <= CLIENTS; i++)); do check_copy "$OUT/mid-$i.bin" "$MID_SUM" "$server client $i"; done
  rm -f "$OUT"/mid-*.bin
  MANY=$(awk -v n="$CLIENTS" -v b="$MID_SIZE" -v a="$t0" -v z="$t1" -v c=$((c1 - c0)) \
    'BEGIN { printf "%.1f %.2f", n * b / (z - a) / 1e6, c / 1e9 / (n * b / 1e9) }')
  log "$server $CLIENTS clients: $MANY (MB/s, CPU s/GB)"
}

declare -A R
for server in $SERVERS; do
  for mode in lockstep window16 bigblock; do
    single "$server" "$mode"
    R[$server,$mode]=$SINGLE
  done
  many "$server"
  R[$server,many]=${MANY% *}
  R[$server,cpu]=${MANY#* }
done

# --- report ------------------------------------------------------------------------------------
version() {
  case "$1" in
    slipway) git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo "?" ;;
    tftpd-hpa) dpkg-deb -f "$(ls -t "$PEERS/debs"/tftpd-hpa_*.deb | head -n1)" Version ;;
    atftpd) dpkg-deb -f "$(ls -t "$PEERS/debs"/atftpd_*.deb | head -n1)" Version ;;
    dnsmasq) dnsmasq --version | head -n1 | awk '{ print $3 }' ;;
  esac
}
best_peer() { # best_peer COLUMN: the fastest peer's name (not Slipway)
  local best="" v=0 s
  for s in $SERVERS; do
    [[ $s == slipway ]] && continue
    if awk -v a="${R[$s,$1]}" -v b="$v" 'BEGIN { exit !(a > b) }'; then
      best=$s
      v=${R[$s,$1]}
    fi
  done
  echo "$best"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

cat <<EOF

TFTP benchmark: $(nproc) cores, each server alone on core $SERVER_CORE, clients on core $CLIENT_CORE
  files: 64 MiB and 16 MiB of random bytes, page cache warm; every copy checked with SHA-256
  lockstep/window16/50 clients: client $CLIENT_IP -> server $SERVER_IP over a veth pair (MTU 1500)
  big-block: curl and server on loopback in one namespace (MTU 65536)
  clients: curl $(curl --version | head -n1 | awk '{ print $2 }') (lockstep, big-block, 50 clients); atftp $(dpkg-query -W -f='${Version}' atftp 2>/dev/null) (window16)
  single transfers: median of $REPEAT; MB = 10^6 bytes

server       version                 lockstep   window16   big-block   ${CLIENTS} clients   CPU s/GB
                                     1468 B     1468x16    65464 B     aggregate
EOF
for s in $SERVERS; do
  printf '%-12s %-22s %7s MB/s %6s MB/s %7s MB/s %7s MB/s %9s\n' "$s" "$(version "$s")" \
    "${R[$s,lockstep]}" "${R[$s,window16]}" "${R[$s,bigblock]}" "${R[$s,many]}" "${R[$s,cpu]}"
done
if [[ " $SERVERS " == *" slipway "* ]]; then
  echo
  for col in lockstep window16 bigblock many; do
    peer=$(best_peer "$col")
    [[ -n "$peer" ]] || continue
    printf 'Slipway / fastest peer (%s), %s: %s\n' "$peer" "$col" "$(ratio "${R[slipway,$col]}" "${R[$peer,$col]}")"
  done
  if [[ " $SERVERS " == *" atftpd "* ]]; then
    printf 'Slipway / atftpd at windowsize 16: %s\n' "$(ratio "${R[slipway,window16]}" "${R[atftpd,window16]}")"
  fi
  lowest=""
  for s in $SERVERS; do
    [[ $s == slipway ]] && continue
    if [[ -z "$lowest" ]] || awk -v a="${R[$s,cpu]}" -v b="${R[$lowest,cpu]}" 'BEGIN { exit !(a < b) }'; then lowest=$s; fi
  done
  if [[ -n "$lowest" ]]; then
    printf 'CPU per GB, Slipway / most frugal peer (%s): %s\n' "$lowest" \
      "$(ratio "${R[slipway,cpu]}" "${R[$lowest,cpu]}")"
  fi
fi
