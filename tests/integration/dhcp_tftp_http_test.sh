#!/usr/bin/env bash
# Integration: the real `slipway serve` against real clients in network namespaces.
#   - ISC dhclient and busybox udhcpc obtain leases;
#   - a udhcpc posing as a BIOS PXE ROM (option 60, 93, 97) is recorded as a machine with its
#     MAC and UUID, and gets next-server + undionly.kpxe;
#   - curl fetches a file over TFTP (blksize 1468) and over HTTP (whole and a Range);
#   - malformed DHCP and TFTP packets and bad HTTP requests are counted and do not stop it;
#   - after kill -9 and a restart every lease is still there: a new client gets a new address and
#     the old client gets its own back.
# Usage: dhcp_tftp_http_test.sh BUILD_DIR
source "$(dirname "$0")/../lib/common.sh"
slipway_bins "$1"
slipway_test_init dhcp

srv=swi-srv-$$
cli_a=swi-a-$$
cli_b=swi-b-$$
cli_c=swi-c-$$
for ns in "$srv" "$cli_a" "$cli_b" "$cli_c"; do make_netns "$ns"; done

# A bridge in the server namespace; one veth per client namespace.
make_bridge "$srv" 198.18.10.1/24
mac_of() { printf '52:54:00:10:00:%02x' "$1"; }
i=1
for ns in "$cli_a" "$cli_b" "$cli_c"; do
  bridge_attach "$srv" "$ns" eth0 "$(mac_of $i)"
  i=$((i + 1))
done

mkdir -p "$WORK/assets/runtime" "$WORK/data"
head -c 5000000 /dev/urandom >"$WORK/assets/runtime/blob.bin"
echo "fake loader" >"$WORK/assets/undionly.kpxe"
cat >"$WORK/slipway.yaml" <<YAML
interface: br0
data_dir: $WORK/data
assets_dir: $WORK/assets
log_level: debug
dhcp:
  subnet: 198.18.10.0/24
  range: 198.18.10.100-198.18.10.150
  routers: [198.18.10.1]
  lease_time: 600
YAML
export SLIPWAY_URL=http://198.18.10.1:8080
start_slipway "$srv" "$WORK/slipway.yaml" "$WORK/slipway.log"

# --- ISC dhclient -------------------------------------------------------------------------
HOOK_LOG=$WORK/dhclient.events
in_ns "$cli_a" timeout 30 dhclient -1 -v -sf "$(hook_copy dhclient-hook.sh "$HOOK_LOG")" -lf "$WORK/a.leases" \
  -pf "$WORK/a.pid" eth0 >"$WORK/dhclient.log" 2>&1 || fail "dhclient got no lease"
in_ns "$cli_a" dhclient -x -pf "$WORK/a.pid" eth0 >/dev/null 2>&1 || true
ip_a=$(awk '$1 == "BOUND" { print $2 }' "$HOOK_LOG" | tail -n1)
[[ "$ip_a" == 198.18.10.1[0-4][0-9] || "$ip_a" == 198.18.10.150 ]] || fail "dhclient address '$ip_a' is not in the range"
in_ns "$cli_a" ip -4 addr show dev eth0 | grep -q "inet $ip_a/" || fail "dhclient address not configured"
in_ns "$cli_a" curl -sf --max-time 5 "$SLIPWAY_URL/healthz" >/dev/null || fail "no connectivity from the leased address"
pass "dhclient obtained $ip_a"

# --- busybox udhcpc -----------------------------------------------------------------------
HOOK_LOG=$WORK/udhcpc.events
in_ns "$cli_b" timeout 30 udhcpc -i eth0 -f -q -n -t 5 -s "$(hook_copy udhcpc-hook.sh "$HOOK_LOG")" \
  >"$WORK/udhcpc.log" 2>&1 || fail "udhcpc got no lease"
ip_b=$(awk '$1 == "bound" { print $2 }' "$HOOK_LOG" | tail -n1)
[[ -n "$ip_b" && "$ip_b" != "$ip_a" ]] || fail "udhcpc address '$ip_b' (dhclient has $ip_a)"
pass "udhcpc obtained $ip_b"

