#!/usr/bin/env bash
# Integration: API tokens end to end (issue 9) with the real `slipway serve` (server namespace)
# and the real CLI and curl (client namespace); DHCP and TFTP off. Checked:
#   - first start: <data_dir>/admin.token exists, mode 0600, holds an admin token; the log names
#     the file but never the token;
#   - the CLI finds a token through $SLIPWAY_TOKEN_FILE, ~/.config/slipway/client.yaml
#     (token_file:), $SLIPWAY_TOKEN and --token;
#   - without a token the API answers 401 with `WWW-Authenticate: Bearer realm="slipway"`, and
#     the CLI says how to give one; /healthz stays public;
#   - `tokens create NAME --role viewer` prints a token once; the viewer can list machines but
#     not `power on` (403, exit != 0, the message names the role needed and the token's source);
#   - `tokens revoke ID`: the very next call with that token is 401;
#   - `slipway events --result refused` shows the viewer's 403 and the revoked token's 401;
#     the admin's token creation is an "ok" event;
#   - rate limit: after 20 failed authentications in a minute the source gets 429 (Retry-After),
#     counted on /metrics, even with a valid token;
#   - no token text ever appears in the daemon's log or the access log.
# Every check runs even when an earlier one failed; the test fails at the end with the list.
# Usage: auth_cli_test.sh BUILD_DIR
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
slipway_bins "$1"
slipway_test_init auth-cli

SERVER_IP=198.18.82.1
CLIENT_IP=198.18.82.2
PORT=8080
srv=sac-srv-$$
cli=sac-cli-$$
netns_pair "$srv" "$cli" "$SERVER_IP/24" "$CLIENT_IP/24"
export SLIPWAY_URL=http://$SERVER_IP:$PORT
API=$SLIPWAY_URL/api/v1

# check, why and checks_done: tests/lib/common.sh.

DATA=$WORK/data
mkdir -p "$WORK/assets" "$WORK/home"
cat >"$WORK/slipway.yaml" <<YAML
server_address: $SERVER_IP
data_dir: $DATA
assets_dir: $WORK/assets
dhcp: {enabled: false}
tftp: {enabled: false}
http:
  listen: $SERVER_IP
  port: $PORT
YAML
start_slipway "$srv" "$WORK/slipway.yaml" "$WORK/slipway.log"
ADMIN_FILE=$DATA/admin.token

