#!/usr/bin/env bash
# Benchmark: DHCPv4 4-way exchanges per second (DISCOVER-OFFER-REQUEST-ACK, "DORA") with perfdhcp,
# Kea 2.2 (memfile lease file, persist: true) and Slipway side by side, on the same pair of
# network namespaces, the same pool and the same lease time.
#
#   - Each server runs alone on core 1 (taskset), perfdhcp on core 0, in its own namespace.
#   - For every rate, each server starts with an empty lease database; perfdhcp offers RATE
#     exchanges/s for DURATION seconds; the table shows the drops of both exchanges and the
#     achieved DORA/s (ACKs received / DURATION).
#   - Headline: the highest offered rate with < 1 % drops in both exchanges, and the ratio.
#   - Server CPU seconds per 10,000 leases at a fixed rate both servers sustain (at the top
#     rates perfdhcp itself may be the limit on a 2-core machine), with few clients (mostly
#     returning ones) and with many (mostly first-time allocations).
#   - With strace installed: lease-file writes and fsyncs per ACK (what "persistent" means for
#     each server).
#
# Usage: tests/bench/dhcp_bench.sh BUILD_DIR [--duration S] [--rates "R1 R2 ..."]
#                                  [--clients N] [--many-clients N] [--cpu-rate R]
# Root. Keep the raw perfdhcp outputs with SLIPWAY_KEEP_WORK=1 (the work folder is printed).
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/bench.sh"
slipway_bins "${1:-}"
shift

DURATION=10
RATES="2000 4000 6000 7000 8000 9000 10000 11000 12000 13000 14000 15000 16000"
CLIENTS=2000       # perfdhcp -R for the rate steps
MANY_CLIENTS=15000 # perfdhcp -R for the allocation-heavy fixed-rate round
CPU_RATE=2000
while (($#)); do
  case "$1" in
    --duration) DURATION=${2:?}; shift 2 ;;
    --rates) RATES=${2:?}; shift 2 ;;
    --clients) CLIENTS=${2:?}; shift 2 ;;
    --many-clients) MANY_CLIENTS=${2:?}; shift 2 ;;
    --cpu-rate) CPU_RATE=${2:?}; shift 2 ;;
    *) fail "unknown option $1 (usage: $0 BUILD_DIR [--duration S] [--rates \"R1 R2 ...\"] [--clients N] [--many-clients N] [--cpu-rate R])" ;;
  esac
done
for v in "$DURATION" "$CLIENTS" "$MANY_CLIENTS" "$CPU_RATE" $RATES; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || fail "'$v' is not a positive whole number"
done
((DURATION <= 120)) || fail "--duration is limited to 120 s"
for r in $RATES "$CPU_RATE"; do ((r <= 50000)) || fail "rate $r is above the 50000/s limit"; done
slipway_test_init bench-dhcp
for tool in perfdhcp kea-dhcp4 taskset ss; do
  command -v "$tool" >/dev/null || fail "$tool missing (scripts/deps.sh installs it)"
done
(($(nproc) >= 2)) || fail "needs 2 cores (server on core 1, perfdhcp on core 0)"

SERVER_IP=198.18.50.1
CLIENT_IP=198.18.50.2 # perfdhcp: the relay address (giaddr) too
SUBNET=198.18.0.0/16
POOL_FIRST=198.18.64.0
POOL_LAST=198.18.127.255
POOL_SIZE=$((64 * 256))
LEASE_TIME=86400
SERVER_CORE=1
CLIENT_CORE=0
for n in "$CLIENTS" "$MANY_CLIENTS"; do
  ((n <= POOL_SIZE)) || fail "$n clients exceed the pool ($POOL_SIZE addresses)"
done
TICKS=$(getconf CLK_TCK)

srv=sdb-srv-$$
cli=sdb-cli-$$
netns_pair "$srv" "$cli" "$SERVER_IP/16" "$CLIENT_IP/16"
export SLIPWAY_URL=http://$SERVER_IP:8080
mkdir -p "$WORK/assets" "$WORK/kea-run"

