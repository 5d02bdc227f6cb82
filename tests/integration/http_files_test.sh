#!/usr/bin/env bash
# Integration: HTTP file serving of the real `slipway serve` (server in one namespace, curl and
# raw sockets in another; DHCP and TFTP off), against the issue 8 contract:
#   - Range: 206 with the exact bytes (checked against dd) and Content-Range; a suffix range; 416
#     with `Content-Range: bytes */N`; HEAD: the headers and Content-Length, no body;
#   - validators: ETag and Last-Modified; If-None-Match and If-Modified-Since -> 304 without a
#     body; If-Range with the current ETag -> 206, with a stale one -> 200 and the whole file; a new
#     mtime gives a new ETag;
#   - path confinement: encoded `..`, doubled slashes, an absolute path, NUL and a 5000-character
#     path are refused (400, 404 or 414) and the daemon still answers;
#   - `http.header_timeout: 3`: a client sending one header byte a second is cut off within it,
#     while normal requests keep succeeding meanwhile;
#   - HTTPS on 8443: verified with the CA from GET /tls/ca.crt, refused without it;
#   - the access log (default <data_dir>/access.log): one line per request, Common Log Format plus
#     the duration; /metrics: slipway_http_requests_by_route_total per route and code.
# Every check runs even when an earlier one failed (features arrive one by one); the test fails
# at the end with the list of failed checks. A daemon that rejects the contract's configuration
# keys (http.header_timeout, https) is run without them, and that is a failed check too.
# Usage: http_files_test.sh BUILD_DIR
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
slipway_bins "$1"
slipway_test_init http-files

SERVER_IP=198.18.80.1
CLIENT_IP=198.18.80.2
PORT=8080
TLS_PORT=8443
HEADER_TIMEOUT=3
srv=shf-srv-$$
cli=shf-cli-$$
netns_pair "$srv" "$cli" "$SERVER_IP/24" "$CLIENT_IP/24"
export SLIPWAY_URL=http://$SERVER_IP:$PORT
BASE=$SLIPWAY_URL/assets

# check, why and checks_done: tests/lib/common.sh.

# --- files and the daemon ----------------------------------------------------------------------
ASSETS=$WORK/assets
DATA=$WORK/data
mkdir -p "$ASSETS"
FILE=$ASSETS/file.bin
head -c 1000003 /dev/urandom >"$FILE"
SIZE=$(stat -c %s "$FILE")
head -c 300 /dev/urandom | base64 -w 0 | head -c 300 >"$ASSETS/small.txt"
config() { # config CONTRACT_KEYS(0|1)
  cat <<YAML
server_address: $SERVER_IP
data_dir: $DATA
assets_dir: $ASSETS
dhcp: {enabled: false}
tftp: {enabled: false}
http:
  listen: $SERVER_IP
  port: $PORT
YAML
  if (($1)); then
    cat <<YAML
  header_timeout: $HEADER_TIMEOUT
https:
  enabled: true
  port: $TLS_PORT
YAML
  fi
}
config 1 >"$WORK/slipway.yaml"
config_accepted() {
  "$SLIPWAY_BIN" serve --config "$WORK/slipway.yaml" --check >"$WORK/check.out" 2>&1 ||
    why "serve --check: $(tr '\n' ' ' <"$WORK/check.out")"
}
check "the contract's keys (http.header_timeout, https) are accepted" config_accepted
if [[ " ${FAILED[*]} " == *"contract's keys"* ]]; then
  config 0 >"$WORK/slipway.yaml"
  "$SLIPWAY_BIN" serve --config "$WORK/slipway.yaml" --check >"$WORK/check.out" 2>&1 ||
    fail "even the minimal configuration is refused: $(cat "$WORK/check.out")"
  log "running without http.header_timeout and https"
fi
start_slipway "$srv" "$WORK/slipway.yaml" "$WORK/slipway.log"