# cli ARGS...: the CLI in the client namespace with a clean token environment (no host config,
# no SLIPWAY_TOKEN*), plus whatever VAR=value words come before `--`.
cli() {
  local env_args=()
  while [[ $1 != -- ]]; do
    env_args+=("$1")
    shift
  done
  shift
  in_ns "$cli" env -u SLIPWAY_TOKEN -u SLIPWAY_TOKEN_FILE -u XDG_CONFIG_HOME HOME="$WORK/home" \
    "${env_args[@]}" timeout 20 "$SLIPWAY_BIN" "$@"
}
admin() { cli SLIPWAY_TOKEN_FILE="$ADMIN_FILE" -- "$@"; }
# code [CURL ARGS...]: the HTTP status of one request from the client namespace.
code() { in_ns "$cli" curl -s --max-time 10 -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' "$@"; }
header() { tr -d '\r' <"$WORK/headers" | awk -v n="$(tr '[:upper:]' '[:lower:]' <<<"$1")" '
  { split($0, kv, ": "); if (tolower(kv[1]) == n) v = substr($0, length(kv[1]) + 3) } END { print v }'; }
TOKENS=() # every token text seen, for the log checks at the end

# --- first start -------------------------------------------------------------------------------
first_start() {
  [[ -f $ADMIN_FILE ]] || {
    why "no $ADMIN_FILE"
    return 1
  }
  [[ $(stat -c %a "$ADMIN_FILE") == 600 ]] || why "mode $(stat -c %a "$ADMIN_FILE"), not 600"
  [[ $(stat -c %u "$ADMIN_FILE") == 0 ]] || why "not owned by root"
  ADMIN=$(head -n1 "$ADMIN_FILE")
  TOKENS+=("$ADMIN")
  [[ $ADMIN =~ ^slw_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$ ]] || why "the file does not hold a token"
  grep -qF "$ADMIN_FILE" "$WORK/slipway.log" || why "the log does not name $ADMIN_FILE"
}
check "first start writes an admin token to <data_dir>/admin.token (0600), the log names it" first_start
ADMIN=${ADMIN:-missing}

# --- finding the token ---------------------------------------------------------------------------
token_sources() {
  admin tokens list >"$WORK/out" 2>&1 || why "SLIPWAY_TOKEN_FILE: $(cat "$WORK/out")"
  grep -q "admin (first start)" "$WORK/out" || why "tokens list does not show the first-start token"
  grep -qF "${ADMIN:4:12}" "$WORK/out" || why "tokens list does not show its id"
  grep -qF "$ADMIN" "$WORK/out" && why "tokens list shows a token's text"
  cli SLIPWAY_TOKEN="$ADMIN" -- machines list >"$WORK/out" 2>&1 || why "SLIPWAY_TOKEN: $(cat "$WORK/out")"
  cli -- --token "$ADMIN" machines list >"$WORK/out" 2>&1 || why "--token: $(cat "$WORK/out")"
  mkdir -p "$WORK/home/.config/slipway"
  cp "$ADMIN_FILE" "$WORK/home/.config/slipway/admin.token"
  echo "token_file: admin.token" >"$WORK/home/.config/slipway/client.yaml"
  cli -- machines list >"$WORK/out" 2>&1 || why "client.yaml token_file: $(cat "$WORK/out")"
  rm -f "$WORK/home/.config/slipway/client.yaml"
}
check "the CLI finds the token: SLIPWAY_TOKEN_FILE, SLIPWAY_TOKEN, --token, client.yaml" token_sources

no_token() {
  local c
  c=$(code "$API/machines")
  [[ $c == 401 ]] || why "GET /api/v1/machines without a token: $c"
  [[ "$(header WWW-Authenticate)" == 'Bearer realm="slipway"'* ]] ||
    why "WWW-Authenticate '$(header WWW-Authenticate)'"
  c=$(code -H "Authorization: Bearer slw_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "$API/machines")
  [[ $c == 401 ]] || why "an unknown token: $c"
  c=$(code -H "Authorization: Basic YWRtaW46YWRtaW4=" "$API/machines")
  [[ $c == 401 ]] || why "Basic credentials: $c"
  c=$(code "$SLIPWAY_URL/healthz")
  [[ $c == 200 ]] || why "/healthz without a token: $c"
  # The CLI finds no token (HOME is empty), unless this host has an appliance of its own.
  if [[ ! -e /var/lib/slipway/admin.token ]]; then
    if cli -- machines list >"$WORK/out" 2>&1; then
      why "the CLI without a token succeeded"
    else
      grep -q "no token sent" "$WORK/out" || why "the CLI's message: $(cat "$WORK/out")"
    fi
  fi
}
check "no or a wrong token: 401 with WWW-Authenticate; /healthz stays public" no_token

# --- a viewer ------------------------------------------------------------------------------------
VIEWER=
viewer_create() {
  VIEWER=$(admin tokens create ci-viewer --role viewer 2>"$WORK/err") || why "create: $(cat "$WORK/err")"
  TOKENS+=("$VIEWER")
  [[ $VIEWER =~ ^slw_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$ ]] || why "not a token on stdout: '$VIEWER'"
  grep -q "shown only now" "$WORK/err" || why "no warning that it is shown once: $(cat "$WORK/err")"
  admin tokens list >"$WORK/out" 2>&1
  grep -E "${VIEWER:4:12} +ci-viewer +viewer +active" "$WORK/out" >/dev/null ||
    why "tokens list: $(cat "$WORK/out")"
}
check "tokens create ci-viewer --role viewer prints the token once" viewer_create

viewer_cannot_power_on() {
  local rc=0 c
  cli SLIPWAY_TOKEN="$VIEWER" -- machines list >"$WORK/out" 2>&1 || why "viewer machines list: $(cat "$WORK/out")"
  cli SLIPWAY_TOKEN="$VIEWER" -- power on 52:54:00:82:00:01 --no-wait >"$WORK/out" 2>&1 || rc=$?
  ((rc != 0)) || why "viewer power on exited 0"
  grep -q "operator" "$WORK/out" || why "the message does not name the operator role: $(cat "$WORK/out")"
  grep -qF 'SLIPWAY_TOKEN' "$WORK/out" || why "the message does not name the token's source: $(cat "$WORK/out")"
  grep -qF "$VIEWER" "$WORK/out" && why "the message shows the token"
  c=$(code -X POST -H "Authorization: Bearer $VIEWER" -H 'Content-Type: application/json' \
    -d '{"machines":["52:54:00:82:00:01"]}' "$API/power/on")
  [[ $c == 403 ]] || why "POST /api/v1/power/on as viewer: $c"
  c=$(code -X POST -H "Authorization: Bearer $VIEWER" -H 'Content-Type: application/json' \
    -d '{"name":"x","role":"admin"}' "$API/tokens")
  [[ $c == 403 ]] || why "POST /api/v1/tokens as viewer: $c"
}
check "a viewer lists machines but cannot power on (403, exit != 0, role and source named)" viewer_cannot_power_on

revocation() {
  local c
  admin tokens revoke "${VIEWER:4:12}" >"$WORK/out" 2>&1 || why "revoke: $(cat "$WORK/out")"
  c=$(code -H "Authorization: Bearer $VIEWER" "$API/machines")
  [[ $c == 401 ]] || why "the next call with the revoked token: $c"
  cli SLIPWAY_TOKEN="$VIEWER" -- machines list >"$WORK/out" 2>&1 && why "the CLI with the revoked token succeeded"
  admin tokens list >"$WORK/out" 2>&1
  grep -E "${VIEWER:4:12} .* revoked" "$WORK/out" >/dev/null || why "tokens list: $(cat "$WORK/out")"
  admin tokens revoke 000000000000 >"$WORK/out" 2>&1 && why "revoking an unknown id succeeded"
  return 0
}
check "tokens revoke: the next call with that token is 401" revocation

audit_trail() {
  admin events --result refused >"$WORK/out" 2>&1 || why "events: $(cat "$WORK/out")"
  grep -E "token:${VIEWER:4:12}\(ci-viewer\).*POST /api/v1/power/on +403 +refused" "$WORK/out" >/dev/null ||
    why "no refused power on by the viewer in: $(cat "$WORK/out")"
  grep -E "GET /api/v1/machines +401 +refused .*revoked token" "$WORK/out" >/dev/null ||
    why "no 401 of the revoked token in: $(cat "$WORK/out")"
  grep -q "$CLIENT_IP" "$WORK/out" || why "no source address in: $(cat "$WORK/out")"
  admin events --who "token:${ADMIN:4:12}" --json >"$WORK/out" 2>&1 || why "events --who: $(cat "$WORK/out")"
  jq -e '[.events[] | select(.method == "POST" and .target == "/api/v1/tokens" and .result == "ok")] | length == 1' \
    "$WORK/out" >/dev/null || why "the admin's token creation is not one ok event"
  jq -e '[.events[] | select(.method == "DELETE" and .status == 200)] | length == 1' "$WORK/out" >/dev/null ||
    why "the revocation is not an event"
  cli SLIPWAY_TOKEN="$VIEWER" -- events >"$WORK/out" 2>&1 && why "a revoked viewer read the audit trail"
  return 0
}
check "slipway events: the viewer's 403 and the revoked token's 401, the admin's changes" audit_trail

# --- rate limit (last: it blocks the client's address for a minute) ------------------------------
rate_limit() {
  local c i limited=0 before after
  before=$(metric "$srv" slipway_auth_rate_limited_total)
  for i in $(seq 1 25); do
    c=$(code -H "Authorization: Bearer slw_00000000000${i: -1}_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB" "$API/machines")
    if [[ $c == 429 ]]; then
      limited=$i
      break
    fi
    [[ $c == 401 ]] || why "bad token #$i: $c"
  done
  ((limited > 0)) || why "no 429 after 25 failed authentications"
  ((limited <= 22)) || why "the 429 came only at #$limited"
  [[ -n "$(header Retry-After)" ]] || why "no Retry-After"
  c=$(code -H "Authorization: Bearer $ADMIN" "$API/machines")
  [[ $c == 429 ]] || why "a valid token from the blocked address: $c"
  c=$(in_ns "$srv" curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN" "$API/machines")
  [[ $c == 200 ]] || why "another source (the server's namespace) with the admin token: $c"
  after=$(metric "$srv" slipway_auth_rate_limited_total)
  ((after > before)) || why "slipway_auth_rate_limited_total did not grow ($before -> $after)"
}
check "20 failed authentications in a minute: 429 for that source only, counted" rate_limit

# --- secrets in logs -----------------------------------------------------------------------------
no_token_in_logs() {
  local t f
  for f in "$WORK/slipway.log" "$DATA/access.log"; do
    [[ -f $f ]] || continue
    for t in "${TOKENS[@]}"; do
      [[ -n $t ]] || continue
      grep -qF "${t:17}" "$f" && why "a token's secret is in $f"
    done
  done
  grep -q "refused" "$WORK/slipway.log" || why "the daemon log has no refusals"
  return 0
}
check "no token in the daemon log or the access log" no_token_in_logs

checks_done "all API token checks"