# user_ticks PID: user clock ticks of the whole process (cpu_ticks, busy_pct...: tests/lib/bench.sh).
user_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 }'; }
# children_user_ticks: sets KIDS_TICKS to the user ticks of this shell's waited-for children
# (bash `times`, 2nd line; in this shell, not in $(...), where a fresh subshell would answer).
children_user_ticks() {
  times >"$WORK/times.txt"
  KIDS_TICKS=$(awk -v hz="$TICKS" 'NR == 2 { split($1, t, /[ms]/); printf "%d", (t[1] * 60 + t[2]) * hz + 0.5 }' \
    "$WORK/times.txt")
}

# --- the two servers ---------------------------------------------------------------------------
KEA_VERSION="Kea $(kea-dhcp4 -v 2>/dev/null | head -n1)"
kea_start() { # kea_start DATA_DIR
  local data=$1
  cat >"$WORK/kea-dhcp4.json" <<JSON
{ "Dhcp4": {
  "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "udp" },
  "lease-database": { "type": "memfile", "persist": true, "lfc-interval": 0,
                      "name": "$data/kea-leases4.csv" },
  "multi-threading": { "enable-multi-threading": false },
  "valid-lifetime": $LEASE_TIME, "renew-timer": $((LEASE_TIME / 2)),
  "rebind-timer": $((LEASE_TIME * 7 / 8)),
  "subnet4": [ { "id": 1, "subnet": "$SUBNET",
                 "pools": [ { "pool": "$POOL_FIRST - $POOL_LAST" } ] } ],
  "loggers": [ { "name": "kea-dhcp4", "severity": "WARN",
                 "output_options": [ { "output": "$WORK/kea.log" } ] } ]
} }
JSON
  # `ip netns exec` and taskset exec: $! is kea-dhcp4's own PID.
  KEA_PIDFILE_DIR=$WORK/kea-run KEA_LOCKFILE_DIR=$WORK/kea-run \
    ip netns exec "$srv" taskset -c "$SERVER_CORE" kea-dhcp4 -c "$WORK/kea-dhcp4.json" \
    >>"$WORK/kea-stdout.log" 2>&1 &
  SERVER_PID=$!
  track_pid "$SERVER_PID"
  wait_until 20 "kea-dhcp4 to listen on $SERVER_IP:67" \
    bash -c "ip netns exec $srv ss -Hlun 'sport = :67' | grep -q $SERVER_IP"
}

slipway_start() { # slipway_start DATA_DIR
  cat >"$WORK/slipway.yaml" <<YAML
interface: eth0
data_dir: $1
assets_dir: $WORK/assets
log_level: warn
dhcp:
  subnet: $SUBNET
  range: $POOL_FIRST-$POOL_LAST
  lease_time: $LEASE_TIME
YAML
  start_slipway "$srv" "$WORK/slipway.yaml" "$WORK/slipway.log"
  SERVER_PID=$SLIPWAY_PID
  taskset -a -cp "$SERVER_CORE" "$SERVER_PID" >/dev/null
}