# hc ARGS...: curl from the client namespace, bounded in time.
hc() { in_ns "$cli" curl -sS --max-time 10 "$@"; }
# header NAME FILE: the value of a response header in a curl -D dump (last response, no CR).
header() { tr -d '\r' <"$2" | awk -v n="$(tr '[:upper:]' '[:lower:]' <<<"$1")" '
  /^HTTP\// { v = ""; found = 0 }
  { split($0, kv, ": "); if (tolower(kv[1]) == n) { v = substr($0, length(kv[1]) + 3); found = 1 } }
  END { if (found) print v }'; }
# raw REQUEST: the server's whole answer to REQUEST (sent as is over a plain socket) on stdout.
raw() {
  # shellcheck disable=SC2016  # expanded by the inner bash
  in_ns "$cli" timeout 10 bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf "%s" "$3" >&3 && cat <&3' \
    _ "$SERVER_IP" "$PORT" "$1"
}
# body_bytes FILE: how many bytes follow the first blank line (the end of the headers) of FILE.
body_bytes() {
  perl -0777 -ne '$i = index($_, "\r\n\r\n"); print $i < 0 ? "no-header-end" : length($_) - $i - 4' "$1"
}
slice() { dd if="$FILE" iflag=skip_bytes,count_bytes skip="$1" count="$2" status=none; }

# --- Range, HEAD -------------------------------------------------------------------------------
range_206() {
  local first=12345 last=67890 code
  code=$(hc -D "$WORK/h" -o "$WORK/b" -w '%{http_code}' -r "$first-$last" "$BASE/file.bin")
  [[ $code == 206 ]] || why "status $code"
  [[ "$(header Content-Range "$WORK/h")" == "bytes $first-$last/$SIZE" ]] ||
    why "Content-Range '$(header Content-Range "$WORK/h")'"
  [[ "$(header Content-Length "$WORK/h")" == $((last - first + 1)) ]] || why "Content-Length"
  slice "$first" $((last - first + 1)) | cmp -s - "$WORK/b" || why "the body is not bytes $first-$last of the file"
}
check "Range: 206, Content-Range and the exact bytes" range_206

suffix_range() {
  local code
  code=$(hc -D "$WORK/h" -o "$WORK/b" -w '%{http_code}' -r -500 "$BASE/file.bin")
  [[ $code == 206 ]] || why "status $code"
  [[ "$(header Content-Range "$WORK/h")" == "bytes $((SIZE - 500))-$((SIZE - 1))/$SIZE" ]] ||
    why "Content-Range '$(header Content-Range "$WORK/h")'"
  slice $((SIZE - 500)) 500 | cmp -s - "$WORK/b" || why "the body is not the last 500 bytes"
}
check "suffix range (bytes=-500): 206 with the last 500 bytes" suffix_range

range_416() {
  local code
  code=$(hc -D "$WORK/h" -o /dev/null -w '%{http_code}' -r "$SIZE-" "$BASE/file.bin")
  [[ $code == 416 ]] || why "status $code"
  [[ "$(header Content-Range "$WORK/h")" == "bytes */$SIZE" ]] || why "Content-Range '$(header Content-Range "$WORK/h")'"
}
check "a range past the end: 416 with Content-Range bytes */$SIZE" range_416

head_request() {
  raw $'HEAD /assets/file.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' >"$WORK/raw" || true
  head -n1 "$WORK/raw" | grep -q '^HTTP/1.1 200' || why "status line '$(head -n1 "$WORK/raw")'"
  grep -qai "^content-length: $SIZE"$'\r' "$WORK/raw" || why "no Content-Length: $SIZE"
  [[ "$(body_bytes "$WORK/raw")" == 0 ]] || why "$(body_bytes "$WORK/raw") body bytes after the headers"
}
check "HEAD: 200 with Content-Length and no body" head_request

# --- validators --------------------------------------------------------------------------------
hc -D "$WORK/get.h" -o /dev/null "$BASE/file.bin"
ETAG=$(header ETag "$WORK/get.h")
LAST_MODIFIED=$(header Last-Modified "$WORK/get.h")
check "Last-Modified present" test -n "$LAST_MODIFIED"
etag_form() {
  [[ "$ETAG" =~ ^\"[0-9a-f]+-[0-9a-f]+\"$ ]] || why "ETag '$ETAG' (contract: \"<size hex>-<mtime ns hex>\")"
  [[ "${ETAG:1:${#ETAG}-2}" == "$(printf '%x' "$SIZE")-"* ]] || why "ETag '$ETAG' does not start with the size in hex"
}
check "ETag present and strong, \"<size hex>-<mtime ns hex>\"" etag_form

not_modified_etag() {
  raw "GET /assets/file.bin HTTP/1.1"$'\r\n'"Host: t"$'\r\n'"If-None-Match: $ETAG"$'\r\n'"Connection: close"$'\r\n\r\n' \
    >"$WORK/raw" || true
  head -n1 "$WORK/raw" | grep -q '^HTTP/1.1 304' || why "status line '$(head -n1 "$WORK/raw")'"
  [[ "$(body_bytes "$WORK/raw")" == 0 ]] || why "$(body_bytes "$WORK/raw") body bytes"
}
check "If-None-Match with the ETag: 304 without a body" not_modified_etag

not_modified_date() {
  local out
  out=$(hc -o /dev/null -w '%{http_code} %{size_download}' -H "If-Modified-Since: $LAST_MODIFIED" "$BASE/file.bin")
  [[ $out == "304 0" ]] || why "status and body bytes: $out"
}
check "If-Modified-Since with Last-Modified: 304" not_modified_date

if_range() {
  local out
  out=$(hc -o "$WORK/b" -w '%{http_code}' -r 100-199 -H "If-Range: $ETAG" "$BASE/file.bin")
  [[ $out == 206 ]] || why "matching If-Range: status $out"
  slice 100 100 | cmp -s - "$WORK/b" || why "matching If-Range: not bytes 100-199"
  out=$(hc -o "$WORK/b" -w '%{http_code} %{size_download}' -r 100-199 -H 'If-Range: "0-0"' "$BASE/file.bin")
  [[ $out == "200 $SIZE" ]] || why "stale If-Range: status and bytes $out"
  cmp -s "$FILE" "$WORK/b" || why "stale If-Range: not the whole file"
}
check "If-Range: current ETag -> 206, stale ETag -> 200 with the whole file" if_range

new_mtime() {
  local etag2 out
  touch -m -d "@$(($(stat -c %Y "$FILE") - 3600))" "$FILE"
  hc -D "$WORK/h2" -o /dev/null "$BASE/file.bin"
  etag2=$(header ETag "$WORK/h2")
  [[ -n "$etag2" && "$etag2" != "$ETAG" ]] || why "ETag before '$ETAG', after '$etag2'"
  [[ "$(header Last-Modified "$WORK/h2")" != "$LAST_MODIFIED" ]] || why "Last-Modified did not change"
  out=$(hc -o /dev/null -w '%{http_code}' -H "If-None-Match: $ETAG" "$BASE/file.bin")
  [[ $out == 200 ]] || why "the old ETag still gives $out"
}
check "a new mtime: a new ETag and Last-Modified; the old ETag gives 200" new_mtime

# --- confinement -------------------------------------------------------------------------------
refused() { # refused PATH: 400, 404 or 414 and nothing from outside the assets folder
  local code
  code=$(hc --path-as-is -o "$WORK/b" -w '%{http_code}' "$SLIPWAY_URL$1") || true
  [[ $code =~ ^(400|404|414)$ ]] || why "$1: status $code"
  ! grep -qa 'root:' "$WORK/b" || why "$1: the body has /etc/passwd in it"
}
long=/assets/$(printf 'a%.0s' {1..5000})
for p in '/assets/..%2f..%2fetc/passwd' '/assets/%2e%2e/x' '//assets//x' '/assets//etc/passwd' \
  '/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd' '/assets/file.bin%00.txt' "$long"; do
  check "refused: ${p:0:60}$( ((${#p} > 60)) && echo "... (${#p} characters)")" refused "$p"
done
still_up() {
  kill -0 "$SLIPWAY_PID" 2>/dev/null || why "the daemon has exited"
  hc -f -o /dev/null "$SLIPWAY_URL/healthz" || why "/healthz does not answer"
  hc -f -o /dev/null "$BASE/small.txt" || why "a file no longer comes"
}
check "the daemon answers after the refused paths" still_up

# --- slowloris ---------------------------------------------------------------------------------
# The client sends the request line and Host at once, then one header byte a second for up to
# 15 s; it prints the seconds from connecting until the server closed (or "open").
slowloris() {
  local deadline=$((HEADER_TIMEOUT + 12))
  # shellcheck disable=SC2016  # expanded by the inner bash
  spawn_in_ns "$cli" "$WORK/slowloris.out" timeout "$deadline" bash -c '
    exec 3<>"/dev/tcp/$1/$2" || exit 2
    t0=$(date +%s.%N)
    { printf "GET /assets/small.txt HTTP/1.1\r\nHost: slow\r\nX-Slow: " >&3
      while printf a >&3 2>/dev/null; do sleep 1; done; } &
    cat <&3 >/dev/null
    awk -v a="$t0" -v z="$(date +%s.%N)" "BEGIN { printf \"%.1f\n\", z - a }"
    kill $! 2>/dev/null' _ "$SERVER_IP" "$PORT"
  local slow=$SPAWNED_PID ok=0 bad=0 rc=0
  # Normal requests meanwhile, one every 0.2 s, until the slow client is done.
  while kill -0 "$slow" 2>/dev/null; do
    if hc -f -o /dev/null --max-time 2 "$BASE/small.txt"; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
    sleep 0.2
  done
  wait "$slow" || rc=$?
  forget_pid "$slow"
  local closed
  closed=$(tail -n1 "$WORK/slowloris.out")
  log "  slow client: ${closed:+closed by the server after ${closed}s}${closed:-still connected after ${deadline}s}; meanwhile $ok requests ok, $bad failed"
  ((ok > 0 && bad == 0)) || why "normal requests failed while the slow client was connected"
  ((rc == 0)) || why "the server kept the slow client for more than ${deadline}s"
  if ((rc == 0)); then
    awk -v t="$closed" -v l=$((HEADER_TIMEOUT + 2)) 'BEGIN { exit !(t + 0 > 0 && t <= l) }' ||
      why "cut off after ${closed}s, not within header_timeout ${HEADER_TIMEOUT}s (+2 s)"
  fi
}
check "slowloris: cut off within header_timeout (${HEADER_TIMEOUT}s) while other requests succeed" slowloris
header_timeouts() {
  local n
  n=$(metric "$cli" 'slipway_http_timeouts_total{phase="header"}')
  [[ $n -ge 1 ]] 2>/dev/null || why "slipway_http_timeouts_total{phase=\"header\"} is $n"
}
check "/metrics counts the header timeout" header_timeouts

# --- HTTPS -------------------------------------------------------------------------------------
https_api() {
  local code rc=0
  code=$(hc -o "$WORK/ca.crt" -w '%{http_code}' "$SLIPWAY_URL/tls/ca.crt") || true
  [[ $code == 200 ]] || why "GET /tls/ca.crt: status $code"
  grep -q 'BEGIN CERTIFICATE' "$WORK/ca.crt" 2>/dev/null || why "GET /tls/ca.crt: no PEM certificate"
  code=$(hc "${SLIPWAY_AUTH[@]}" --cacert "$WORK/ca.crt" -o "$WORK/b" -w '%{http_code}' "https://$SERVER_IP:$TLS_PORT/api/v1/machines") || true
  [[ $code == 200 ]] || why "https /api/v1/machines with the CA: status $code"
  jq -e . "$WORK/b" >/dev/null 2>&1 || why "https /api/v1/machines: not JSON"
  hc -o /dev/null "https://$SERVER_IP:$TLS_PORT/api/v1/machines" 2>"$WORK/noca.err" || rc=$?
  # 60: the peer's certificate could not be verified (not 7, nothing listening).
  ((rc == 60)) || why "https without the CA: curl exit $rc ($(tr '\n' ' ' <"$WORK/noca.err"); 60 expected)"
}
check "HTTPS: /api/v1/machines verified with /tls/ca.crt, refused without it" https_api
ca_over_https() {
  hc --cacert "$WORK/ca.crt" -f -o "$WORK/ca2.crt" "https://$SERVER_IP:$TLS_PORT/tls/ca.crt" || why "not served over HTTPS"
  cmp -s "$WORK/ca.crt" "$WORK/ca2.crt" || why "a different certificate over HTTPS"
}
check "GET /tls/ca.crt over HTTPS too" ca_over_https
cli_over_https() {
  local rc=0
  in_ns "$cli" "$SLIPWAY_BIN" machines list --json --server "https://$SERVER_IP:$TLS_PORT" \
    --cacert "$WORK/ca.crt" >"$WORK/cli.json" 2>"$WORK/cli.err" || why "slipway machines list --cacert: $(cat "$WORK/cli.err")"
  jq -e '.machines | type == "array"' "$WORK/cli.json" >/dev/null 2>&1 || why "slipway machines list over https: no machines list"
  in_ns "$cli" "$SLIPWAY_BIN" machines list --server "https://$SERVER_IP:$TLS_PORT" >/dev/null 2>"$WORK/cli.err" || rc=$?
  ((rc != 0)) || why "the CLI trusted the appliance's certificate without --cacert"
}
check "the CLI over HTTPS with --cacert (and refused without it)" cli_over_https

# --- access log and metrics --------------------------------------------------------------------
ACCESS_LOG=$DATA/access.log
access_log() {
  local before after i
  [[ -f "$ACCESS_LOG" ]] || why "no $ACCESS_LOG"
  before=$(wc -l <"$ACCESS_LOG" 2>/dev/null || echo 0)
  hc -o /dev/null "$BASE/small.txt"
  hc -o /dev/null -I "$BASE/small.txt"
  hc -o /dev/null -r 0-99 "$BASE/file.bin"
  hc -o /dev/null "$BASE/nope.bin"
  hc "${SLIPWAY_AUTH[@]}" -o /dev/null "$SLIPWAY_URL/api/v1/machines?x=1"
  for ((i = 0; i < 15; i++)); do
    after=$(wc -l <"$ACCESS_LOG" 2>/dev/null || echo 0)
    ((after >= before + 5)) && break
    sleep 0.2
  done
  ((after == before + 5)) || why "$((after - before)) new lines for 5 requests"
  local date='\[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} \+0000\]'
  local want=(
    "\"GET /assets/small.txt HTTP/1.1\" 200 300"
    "\"HEAD /assets/small.txt HTTP/1.1\" 200 (0|-)"
    "\"GET /assets/file.bin HTTP/1.1\" 206 100"
    "\"GET /assets/nope.bin HTTP/1.1\" 404 [0-9]+"
    "\"GET /api/v1/machines\?x=1 HTTP/1.1\" 200 [0-9]+"
  )
  tail -n 5 "$ACCESS_LOG" >"$WORK/access.tail" 2>/dev/null || true
  for ((i = 0; i < 5; i++)); do
    sed -n "$((i + 1))p" "$WORK/access.tail" |
      grep -Eq "^${CLIENT_IP//./\\.} - - $date ${want[i]} [0-9]+\.[0-9]+\$" ||
      why "line $((i + 1)): '$(sed -n "$((i + 1))p" "$WORK/access.tail")' does not match '${want[i]}'"
  done
}
check "access log: one line per request, CLF plus the duration" access_log

route_metrics() {
  local series='slipway_http_requests_by_route_total{route="/assets/",code="200"}' a b
  a=$(metric "$cli" "$series")
  hc -o /dev/null "$BASE/small.txt"
  hc -o /dev/null "$BASE/small.txt"
  hc -o /dev/null "$BASE/small.txt"
  b=$(metric "$cli" "$series")
  awk -v a="$a" -v b="$b" 'BEGIN { exit !(b - a == 3) }' || why "$series went from $a to $b for 3 requests"
  in_ns "$cli" curl -sf "$SLIPWAY_URL/metrics" | grep -q '^slipway_http_response_bytes_total ' ||
    why "no slipway_http_response_bytes_total"
}
check "/metrics: per-route counter and response bytes" route_metrics

# --- summary -----------------------------------------------------------------------------------
checks_done "all HTTP file-serving checks"