# --- a PXE client: discovery --------------------------------------------------------------
uuid=5a1e0010-0000-4000-8000-0000000000c3
# Option 97: type 0 then the UUID in SMBIOS byte order (first three fields little-endian).
uuid_wire=$(echo "$uuid" | tr -d - | sed -E 's/^(..)(..)(..)(..)(..)(..)(..)(..)/\4\3\2\1\6\5\8\7/')
HOOK_LOG=$WORK/pxe.events
in_ns "$cli_c" timeout 30 udhcpc -i eth0 -f -q -n -t 5 -s "$(hook_copy udhcpc-hook.sh "$HOOK_LOG")" \
  -V "PXEClient:Arch:00000:UNDI:002001" -x "0x5d:0000" -x "0x61:00$uuid_wire" \
  >"$WORK/pxe-udhcpc.log" 2>&1 || fail "PXE-like udhcpc got no lease"
read -r _ ip_c boot_file siaddr _ < <(awk '$1 == "bound"' "$HOOK_LOG" | tail -n1)
[[ "$boot_file" == "undionly.kpxe" ]] || fail "PXE client got boot file '$boot_file'"
[[ "$siaddr" == "198.18.10.1" ]] || fail "PXE client got next-server '$siaddr'"
machines=$(in_ns "$srv" "$SLIPWAY_BIN" machines list --json)
echo "$machines" | jq -e --arg mac "$(mac_of 3)" --arg uuid "$uuid" \
  '.machines | length == 1 and .[0].uuid == $uuid and .[0].interfaces[0].mac == $mac
   and .[0].state == "discovered" and .[0].firmware == "bios"' >/dev/null ||
  fail "machine not recorded as expected: $machines"
in_ns "$srv" "$SLIPWAY_BIN" machines list | grep -q "$(mac_of 3)" || fail "table lacks the machine"
pass "PXE client $(mac_of 3) recorded with UUID $uuid, got undionly.kpxe from $siaddr"

