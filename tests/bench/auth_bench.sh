#!/usr/bin/env bash
# Benchmark: what authentication costs an API read, and whether a flood of wrong tokens from one
# address slows down everybody else. Slipway next to nginx, in the same run, on the same
# namespaces and client.
#
#   authorized read   wrk -t1 -c64 keep-alive, GET /api/v1/profiles with a viewer token (Slipway:
#                     token parse, SQLite lookup by id, SHA-256, constant-time compare, role
#                     check, then the handler) vs nginx answering a static JSON file of the same
#                     size behind a `map $http_authorization` bearer check (one string compare)
#   public read       the same on a route with no authentication (Slipway /healthz, nginx static)
#   under a flood     the authorized read from the client while wrk floods unknown tokens from a
#                     second source address (the server namespace's loopback; 401 until
#                     auth.failed_per_minute, then 429): req/s and p99 of the legitimate client,
#                     next to its figures without the flood, and the flood's own req/s
#
# Each server is pinned to core 1 (nginx with one worker), the clients to core 0. The access log
# is off for both. Usage: tests/bench/auth_bench.sh BUILD_DIR [--duration S]. Root.
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/bench.sh
source "$(dirname "$0")/../lib/bench.sh"
slipway_bins "${1:-}"
shift

DURATION=5
while (($#)); do
  case "$1" in
    --duration) DURATION=${2:?}; shift 2 ;;
    *) fail "unknown option $1 (usage: $0 BUILD_DIR [--duration S])" ;;
  esac
