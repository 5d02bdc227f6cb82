#!/usr/bin/env bash
# Benchmark: HTTP file serving of Slipway next to nginx (sendfile on, keep-alive), in the same
# run, on the same namespaces, files and clients.
#
#   stream     one 256 MiB file, one curl (-w %{speed_download}); best of --repeat per server
#   N clients  N curl processes at once (default 50) fetching one 64 MiB file: aggregate MB/s
#              (all bytes / wall time) and the server's CPU seconds (utime + stime from
#              /proc/PID/stat before and after; for nginx the master and its workers)
#   req/s      wrk -t1 -c64 keep-alive for --duration seconds: Slipway's rendered per-machine iPXE
#              script (/boot/ipxe?mac=...) and its static 300-byte asset, nginx's static 300-byte
#              file
#
# Both servers run for the whole benchmark, each pinned to core 1 (taskset; nginx with one
# worker), the clients on core 0; the rounds alternate between the two servers, so a change of
# load from elsewhere on the machine falls on both. Files are served at /assets/NAME by both
# (Slipway from its assets_dir, nginx from an alias of the same folder). The access log is off
# for both (Slipway's `http.access_log: off` where the daemon knows the key; a daemon without the
# key writes none). nginx: its own configuration in the work folder (daemon off, pid, error log
# and temporary folders there), sendfile, tcp_nopush, keepalive_requests 1000 (Slipway's default
# max_requests_per_connection). MB = 10^6 bytes.
#
# Usage: tests/bench/http_bench.sh BUILD_DIR [--repeat N] [--clients N] [--duration S]
# Root. Keep the work folder with SLIPWAY_KEEP_WORK=1.
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/bench.sh
source "$(dirname "$0")/../lib/bench.sh"
slipway_bins "${1:-}"
shift

REPEAT=5
CLIENTS=50
DURATION=5
while (($#)); do
  case "$1" in
    --repeat) REPEAT=${2:?}; shift 2 ;;
    --clients) CLIENTS=${2:?}; shift 2 ;;
    --duration) DURATION=${2:?}; shift 2 ;;
    *) fail "unknown option $1 (usage: $0 BUILD_DIR [--repeat N] [--clients N] [--duration S])" ;;
  esac