# --- TFTP and HTTP ------------------------------------------------------------------------
want=$(sha256sum <"$WORK/assets/runtime/blob.bin" | cut -d' ' -f1)
got=$(in_ns "$cli_b" curl -sf --tftp-blksize 1468 tftp://198.18.10.1/runtime/blob.bin | sha256sum | cut -d' ' -f1)
[[ "$got" == "$want" ]] || fail "TFTP blksize 1468 transfer differs"
pass "TFTP (curl, blksize 1468) 5 MB file intact"
got=$(in_ns "$cli_b" curl -sf "$SLIPWAY_URL/assets/runtime/blob.bin" | sha256sum | cut -d' ' -f1)
[[ "$got" == "$want" ]] || fail "HTTP transfer differs"
part=$(in_ns "$cli_b" curl -sf -r 1000-1999 "$SLIPWAY_URL/assets/runtime/blob.bin" | sha256sum | cut -d' ' -f1)
[[ "$part" == "$(tail -c +1001 "$WORK/assets/runtime/blob.bin" | head -c 1000 | sha256sum | cut -d' ' -f1)" ]] ||
  fail "HTTP Range 1000-1999 differs"
code=$(in_ns "$cli_b" curl -s -o /dev/null -w '%{http_code}' -r 6000000- "$SLIPWAY_URL/assets/runtime/blob.bin")
[[ "$code" == 416 ]] || fail "range past the end gave $code"
pass "HTTP whole file, Range and 416"

# --- bad input ----------------------------------------------------------------------------
dropped_before=$(metric "$srv" 'slipway_dhcp_dropped_total{reason="too_short"}')
in_ns "$cli_b" bash -c 'printf "garbage" >/dev/udp/198.18.10.1/67'
in_ns "$cli_b" bash -c 'head -c 300 /dev/zero >/dev/udp/198.18.10.1/67'  # no magic cookie
in_ns "$cli_b" bash -c 'printf "\x00\x01no-terminator" >/dev/udp/198.18.10.1/69'
in_ns "$cli_b" bash -c 'printf "\x00\x09\x00\x00" >/dev/udp/198.18.10.1/69'
wait_until 5 "the short DHCP packet to be counted" \
  test "$(metric "$srv" 'slipway_dhcp_dropped_total{reason="too_short"}')" -gt "$dropped_before"
[[ $(metric "$srv" 'slipway_dhcp_dropped_total{reason="bad_cookie"}') -ge 1 ]] || fail "bad cookie not counted"
errors_before=$(metric "$srv" 'slipway_http_responses_total{code="4xx"}')
code=$(in_ns "$cli_b" curl -s -o /dev/null -w '%{http_code}' "$SLIPWAY_URL/no/such/path")
[[ "$code" == 404 ]] || fail "unknown path gave $code"
code=$(in_ns "$cli_b" curl -s -o /dev/null -w '%{http_code}' "$SLIPWAY_URL/boot/ipxe?mac=nonsense")
[[ "$code" == 400 ]] || fail "bad mac gave $code"
code=$(in_ns "$cli_b" curl -s -o /dev/null -w '%{http_code}' "$SLIPWAY_URL/assets/%2e%2e/slipway.yaml")
[[ "$code" == 400 ]] || fail "encoded .. gave $code"
code=$(in_ns "$cli_b" curl -s -o /dev/null -w '%{http_code}' --path-as-is "$SLIPWAY_URL/assets/../slipway.yaml")
[[ "$code" == 400 ]] || fail "literal .. gave $code"
# --path-as-is: without it curl drops the ".." itself and the server never sees the escape.
rc=0
in_ns "$cli_b" curl -sf -o /dev/null --path-as-is --tftp-blksize 1468 tftp://198.18.10.1/../slipway.yaml || rc=$?
((rc == 69)) || fail "TFTP escape attempt: curl exit $rc, expected 69 (access violation)"
errors_after=$(metric "$srv" 'slipway_http_responses_total{code="4xx"}')
((errors_after - errors_before == 4)) || fail "4xx responses counted $((errors_after - errors_before)), expected 4"
kill -0 "$SLIPWAY_PID" || fail "slipway died on bad input"
in_ns "$cli_b" curl -sf "$SLIPWAY_URL/healthz" >/dev/null || fail "HTTP down after bad input"
pass "malformed packets and bad requests counted and refused; daemon alive"

# --- crash and restart: leases survive ----------------------------------------------------
leases_before=$(in_ns "$srv" curl -sf "${SLIPWAY_AUTH[@]}" "$SLIPWAY_URL/api/v1/leases" | jq -c '[.leases[] | {ip, mac}] | sort')
crashed=$SLIPWAY_PID
kill -9 "$crashed"
wait "$crashed" 2>/dev/null || true
kill -0 "$crashed" 2>/dev/null && fail "slipway survived kill -9"
start_slipway "$srv" "$WORK/slipway.yaml" "$WORK/slipway.log"
[[ $(grep -c "info slipway: serving" "$WORK/slipway.log") == 2 ]] || fail "the restart did not start a new daemon"
leases_after=$(in_ns "$srv" curl -sf "${SLIPWAY_AUTH[@]}" "$SLIPWAY_URL/api/v1/leases" | jq -c '[.leases[] | {ip, mac}] | sort')
[[ "$leases_before" == "$leases_after" ]] || fail "leases changed across kill -9: $leases_before -> $leases_after"
[[ $(echo "$leases_after" | jq length) -eq 3 ]] || fail "expected 3 leases, have $leases_after"

# A new client must not be given any address leased before the crash.
bridge_attach "$srv" "$cli_b" eth1 "$(mac_of 4)"
HOOK_LOG=$WORK/udhcpc2.events
in_ns "$cli_b" timeout 30 udhcpc -i eth1 -f -q -n -t 5 -s "$(hook_copy udhcpc-hook.sh "$HOOK_LOG")" \
  >>"$WORK/udhcpc.log" 2>&1 || fail "new client got no lease after restart"
ip_d=$(awk '$1 == "bound" { print $2 }' "$HOOK_LOG" | tail -n1)
for taken in "$ip_a" "$ip_b" "$ip_c"; do
  [[ "$ip_d" != "$taken" ]] || fail "after restart a new client got $ip_d, leased before the crash"
done
# dhclient comes back (INIT-REBOOT from its lease file) and keeps its address.
HOOK_LOG=$WORK/dhclient.events
: >"$HOOK_LOG"
in_ns "$cli_a" timeout 30 dhclient -1 -v -sf "$(hook_copy dhclient-hook.sh "$HOOK_LOG")" -lf "$WORK/a.leases" \
  -pf "$WORK/a.pid" eth0 >>"$WORK/dhclient.log" 2>&1 || fail "dhclient failed after restart"
in_ns "$cli_a" dhclient -x -pf "$WORK/a.pid" eth0 >/dev/null 2>&1 || true
again=$(awk '$1 == "BOUND" || $1 == "REBOOT" { print $2 }' "$HOOK_LOG" | tail -n1)
[[ "$again" == "$ip_a" ]] || fail "dhclient got $again after restart, had $ip_a"
machines_after=$(in_ns "$srv" "$SLIPWAY_BIN" machines list --json | jq '.machines | length')
[[ "$machines_after" == 1 ]] || fail "machine record lost across kill -9"
pass "after kill -9: leases and machine intact, new client got $ip_d, dhclient kept $ip_a"