done
if ! [[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || ((DURATION > 60)); then fail "--duration must be 1..60"; fi
"$(dirname "$0")/../../scripts/deps.sh" bench
slipway_test_init bench-auth
for tool in curl wrk nginx taskset jq; do
  command -v "$tool" >/dev/null || fail "$tool missing (scripts/deps.sh bench installs it)"
done
(($(nproc) >= 2)) || fail "needs 2 cores (servers on core 1, clients on core 0)"

SERVER_IP=198.18.72.1
CLIENT_IP=198.18.72.2
SLIPWAY_PORT=8080
NGINX_PORT=8081
SERVER_CORE=1
CLIENT_CORE=0
declare -A URL=([slipway]=http://$SERVER_IP:$SLIPWAY_PORT [nginx]=http://$SERVER_IP:$NGINX_PORT)
WRONG=slw_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA

srv=sab-srv-$$
cli=sab-cli-$$
netns_pair "$srv" "$cli" "$SERVER_IP/24" "$CLIENT_IP/24"
in_ns "$srv" ip link set lo up
export SLIPWAY_URL=${URL[slipway]}

mkdir -p "$WORK/assets" "$WORK/nginx/www/api/v1"
cat >"$WORK/slipway.yaml" <<YAML
server_address: $SERVER_IP
data_dir: $WORK/data
assets_dir: $WORK/assets
log_level: warn
dhcp: {enabled: false}
tftp: {enabled: false}
https: {enabled: false}
http:
  port: $SLIPWAY_PORT
  access_log: "off"
YAML
start_slipway "$srv" "$WORK/slipway.yaml" "$WORK/slipway.log"
taskset -a -cp "$SERVER_CORE" "$SLIPWAY_PID" >/dev/null
VIEWER=$(in_ns "$cli" "$SLIPWAY_BIN" tokens create bench-viewer --role viewer 2>/dev/null)
[[ $VIEWER == slw_* ]] || fail "could not create a viewer token"
status=$(in_ns "$cli" curl -s -o "$WORK/profiles.json" -w '%{http_code}' -H "Authorization: Bearer $VIEWER" \
  "${URL[slipway]}/api/v1/profiles")
[[ $status == 200 ]] || fail "GET /api/v1/profiles with the viewer token: $status"
status=$(in_ns "$cli" curl -s -o /dev/null -w '%{http_code}' "${URL[slipway]}/api/v1/profiles")
[[ $status == 401 ]] || fail "GET /api/v1/profiles without a token: $status, 401 expected"

# nginx: the same JSON, allowed only with the same bearer token.
cp "$WORK/profiles.json" "$WORK/nginx/www/api/v1/profiles"
echo ok >"$WORK/nginx/www/healthz"
chmod -R a+rX "$WORK/nginx" && chmod a+x "$WORK"
n=$WORK/nginx
cat >"$n/nginx.conf" <<NGINX
daemon off;
worker_processes 1;
pid $n/nginx.pid;
error_log $n/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_timeout 30s;
  keepalive_requests 1000;
  default_type application/json;
  client_body_temp_path $n/client_body;
  proxy_temp_path $n/proxy;
  fastcgi_temp_path $n/fastcgi;
  uwsgi_temp_path $n/uwsgi;
  scgi_temp_path $n/scgi;
  map_hash_bucket_size 256;
  map \$http_authorization \$bearer_ok { "Bearer $VIEWER" 1; default 0; }
  server {
    listen $SERVER_IP:$NGINX_PORT;
    root $n/www;
    location /api/ { if (\$bearer_ok = 0) { return 401; } }
    location = /healthz { }
  }
}
NGINX
spawn_in_ns "$srv" "$n/nginx.log" taskset -c "$SERVER_CORE" nginx -p "$n" -e "$n/error.log" -c "$n/nginx.conf"
NGINX_PID=$SPAWNED_PID
wait_until 10 "nginx to answer" in_ns "$cli" curl -sf -o /dev/null -H "Authorization: Bearer $VIEWER" "${URL[nginx]}/api/v1/profiles"
status=$(in_ns "$cli" curl -s -o /dev/null -w '%{http_code}' "${URL[nginx]}/api/v1/profiles")
[[ $status == 401 ]] || fail "nginx without the token: $status, 401 expected"

# Every wrk run below is bounded by timeout; the Lua-free header form keeps both servers equal.
declare -A R
run_wrk() { # run_wrk KEY NS CORE URL [HEADER]: sets R[KEY] (req/s), R[KEY,p99], R[KEY,codes]
  local key=$1 ns=$2 core=$3 url=$4 header=${5:-} out=$WORK/wrk-$1.txt args=()
  [[ -n $header ]] && args=(-H "$header")
  ip netns exec "$ns" taskset -c "$core" timeout $((DURATION + 30)) \
    wrk -t1 -c64 -d"${DURATION}s" --latency "${args[@]}" "$url" >"$out" 2>&1 ||
    { cat "$out" >&2; fail "wrk $key failed"; }
  R[$key]=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$out")
  R[$key,p99]=$(awk '$1 == "99%" { print $2 }' "$out")
  R[$key,non2xx]=$(awk '/Non-2xx/ { print $NF }' "$out")
  [[ -n "${R[$key]}" ]] || { cat "$out" >&2; fail "no Requests/sec in wrk's output ($key)"; }
  log "$key: ${R[$key]} req/s, p99 ${R[$key,p99]}, non-2xx ${R[$key,non2xx]:-0}"
}
ok_only() { [[ -z "${R[$1,non2xx]}" ]] || fail "$1: ${R[$1,non2xx]} answers were not 2xx"; }

wait_quiet
for s in slipway nginx; do
  run_wrk "$s,read" "$cli" "$CLIENT_CORE" "${URL[$s]}/api/v1/profiles" "Authorization: Bearer $VIEWER"
  ok_only "$s,read"
  run_wrk "$s,public" "$cli" "$CLIENT_CORE" "${URL[$s]}/healthz"
  ok_only "$s,public"
done

# The flood: wrong tokens from 127.0.0.1 (server namespace, core 0) during the client's run.
ip netns exec "$srv" taskset -c "$CLIENT_CORE" timeout $((DURATION + 40)) \
  wrk -t1 -c64 -d"$((DURATION + 4))s" -H "Authorization: Bearer $WRONG" \
  "http://127.0.0.1:$SLIPWAY_PORT/api/v1/profiles" >"$WORK/flood.txt" 2>&1 &
FLOOD_PID=$!
track_pid "$FLOOD_PID"
sleep 2
run_wrk "slipway,flooded" "$cli" "$CLIENT_CORE" "${URL[slipway]}/api/v1/profiles" "Authorization: Bearer $VIEWER"
ok_only "slipway,flooded"
wait "$FLOOD_PID" || true
forget_pid "$FLOOD_PID"
FLOOD=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$WORK/flood.txt")
limited=$(metric "$srv" 'slipway_auth_rate_limited_total')
refused=$(metric "$srv" 'slipway_auth_refused_total{status="401"}')
kill -0 "$SLIPWAY_PID" || fail "slipway exited during the flood"
if grep -aqF "${VIEWER#slw_*_}" "$WORK/slipway.log"; then fail "the viewer token's secret is in the daemon log"; fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
cat <<EOF

Auth benchmark: $(nproc) cores, servers on core $SERVER_CORE, clients on core $CLIENT_CORE; wrk -t1 -c64 -d${DURATION}s keep-alive
  slipway $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo "?") (SQLite token store, access log off); nginx $(nginx -v 2>&1 | sed 's|.*nginx/||') (1 worker, map bearer check, static JSON of the same $(stat -c %s "$WORK/profiles.json") bytes)

measurement                                     slipway        nginx   slipway/nginx
EOF
row() { printf '%-44s %10s %12s %11s\n' "$@"; }
row "req/s: authorized GET /api/v1/profiles" "${R[slipway,read]}" "${R[nginx,read]}" "$(ratio "${R[slipway,read]}" "${R[nginx,read]}")"
row "  p99" "${R[slipway,read,p99]}" "${R[nginx,read,p99]}" ""
row "req/s: public GET /healthz" "${R[slipway,public]}" "${R[nginx,public]}" "$(ratio "${R[slipway,public]}" "${R[nginx,public]}")"
row "req/s: authorized, during a wrong-token flood" "${R[slipway,flooded]}" "" "$(ratio "${R[slipway,flooded]}" "${R[slipway,read]}") of alone"
row "  p99 during the flood" "${R[slipway,flooded,p99]}" "" ""
row "  flood req/s from 127.0.0.1 (all refused)" "$FLOOD" "" ""
echo "  the flood's answers on /metrics: $refused 401 (failed_per_minute is 20, plus the check's own), $limited 429"
