#!/usr/bin/env bash
# Integration: kill -9 under load loses no ACKed lease.
#   - slipway serves one subnet that contains perfdhcp's address (perfdhcp always acts as a
#     relay: giaddr = its own address, replies go to giaddr:67);
#   - tcpdump in the client namespace records every reply the server puts on the wire;
#   - perfdhcp runs 4-way exchanges at 2000/s (bounded: -p 20, -n 40000) with 20000 clients
#     (mostly first-time allocations); once the server has sent 5000 ACKs (or after 10 s),
#     slipway is killed with SIGKILL in the middle of the run;
#   - every DHCPACK seen on the wire (yiaddr + chaddr) must be in the lease store after a restart.
# An ACK on the wire is a promise to the client; the server must have made the lease durable
# before sending it.
# Usage: dhcp_crash_test.sh BUILD_DIR
source "$(dirname "$0")/../lib/common.sh"
slipway_bins "$1"
slipway_test_init dhcp-crash
for tool in perfdhcp tcpdump jq; do
  command -v "$tool" >/dev/null || fail "$tool missing (scripts/deps.sh installs it)"
done

RATE=2000
PERIOD=20
MAX_EXCHANGES=$((RATE * PERIOD)) # what a full, undisturbed run would complete
CLIENTS=20000                    # perfdhcp's distinct MACs; the pool below holds them all
KILL_AFTER_ACKS=5000             # kill once the server has sent this many ACKs (or after 10 s)
SERVER_IP=198.18.64.1
CLIENT_IP=198.18.64.2

srv=swc-srv-$$
cli=swc-cli-$$
netns_pair "$srv" "$cli" "$SERVER_IP/18" "$CLIENT_IP/18"

mkdir -p "$WORK/data" "$WORK/assets"
cat >"$WORK/slipway.yaml" <<YAML
interface: eth0
data_dir: $WORK/data
assets_dir: $WORK/assets
log_level: warn
dhcp:
  subnet: 198.18.64.0/18
  range: 198.18.65.0-198.18.127.254
  lease_time: 86400
YAML
export SLIPWAY_URL=http://$SERVER_IP:8080
start_slipway "$srv" "$WORK/slipway.yaml" "$WORK/slipway.log"
crashed=$SLIPWAY_PID

# --- capture every reply from the server ----------------------------------------------------
# perfdhcp sends from port 67 as well (it is a relay), hence the source host in the filter.
pcap=$WORK/replies.pcap
ip netns exec "$cli" tcpdump -i eth0 -n -B 16384 -U -w "$pcap" "udp src port 67 and src host $SERVER_IP" \
  2>"$WORK/tcpdump.log" &
tcpdump_pid=$!
track_pid "$tcpdump_pid"
wait_until 10 "tcpdump to listen" grep -q "listening on" "$WORK/tcpdump.log"

# --- load, then kill -9 in the middle of it -------------------------------------------------
ip netns exec "$cli" perfdhcp -4 -r "$RATE" -p "$PERIOD" -n "$MAX_EXCHANGES" -R "$CLIENTS" \
  -l "$CLIENT_IP" "$SERVER_IP" >"$WORK/perfdhcp.log" 2>&1 &
perfdhcp_pid=$!
track_pid "$perfdhcp_pid"
acks_before_kill=0
for ((i = 0; i < 50; i++)); do # at most 10 s
  acks_before_kill=$(metric "$srv" 'slipway_dhcp_replies_total{type="ack"}' 2>/dev/null) || acks_before_kill=0
  ((acks_before_kill >= KILL_AFTER_ACKS)) && break
  kill -0 "$perfdhcp_pid" 2>/dev/null || break
  sleep 0.2
done
kill -0 "$perfdhcp_pid" 2>/dev/null || fail "perfdhcp ended before the server was killed"
kill -9 "$crashed"
wait "$crashed" 2>/dev/null || true
kill -0 "$crashed" 2>/dev/null && fail "slipway survived kill -9"
forget_pid "$crashed"
log "killed slipway (pid $crashed) with SIGKILL after about $acks_before_kill ACKs (server metric)"
sleep 1 # replies already in flight reach the capture; perfdhcp now only sees drops
kill -INT "$perfdhcp_pid" 2>/dev/null || true
perfdhcp_rc=0
wait "$perfdhcp_pid" || perfdhcp_rc=$?
forget_pid "$perfdhcp_pid"
kill -INT "$tcpdump_pid"
wait "$tcpdump_pid" 2>/dev/null || true
forget_pid "$tcpdump_pid"
grep -E "captured|dropped by kernel" "$WORK/tcpdump.log" | sed 's/^/  tcpdump: /' >&2 || true