# --- one round ---------------------------------------------------------------------------------
# round_once SERVER RATE SECONDS [CLIENTS]: a fresh server on an empty lease database, perfdhcp for
# SECONDS at RATE with CLIENTS simulated clients (default $CLIENTS). Sets ROUND_RESULT to one line:
#   sent_do rcvd_do sent_ra rcvd_ra server_cpu_ticks other%
# other% = user-space CPU of processes other than the server and perfdhcp during the round, in %
# of the whole machine (someone compiling next to the benchmark shows up there).
# Not called in $(...): the server it starts must stay known to the cleanup trap.
ROUND=0
round_once() {
  local server=$1 rate=$2 seconds=$3 clients=${4:-$CLIENTS}
  ROUND=$((ROUND + 1))
  local data=$WORK/data-$ROUND-$server-$rate out=$WORK/perfdhcp-$ROUND-$server-$rate.txt
  rm -rf "$data"
  mkdir -p "$data"
  wait_quiet
  "${server}_start" "$data"
  sleep 0.5
  local cpu0 cpu1 usr0 usr1 mach0 mach1 kids0 kids1 rc=0
  cpu0=$(cpu_ticks "$SERVER_PID")
  usr0=$(user_ticks "$SERVER_PID")
  children_user_ticks
  kids0=$KIDS_TICKS
  mach0=$(machine_ticks)
  # -W: after the period, wait 1 s (the drop time) for answers already on their way.
  ip netns exec "$cli" taskset -c "$CLIENT_CORE" perfdhcp -4 -r "$rate" -p "$seconds" -R "$clients" \
    -W 1000000 -l "$CLIENT_IP" "$SERVER_IP" >"$out" 2>&1 || rc=$?
  mach1=$(machine_ticks)
  children_user_ticks
  kids1=$KIDS_TICKS
  kill -0 "$SERVER_PID" 2>/dev/null || fail "$server died during the $rate/s round (see $server log)"
  cpu1=$(cpu_ticks "$SERVER_PID")
  usr1=$(user_ticks "$SERVER_PID")
  stop_pid "$SERVER_PID"
  # perfdhcp exits 3 when some exchanges were not completed: that is a measurement, not an error.
  ((rc == 0 || rc == 3)) || { cat "$out" >&2; fail "perfdhcp failed (exit $rc) against $server at $rate/s"; }
  local other
  other=$(awk -v a="$mach0" -v b="$mach1" -v ours=$((usr1 - usr0 + kids1 - kids0)) 'BEGIN {
    split(a, x, " "); split(b, y, " "); t = y[2] - x[2]; o = y[1] - x[1] - ours
    printf "%d", (t > 0 && o > 0 ? 100 * o / t : 0) }')
  ROUND_RESULT=$(awk -v cpu=$((cpu1 - cpu0)) -v other="$other" '
    /Statistics for: DISCOVER-OFFER/ { s = "do" }
    /Statistics for: REQUEST-ACK/ { s = "ra" }
    s != "" && /^sent packets:/ { sent[s] = $3 }
    s != "" && /^received packets:/ { rcvd[s] = $3 }
    END { print sent["do"] + 0, rcvd["do"] + 0, sent["ra"] + 0, rcvd["ra"] + 0, cpu, other }' "$out")
}

# round SERVER RATE SECONDS: round_once, measured again (up to $BENCH_ATTEMPTS attempts in all,
# default 3) while other work disturbed it (other% >= 10), and once more to confirm a result with
# >= 1% drops (this machine has disk and scheduling hiccups that neither server causes). Keeps the
# undisturbed attempt with the fewest drops; appends a 7th field: 1 when a failure was not
# confirmed (the first undisturbed attempt had >= 1% drops, a later one did not), else 0.
DISTURBED=10
worst_drop_ppm() { # worst_drop_ppm LINE: the larger drop fraction of the two exchanges, in ppm
  read -r sd rd sr rr _ <<<"$1"
  awk -v sd="$sd" -v rd="$rd" -v sr="$sr" -v rr="$rr" 'BEGIN {
    a = sd > 0 ? (sd - rd) / sd : 1; b = sr > 0 ? (sr - rr) / sr : 1
    printf "%d", 1000000 * (a > b ? a : b) }'
}
round() {
  local attempt best="" best_key=999999999999 key other confirming=0
  for ((attempt = 1; attempt <= ${BENCH_ATTEMPTS:-3}; attempt++)); do
    round_once "$@"
    other=${ROUND_RESULT##* }
    # Undisturbed first, then fewest drops, then least disturbed.
    key=$(((other >= DISTURBED ? 1 : 0) * 100000000000 + $(worst_drop_ppm "$ROUND_RESULT") * 100 + other))
    if ((key < best_key)); then
      best=$ROUND_RESULT
      best_key=$key
    fi
    if ((other >= DISTURBED)); then
      log "$1 at $2/s: other processes used ${other}% of the machine during the round; measuring again"
      continue
    fi
    ok_round "$ROUND_RESULT" && break
    ((confirming)) && break
    confirming=1
    log "$1 at $2/s: $(awk -v p="$(worst_drop_ppm "$ROUND_RESULT")" 'BEGIN { printf "%.2f", p / 10000 }')% drops; measuring again to confirm"
  done
  local unconfirmed=0
  ((confirming)) && ok_round "$best" && unconfirmed=1
  ROUND_RESULT="$best $unconfirmed"
}

# Derived figures from a round line.
drop_pct() { awk -v s="$1" -v r="$2" 'BEGIN { if (s == 0) print "100.00"; else printf "%.2f", 100 * (s - r) / s }'; }
per_s() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%d", n / t + 0.5 }'; }
cpu_per_10k() { awk -v c="$1" -v n="$2" -v hz="$TICKS" 'BEGIN { if (n == 0) print "-"; else printf "%.3f", c / hz / n * 10000 }'; }
ok_round() { # ok_round LINE: < 1 % drops in both exchanges
  read -r sd rd sr rr _ <<<"$1"
  awk -v sd="$sd" -v rd="$rd" -v sr="$sr" -v rr="$rr" \
    'BEGIN { exit !(sd > 0 && sr > 0 && (sd - rd) < 0.01 * sd && (sr - rr) < 0.01 * sr) }'
}
# cells LINE SECONDS RATE: the columns of one server in the table
cells() {
  read -r sd rd sr rr cpu other unconfirmed <<<"$1"
  local flag=" "
  ((other >= DISTURBED)) && flag="*"
  ((unconfirmed)) && flag="r$flag"
  awk -v sd="$sd" -v sr="$sr" -v t="$2" -v rate="$3" 'BEGIN { exit !(sd < 0.98 * rate * t) }' && flag="c$flag"
  printf '%7s %8s %8s %8s %8s %-3s' "$(per_s "$sd" "$2")" "$(drop_pct "$sd" "$rd")" "$(drop_pct "$sr" "$rr")" \
    "$(per_s "$rr" "$2")" "$(cpu_per_10k "$cpu" "$rr")" "$flag"
}

declare -A result
SERVERS=(kea slipway)
declare -A NAME=([kea]="Kea" [slipway]="Slipway")
start_busy=$(busy_pct)
log "machine busy ${start_busy}% before the benchmark; $(nproc) cores; rates: $RATES; $DURATION s each"
for server in "${SERVERS[@]}"; do
  for rate in $RATES; do
    round "$server" "$rate" "$DURATION"
    result[$server,$rate]=$ROUND_RESULT
    read -r sd rd sr rr _ <<<"${result[$server,$rate]}"
    log "${NAME[$server]} $rate/s: DISCOVER $sd sent $rd answered, REQUEST $sr sent $rr answered"
  done
done
for server in "${SERVERS[@]}"; do
  round "$server" "$CPU_RATE" "$DURATION"
  result[$server,cpu]=$ROUND_RESULT
  round "$server" "$CPU_RATE" "$DURATION" "$MANY_CLIENTS"
  result[$server,many]=$ROUND_RESULT
done

# Syscalls per ACK while leasing (strace slows the server: these rounds are not timed).
declare -A sys_write sys_sync
if command -v strace >/dev/null; then
  for server in "${SERVERS[@]}"; do
    data=$WORK/data-strace-$server
    mkdir -p "$data"
    "${server}_start" "$data"
    strace -f -c -o "$WORK/strace-$server.txt" -p "$SERVER_PID" 2>/dev/null &
    strace_pid=$!
    track_pid "$strace_pid"
    sleep 1
    ip netns exec "$cli" taskset -c "$CLIENT_CORE" perfdhcp -4 -r 500 -p 2 -R "$CLIENTS" -W 1000000 \
      -l "$CLIENT_IP" "$SERVER_IP" >"$WORK/perfdhcp-strace-$server.txt" 2>&1 || true
    kill -INT "$strace_pid" 2>/dev/null || true
    wait "$strace_pid" 2>/dev/null || true
    stop_pid "$strace_pid"
    stop_pid "$SERVER_PID"
    acks=$(awk '/Statistics for: REQUEST-ACK/ { s = 1 } s && /^received packets:/ { print $3; exit }' \
      "$WORK/perfdhcp-strace-$server.txt")
    calls() { awk -v re="$1" '$NF ~ re && $4 ~ /^[0-9]+$/ { n += $4 } END { print n + 0 }' "$WORK/strace-$server.txt"; }
    sys_write[$server]=$(awk -v n="$(calls '^(write|pwrite64|writev|pwritev2?)$')" -v a="${acks:-0}" \
      'BEGIN { if (a) printf "%.2f", n / a; else print "-" }')
    sys_sync[$server]=$(awk -v n="$(calls '^(fsync|fdatasync|sync_file_range|msync)$')" -v a="${acks:-0}" \
      'BEGIN { if (a) printf "%.2f", n / a; else print "-" }')
  done
fi
end_busy=$(busy_pct)

# --- report ------------------------------------------------------------------------------------
fs=$(df -T "$WORK" | awk 'NR == 2 { print $2 " (" $1 ")" }')
slipway_built=$(date -r "$SLIPWAY_BIN" '+%Y-%m-%d %H:%M')
src_tree=$(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo "?")
[[ -n "$(git -C "$(dirname "$0")" status --porcelain -- '*.cpp' '*.h' '*CMakeLists.txt' 2>/dev/null)" ]] && src_tree="$src_tree + uncommitted changes"
cat <<EOF

DHCP benchmark: perfdhcp 4-way exchanges (DISCOVER-OFFER, REQUEST-ACK), $KEA_VERSION vs Slipway
  $(nproc) cores: each server alone on core $SERVER_CORE, perfdhcp on core $CLIENT_CORE (taskset); machine busy ${start_busy}% before, ${end_busy}% after
  network: namespaces with a veth pair; server $SERVER_IP, perfdhcp $CLIENT_IP (it always acts as a relay: giaddr)
  pool: $POOL_FIRST-$POOL_LAST ($POOL_SIZE addresses) in $SUBNET, lease time $LEASE_TIME s, for both servers
  clients in the rate steps: $CLIENTS simulated MACs (perfdhcp -R $CLIENTS), one picked at random per exchange:
    after the first ~$CLIENTS ACKs most exchanges are returning clients (same address again); every ACK
    still writes a lease on both servers. The CPU rounds at the end also try $MANY_CLIENTS clients.
  every round: a fresh server process on an empty lease database, perfdhcp -r RATE -p $DURATION -W 1000000
  Kea: kea-dhcp4 memfile, persist true, lfc-interval 0, udp sockets, one thread
  Slipway: $SLIPWAY_BIN (built $slipway_built; source tree now at $src_tree),
    SQLite lease store, log_level warn
  lease data of both on $fs

Columns: sent/s = DISCOVERs perfdhcp sent per second; DO/RA drop% = DISCOVERs without an OFFER and
REQUESTs without an ACK (perfdhcp's sent - received, in %); DORA/s = ACKs received / $DURATION s;
cpu/10k = server CPU seconds (user + system) per 10,000 ACKs.
Flags: c = perfdhcp sent < 98% of the asked rate (the client, not the server, was the limit);
       * = other processes used >= ${DISTURBED}% of the machine during the round, in the best of
           up to ${BENCH_ATTEMPTS:-3} attempts (figures less reliable);
       r = the first attempt had >= 1% drops, the one shown did not: a rate that fails is measured
           twice and the better attempt is shown (for both servers alike).

EOF
hdr_server() { printf '| %-47s ' "$1"; }
printf '%8s ' "offered"
for s in "${SERVERS[@]}"; do hdr_server "${NAME[$s]}"; done
echo
printf '%8s ' "rate/s"
for s in "${SERVERS[@]}"; do printf '| %7s %8s %8s %8s %8s     ' sent/s DO-drop% RA-drop% DORA/s cpu/10k; done
echo
for rate in $RATES; do
  printf '%8s ' "$rate"
  for s in "${SERVERS[@]}"; do printf '| %s ' "$(cells "${result[$s,$rate]}" "$DURATION" "$rate")"; done
  echo
done

echo
echo "Highest offered rate with < 1% drops in both exchanges (resolution: the rate steps above):"
declare -A best best_dora
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0 || a == "-" || b == "-") print "-"; else printf "%.2f", a / b }'; }
for s in "${SERVERS[@]}"; do
  best[$s]=0
  best_dora[$s]=0
  failed_below=""
  for rate in $RATES; do
    if ok_round "${result[$s,$rate]}"; then
      if ((rate > best[$s])); then
        best[$s]=$rate
        read -r _ _ _ rr _ <<<"${result[$s,$rate]}"
        best_dora[$s]=$(per_s "$rr" "$DURATION")
      fi
    else
      failed_below="$failed_below $rate"
    fi
  done
  notes=""
  lower=""
  for rate in $failed_below; do ((rate < best[$s])) && lower="$lower $rate/s"; done
  [[ -n "$lower" ]] && notes="  (but failed at$lower, twice: not steady)"
  top=""
  for rate in $RATES; do ((rate > best[$s])) && top=x; done
  [[ -z "$top" ]] && notes="$notes  (passed every rate tried: the limit is at or above it)"
  if ((best[$s] == 0)); then
    printf '  %-8s none of the rates tried\n' "${NAME[$s]}"
  else
    printf '  %-8s %6s/s  (%s DORA/s achieved)%s\n' "${NAME[$s]}" "${best[$s]}" "${best_dora[$s]}" "$notes"
  fi