done
[[ "$REPEAT" =~ ^[1-9]$ ]] || fail "--repeat must be 1..9"
if ! [[ "$CLIENTS" =~ ^[1-9][0-9]*$ ]] || ((CLIENTS > 200)); then fail "--clients must be 1..200"; fi
if ! [[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || ((DURATION > 60)); then fail "--duration must be 1..60"; fi
"$(dirname "$0")/../../scripts/deps.sh" bench
slipway_test_init bench-http
for tool in curl wrk nginx taskset; do
  command -v "$tool" >/dev/null || fail "$tool missing (scripts/deps.sh bench installs it)"
done
(($(nproc) >= 2)) || fail "needs 2 cores (servers on core 1, clients on core 0)"

SERVER_IP=198.18.70.1
CLIENT_IP=198.18.70.2
SLIPWAY_PORT=8080
NGINX_PORT=8081
SERVER_CORE=1
CLIENT_CORE=0
MAC=52:54:00:aa:bb:01
# No transfer may run longer than this (a stuck server must not stall the benchmark).
TRANSFER_LIMIT=120
TICKS=$(getconf CLK_TCK)
declare -A URL=([slipway]=http://$SERVER_IP:$SLIPWAY_PORT [nginx]=http://$SERVER_IP:$NGINX_PORT)

srv=shb-srv-$$
cli=shb-cli-$$
netns_pair "$srv" "$cli" "$SERVER_IP/24" "$CLIENT_IP/24"
export SLIPWAY_URL=${URL[slipway]} # start_slipway polls /healthz from the server namespace

# --- files -------------------------------------------------------------------------------------
ROOT=$WORK/root
mkdir -p "$ROOT" "$WORK/nginx"
head -c $((256 << 20)) /dev/urandom >"$ROOT/big.bin"
head -c $((64 << 20)) /dev/urandom >"$ROOT/mid.bin"
head -c 300 /dev/urandom | base64 -w 0 | head -c 299 >"$ROOT/small.txt"
echo >>"$ROOT/small.txt"
# nginx's worker runs as nobody: it must be able to read the files.
chmod 755 "$WORK" "$ROOT"
chmod 644 "$ROOT"/*
declare -A SIZE SUM
for f in big.bin mid.bin small.txt; do
  SIZE[$f]=$(stat -c %s "$ROOT/$f")
  SUM[$f]=$(sha256sum <"$ROOT/$f" | cut -d' ' -f1)
done
[[ "${SIZE[small.txt]}" == 300 ]] || fail "small.txt is ${SIZE[small.txt]} bytes, not 300"

# --- the servers -------------------------------------------------------------------------------
declare -A PID
slipway_config() { # slipway_config ACCESS_LOG_KEY(0|1)
  cat <<YAML
server_address: $SERVER_IP
data_dir: $WORK/slipway-data
assets_dir: $ROOT
log_level: warn
dhcp: {enabled: false}
tftp: {enabled: false}
http:
  listen: $SERVER_IP
  port: $SLIPWAY_PORT
YAML
  if (($1)); then echo "  access_log: \"off\""; fi
}
slipway_config 1 >"$WORK/slipway.yaml"
ACCESS_NOTE="access log off for both"
if ! "$SLIPWAY_BIN" serve --config "$WORK/slipway.yaml" --check >"$WORK/check.log" 2>&1; then
  grep -q access_log "$WORK/check.log" || { cat "$WORK/check.log" >&2; fail "slipway rejects its benchmark configuration"; }
  slipway_config 0 >"$WORK/slipway.yaml"
  ACCESS_NOTE="access log off for both (this Slipway has no http.access_log key and writes no access log)"
fi
start_slipway "$srv" "$WORK/slipway.yaml" "$WORK/slipway.log"
PID[slipway]=$SLIPWAY_PID
taskset -a -cp "$SERVER_CORE" "${PID[slipway]}" >/dev/null

n=$WORK/nginx
cat >"$n/nginx.conf" <<NGINX
daemon off;
worker_processes 1;
pid $n/nginx.pid;
error_log $n/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 30s;
  keepalive_requests 1000;
  default_type application/octet-stream;
  client_body_temp_path $n/client_body;
  proxy_temp_path $n/proxy;
  fastcgi_temp_path $n/fastcgi;
  uwsgi_temp_path $n/uwsgi;
  scgi_temp_path $n/scgi;
  server {
    listen $SERVER_IP:$NGINX_PORT;
    location /assets/ { alias $ROOT/; }
  }
}
NGINX
# -p and -e: nothing outside the work folder is read or written (not even at start-up).
spawn_in_ns "$srv" "$n/nginx.log" taskset -c "$SERVER_CORE" nginx -p "$n" -e "$n/error.log" -c "$n/nginx.conf"
PID[nginx]=$SPAWNED_PID
wait_until 10 "nginx to answer" in_ns "$srv" curl -sf -o /dev/null "${URL[nginx]}/assets/small.txt"
NGINX_VERSION=$(nginx -v 2>&1 | sed 's|.*nginx/||')

# server_ticks NAME: user + system clock ticks of the server (all threads, and nginx's workers:
# the master's children in /proc/PID/task/PID/children).
server_ticks() {
  local pid=${PID[$1]} p total=0 ids
  ids="$pid $(cat "/proc/$pid/task/$pid/children" 2>/dev/null)"
  for p in $ids; do
    total=$((total + $(cpu_ticks "$p")))
  done
  echo "$total"
}
alive() { kill -0 "${PID[$1]}" 2>/dev/null || fail "$1 (pid ${PID[$1]}) has exited"; }

# Correctness first (and page cache warm for both): every file, whole, from both servers.
for s in slipway nginx; do
  for f in big.bin mid.bin small.txt; do
    got=$(in_ns "$cli" curl -sS --max-time "$TRANSFER_LIMIT" -f "${URL[$s]}/assets/$f" | sha256sum | cut -d' ' -f1)
    [[ "$got" == "${SUM[$f]}" ]] || fail "$s: /assets/$f differs from the file"
  done
done
script_status=$(in_ns "$cli" curl -s -o "$WORK/script.ipxe" -w '%{http_code}' "${URL[slipway]}/boot/ipxe?mac=$MAC")
if [[ "$script_status" != 200 ]] || ! head -n1 "$WORK/script.ipxe" | grep -q '^#!ipxe'; then
  fail "GET /boot/ipxe?mac=$MAC gave $script_status: $(head -c 300 "$WORK/script.ipxe")"
fi
SCRIPT_BYTES=$(stat -c %s "$WORK/script.ipxe")
log "both servers serve the same bytes; the iPXE script is $SCRIPT_BYTES bytes"

client() { ip netns exec "$cli" taskset -c "$CLIENT_CORE" "$@"; }

# --- 1: one 256 MiB stream ---------------------------------------------------------------------
declare -A R
BUSY_START=$(busy_pct)
wait_quiet
declare -A STREAMS=([slipway]="" [nginx]="")
for ((i = 1; i <= REPEAT; i++)); do
  for s in slipway nginx; do
    out=$(client timeout "$TRANSFER_LIMIT" curl -sS -o /dev/null -w '%{http_code} %{size_download} %{speed_download}' \
      "${URL[$s]}/assets/big.bin") || fail "$s: the 256 MiB download failed"
    read -r code bytes speed <<<"$out"
    [[ "$code" == 200 && "$bytes" == "${SIZE[big.bin]}" ]] || fail "$s: 256 MiB download gave $code with $bytes bytes"
    STREAMS[$s]+=" $(awk -v b="$speed" 'BEGIN { printf "%.0f", b / 1e6 }')"
  done
done
for s in slipway nginx; do
  R[$s,stream]=$(tr ' ' '\n' <<<"${STREAMS[$s]}" | sort -n | tail -n1)
  log "$s 256 MiB stream:${STREAMS[$s]} MB/s (best ${R[$s,stream]})"
done

# --- 2: N concurrent downloads of the 64 MiB file ------------------------------------------------
now() { date +%s.%N; }
many() { # many SERVER: sets R[SERVER,many] (MB/s) and R[SERVER,cpu] (CPU seconds)
  local s=$1 i t0 t1 c0 c1 pids=() failed=0 bad=0
  alive "$s"
  c0=$(server_ticks "$s")
  t0=$(now)
  for ((i = 1; i <= CLIENTS; i++)); do
    spawn_in_ns "$cli" "$WORK/many-$s-$i.log" taskset -c "$CLIENT_CORE" curl -sS --max-time "$TRANSFER_LIMIT" \
      -o /dev/null -w '%{http_code} %{size_download}\n' "${URL[$s]}/assets/mid.bin"
    pids+=("$SPAWNED_PID")
  done
  for p in "${pids[@]}"; do
    wait "$p" || failed=$((failed + 1))
    forget_pid "$p"
  done
  t1=$(now)
  c1=$(server_ticks "$s")
  ((failed == 0)) || fail "$s: $failed of $CLIENTS concurrent downloads failed (logs in $WORK/many-$s-*.log)"
  for ((i = 1; i <= CLIENTS; i++)); do
    [[ "$(tail -n1 "$WORK/many-$s-$i.log")" == "200 ${SIZE[mid.bin]}" ]] || bad=$((bad + 1))
  done
  ((bad == 0)) || fail "$s: $bad of $CLIENTS concurrent downloads were short or not 200"
  R[$s,many]=$(awk -v n="$CLIENTS" -v b="${SIZE[mid.bin]}" -v a="$t0" -v z="$t1" 'BEGIN { printf "%.0f", n * b / (z - a) / 1e6 }')
  R[$s,cpu]=$(awk -v c=$((c1 - c0)) -v hz="$TICKS" 'BEGIN { printf "%.2f", c / hz }')
  log "$s $CLIENTS x 64 MiB: ${R[$s,many]} MB/s aggregate, ${R[$s,cpu]} CPU s"
}
wait_quiet
for s in slipway nginx; do many "$s"; done

# --- 3: keep-alive requests per second ---------------------------------------------------------
bench_wrk() { # bench_wrk KEY SERVER PATH: sets R[KEY] (req/s); any non-2xx/3xx or socket error fails
  local key=$1 s=$2 path=$3 out=$WORK/wrk-$1.txt
  alive "$s"
  client timeout $((DURATION + 30)) wrk -t1 -c64 -d"${DURATION}s" --latency "${URL[$s]}$path" >"$out" 2>&1 ||
    { cat "$out" >&2; fail "wrk on $s$path failed"; }
  if grep -Eq 'Non-2xx|Socket errors' "$out"; then
    cat "$out" >&2
    fail "wrk on $s$path saw errors"
  fi
  R[$key]=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$out")
  R[$key,p99]=$(awk '$1 == "99%" { print $2 }' "$out")
  [[ -n "${R[$key]}" ]] || { cat "$out" >&2; fail "no Requests/sec in wrk's output"; }
  log "$s $path: ${R[$key]} req/s (p99 ${R[$key,p99]})"
}
wait_quiet
bench_wrk script slipway "/boot/ipxe?mac=$MAC"
bench_wrk nginx_static nginx /assets/small.txt
bench_wrk slipway_static slipway /assets/small.txt
BUSY_END=$(busy_pct)

# --- report ------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
per_gb() { awk -v c="$1" -v n="$CLIENTS" -v b="${SIZE[mid.bin]}" 'BEGIN { printf "%.2f", c / (n * b / 1e9) }'; }
cat <<EOF

HTTP benchmark: $(nproc) cores, each server pinned to core $SERVER_CORE, clients on core $CLIENT_CORE; machine busy ${BUSY_START}% before, ${BUSY_END}% after
  client $CLIENT_IP -> server $SERVER_IP over a veth pair (MTU 1500); files of random bytes, page cache warm, checked with SHA-256 once per server
  slipway $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo "?"); nginx $NGINX_VERSION (sendfile on, tcp_nopush, 1 worker, keepalive_requests 1000); $ACCESS_NOTE
  clients: curl $(curl --version | head -n1 | awk '{ print $2 }'); wrk $(dpkg-query -W -f='${Version}' wrk 2>/dev/null) -t1 -c64 -d${DURATION}s keep-alive; MB = 10^6 bytes

measurement                                     slipway        nginx   slipway/nginx   target
EOF
row() { printf '%-44s %10s %12s %11s %10s\n' "$@"; }
row "256 MiB stream, MB/s (best of $REPEAT)" "${R[slipway,stream]}" "${R[nginx,stream]}" \
  "$(ratio "${R[slipway,stream]}" "${R[nginx,stream]}")" ">= 0.9"
row "$CLIENTS x 64 MiB at once, aggregate MB/s" "${R[slipway,many]}" "${R[nginx,many]}" \
  "$(ratio "${R[slipway,many]}" "${R[nginx,many]}")" ""
row "$CLIENTS x 64 MiB at once, server CPU s" "${R[slipway,cpu]}" "${R[nginx,cpu]}" \
  "$(ratio "${R[slipway,cpu]}" "${R[nginx,cpu]}")" ""
row "  (server CPU s per GB)" "$(per_gb "${R[slipway,cpu]}")" "$(per_gb "${R[nginx,cpu]}")" "" ""
row "req/s: iPXE script vs nginx static 300 B" "${R[script]}" "${R[nginx_static]}" \
  "$(ratio "${R[script]}" "${R[nginx_static]}")" ">= 0.5"
row "req/s: static 300 B (both)" "${R[slipway_static]}" "${R[nginx_static]}" \
  "$(ratio "${R[slipway_static]}" "${R[nginx_static]}")" ""
row "  p99 latency: script / static, static" "${R[script,p99]} / ${R[slipway_static,p99]}" "${R[nginx_static,p99]}" "" ""
echo "  (iPXE script: GET /boot/ipxe?mac=$MAC, $SCRIPT_BYTES bytes, rendered per request)"