# --- every DHCPACK on the wire: "yiaddr chaddr" ---------------------------------------------
tcpdump -r "$pcap" -n -vvv 2>/dev/null >"$WORK/replies.txt"
awk '
  /BOOTP\/DHCP, Reply/ { if (ack) print yiaddr, chaddr; ack = 0; yiaddr = "0.0.0.0"; chaddr = "-"; next }
  $1 == "Your-IP" { yiaddr = $2 }
  $1 == "Client-Ethernet-Address" { chaddr = tolower($2) }
  /DHCP-Message \(53\), length 1: ACK$/ { ack = 1 }
  END { if (ack) print yiaddr, chaddr }
' "$WORK/replies.txt" >"$WORK/acks.txt"
ack_lines=$(grep -c "DHCP-Message (53), length 1: ACK$" "$WORK/replies.txt" || true)
acks=$(wc -l <"$WORK/acks.txt")
replies=$(grep -c "BOOTP/DHCP, Reply" "$WORK/replies.txt" || true)
((acks == ack_lines)) || fail "parsed $acks ACK records but the capture has $ack_lines ACK lines"
((acks > 0)) || fail "no DHCPACK in the capture: the load did not run"
if grep -q "^0.0.0.0 \| -$" "$WORK/acks.txt"; then
  fail "ACK records without yiaddr or chaddr: $(grep -m3 "^0.0.0.0 \| -$" "$WORK/acks.txt" | tr '\n' ' ')"
fi
sort -u "$WORK/acks.txt" >"$WORK/acked-pairs.txt"
pairs=$(wc -l <"$WORK/acked-pairs.txt")
# Sanity of the server itself: no address was ACKed to two different clients.
shared=$(awk '{ print $1 }' "$WORK/acked-pairs.txt" | uniq -d | head -3)
[[ -z "$shared" ]] || fail "addresses ACKed to more than one MAC: $shared"

# The run was cut short: perfdhcp reports drops (exit 3) and far fewer ACKs than a full run.
perfdhcp_acks=$(awk '/Statistics for: REQUEST-ACK/ { s = 1 } s && /^received packets:/ { print $3; exit }' \
  "$WORK/perfdhcp.log")
[[ -n "$perfdhcp_acks" ]] || fail "no REQUEST-ACK statistics in perfdhcp's output"
((perfdhcp_rc != 0)) || fail "perfdhcp finished cleanly: the kill did not interrupt the load"
((acks < MAX_EXCHANGES)) || fail "$acks ACKs: the full run completed before the kill"
((acks >= perfdhcp_acks)) || fail "the capture has $acks ACKs, perfdhcp received $perfdhcp_acks: capture lost packets"

# --- restart: the store must hold every ACKed lease ------------------------------------------
start_slipway "$srv" "$WORK/slipway.yaml" "$WORK/slipway.log"
in_ns "$srv" curl -sf "${SLIPWAY_AUTH[@]}" "$SLIPWAY_URL/api/v1/leases" >"$WORK/leases.json" || fail "GET /api/v1/leases failed"
jq -r '.leases[] | "\(.ip) \(.mac | ascii_downcase)"' "$WORK/leases.json" | sort -u >"$WORK/stored-pairs.txt"
stored=$(wc -l <"$WORK/stored-pairs.txt")
comm -23 "$WORK/acked-pairs.txt" "$WORK/stored-pairs.txt" >"$WORK/lost.txt"
lost=$(wc -l <"$WORK/lost.txt")
unacked=$(comm -13 "$WORK/acked-pairs.txt" "$WORK/stored-pairs.txt" | wc -l)

cat >&2 <<EOF
  perfdhcp: rate $RATE/s, $CLIENTS clients, bounded to $PERIOD s / $MAX_EXCHANGES exchanges; exit code $perfdhcp_rc
  perfdhcp received ACKs:             $perfdhcp_acks
  server replies on the wire:         $replies
  DHCPACKs on the wire:               $acks (ACK lines in the decoded capture: $ack_lines)
  distinct ACKed (ip, mac) pairs:     $pairs
  leases in the store after restart:  $stored (committed but never ACKed on the wire: $unacked)
  ACKed leases missing from the store: $lost
EOF
((lost == 0)) || fail "$lost ACKed leases lost across kill -9, e.g. $(head -3 "$WORK/lost.txt" | tr '\n' ' ')"
pass "kill -9 after $acks ACKs on the wire ($pairs distinct leases): all of them are in the store after restart"