done
printf '  Slipway / Kea = %s  (achieved DORA/s at those rates: %s)\n' "$(ratio "${best[slipway]}" "${best[kea]}")" \
  "$(ratio "${best_dora[slipway]}" "${best_dora[kea]}")"
peak() { # peak SERVER: the most DORA/s achieved at any offered rate
  local s=$1 rate rr max=0
  for rate in $RATES; do
    read -r _ _ _ rr _ <<<"${result[$s,$rate]}"
    rr=$(per_s "$rr" "$DURATION")
    ((rr > max)) && max=$rr
  done
  echo "$max"
}
printf '  Most DORA/s achieved at any rate (with drops): Kea %s, Slipway %s, Slipway / Kea = %s\n' \
  "$(peak kea)" "$(peak slipway)" "$(ratio "$(peak slipway)" "$(peak kea)")"

echo
echo "Server CPU per 10,000 leases at a fixed $CPU_RATE/s for $DURATION s (fresh server, empty database each time):"
cpu_block() { # cpu_block KEY CLIENTS
  local key=$1 clients=$2 s sd rd sr rr cpu other note distinct
  declare -A c10k
  read -r _ _ _ rr _ <<<"${result[kea,$key]}"
  distinct=$(awk -v n="$clients" -v a="$rr" 'BEGIN { printf "%d", n * (1 - exp(-a / n)) }')
  printf '  %s clients (perfdhcp -R %s): about %s different clients leased in %s ACKs, %s\n' "$clients" "$clients" \
    "$distinct" "$rr" "$( ((distinct * 2 > rr)) && echo "mostly first-time allocations" || echo "mostly returning clients")"
  for s in "${SERVERS[@]}"; do
    read -r sd rd sr rr cpu other _ <<<"${result[$s,$key]}"
    c10k[$s]=$(cpu_per_10k "$cpu" "$rr")
    note=""
    ok_round "${result[$s,$key]}" || note="  NOT SUSTAINED (drops >= 1%; the CPU figure is for what was answered)"
    ((other >= DISTURBED)) && note="$note  (other processes used ${other}% of the machine meanwhile)"
    printf '    %-8s %6s CPU s per 10,000 ACKs  (%s ticks of 1/%s s; %s DORA/s; drops DO %s%%, RA %s%%)%s\n' \
      "${NAME[$s]}" "${c10k[$s]}" "$cpu" "$TICKS" "$(per_s "$rr" "$DURATION")" "$(drop_pct "$sd" "$rd")" \
      "$(drop_pct "$sr" "$rr")" "$note"
  done
  printf '    Slipway / Kea = %s  (below 1: Slipway uses less CPU per lease)\n' "$(ratio "${c10k[slipway]}" "${c10k[kea]}")"
}
cpu_block cpu "$CLIENTS"
cpu_block many "$MANY_CLIENTS"

if ((${#sys_write[@]})); then
  echo
  echo "What \"persistent\" costs per ACK at a low rate (strace -f -c on the server, 500/s for 2 s, not timed;"
  echo "a server that commits leases in groups needs fewer fsyncs per ACK at higher rates):"
  for s in "${SERVERS[@]}"; do
    printf '  %-8s write calls %s, fsync/fdatasync calls %s per ACK\n' "${NAME[$s]}" "${sys_write[$s]}" "${sys_sync[$s]}"
  done
  echo "  A lease written without fsync survives kill -9 of the server, not a power cut."
fi
echo
echo "Raw perfdhcp outputs: $WORK (kept if SLIPWAY_KEEP_WORK=1)"
