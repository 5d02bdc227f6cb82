#!/usr/bin/env bash
# Integration: the DHCP server's link-layer pieces on real links, driven by dhcp_link_probe.
#   (a) LinkSender: a UDP datagram sent to the receiver's MAC arrives at an ordinary UDP socket
#       (so the receiving kernel accepted both checksums), with no ARP: the sender never gets a
#       neighbour entry for the receiver. The same datagram sent to another MAC does not arrive.
#   (b) RogueDetector: busybox udhcpd, a foreign DHCP server, gives udhcpc a lease across a
#       bridge; a detector on another port of that bridge lists udhcpd's server id and MAC, and a
#       detector told that address is its own lists nothing.
# Usage: link_layer_test.sh BUILD_DIR
source "$(dirname "$0")/../lib/common.sh"
BUILD_DIR=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
PROBE=$BUILD_DIR/tests/dhcp/dhcp_link_probe
[[ -x "$PROBE" ]] || fail "no probe at $PROBE (build dhcp_link_probe first)"
here=$(cd "$(dirname "$0")" && pwd)
slipway_test_init link

# udp_counter NS FIELD: a field of the "Udp:" line of the namespace's /proc/net/snmp.
udp_counter() {
  in_ns "$1" awk -v f="$2" '$1 == "Udp:" && !n { for (i = 2; i <= NF; i++) h[i] = $i; n = 1; next }
    $1 == "Udp:" { for (i = 2; i <= NF; i++) if (h[i] == f) print $i }' /proc/net/snmp
}

# --- (a) LinkSender: unicast to a MAC without ARP -----------------------------------------
snd=sll-snd-$$
rcv=sll-rcv-$$
make_netns "$snd"
make_netns "$rcv"
ip link add eth0 netns "$snd" type veth peer name eth0 netns "$rcv"
ip -n "$snd" link set eth0 address 52:54:00:40:00:01 up
ip -n "$rcv" link set eth0 address 52:54:00:40:00:02 up
ip -n "$snd" addr add 198.18.40.1/24 dev eth0
ip -n "$rcv" addr add 198.18.40.2/24 dev eth0

# busybox nc has no UDP mode here and socat is not installed: a perl UDP socket prints the first
# datagram it receives, then exits (or gives up after 30 s).
ip netns exec "$rcv" perl -MIO::Socket::INET -e '
  $| = 1;
  alarm 30;
  my $s = IO::Socket::INET->new(LocalAddr => "198.18.40.2", LocalPort => 6800, Proto => "udp")
    or die "cannot bind: $!\n";
  print STDERR "listening\n";
  defined $s->recv(my $datagram, 2048) or die "recv: $!\n";
  print $datagram;' >"$WORK/received.txt" 2>"$WORK/receiver.log" &
receiver=$!
track_pid "$receiver"
wait_until 10 "the UDP receiver to listen" grep -q listening "$WORK/receiver.log"

no_neighbour() { [[ -z "$(ip -n "$snd" neigh show 198.18.40.2)" ]]; }
no_neighbour || fail "sender already has a neighbour entry: $(ip -n "$snd" neigh show 198.18.40.2)"
csum_errors_before=$(udp_counter "$rcv" InCsumErrors)

# First to a MAC nobody has: the receiving kernel must drop it (addressed to another host)...
in_ns "$snd" "$PROBE" send eth0 52:54:00:40:00:99 198.18.40.1 198.18.40.2 6800 "to the wrong mac" ||
  fail "probe send (wrong MAC) failed"
# ...then to the receiver's MAC: this one is the first datagram the socket gets.
text="hello from the link layer $$"
in_ns "$snd" "$PROBE" send eth0 52:54:00:40:00:02 198.18.40.1 198.18.40.2 6800 "$text" ||
  fail "probe send failed"
wait_until 10 "the receiver to get a datagram" test -s "$WORK/received.txt"
wait "$receiver" || fail "the UDP receiver failed: $(cat "$WORK/receiver.log")"
got=$(cat "$WORK/received.txt")
[[ "$got" == "$text" ]] || fail "received '$got', expected '$text'"
[[ $(udp_counter "$rcv" InCsumErrors) == "$csum_errors_before" ]] || fail "UDP checksum errors counted"
no_neighbour || fail "sender resolved the receiver: $(ip -n "$snd" neigh show 198.18.40.2)"
pass "LinkSender: '$text' arrived at 198.18.40.2:6800 by MAC, no neighbour entry on the sender"

# --- (b) RogueDetector: a foreign DHCP server on a bridge ---------------------------------
sw=sll-sw-$$
rogue=sll-rogue-$$
watcher=sll-watch-$$
client=sll-cli-$$
for ns in "$sw" "$rogue" "$watcher" "$client"; do make_netns "$ns"; done
make_bridge "$sw"
i=1
for ns in "$rogue" "$watcher" "$client"; do
  bridge_attach "$sw" "$ns" eth0 "52:54:00:41:00:0$i"
  i=$((i + 1))
done
rogue_mac=52:54:00:41:00:01
ip -n "$rogue" addr add 198.18.41.1/24 dev eth0

cat >"$WORK/udhcpd.conf" <<CONF
interface eth0
start 198.18.41.100
end 198.18.41.150
lease_file $WORK/udhcpd.leases
pidfile $WORK/udhcpd.pid
option subnet 255.255.255.0
option lease 600
CONF
: >"$WORK/udhcpd.leases"
# -a: a short ARP probe before each offer keeps the exchange quick.
ip netns exec "$rogue" busybox udhcpd -f -a 200 "$WORK/udhcpd.conf" >"$WORK/udhcpd.log" 2>&1 &
track_pid $!
wait_until 10 "udhcpd to start" grep -q started "$WORK/udhcpd.log"

watch_seconds=12
ip netns exec "$watcher" "$PROBE" watch eth0 "$watch_seconds" \
  >"$WORK/watch.json" 2>"$WORK/watch.log" &
watch_pid=$!
track_pid "$watch_pid"
# The same capture, told that 198.18.41.1 is this server's own address: it must list nothing.
ip netns exec "$watcher" "$PROBE" watch eth0 "$watch_seconds" 198.18.41.1 \
  >"$WORK/watch-own.json" 2>"$WORK/watch-own.log" &
watch_own_pid=$!
track_pid "$watch_own_pid"
wait_until 10 "the detector to capture" grep -q "watching eth0" "$WORK/watch.log"
wait_until 10 "the second detector to capture" grep -q "watching eth0" "$WORK/watch-own.log"

HOOK_LOG=$WORK/udhcpc.events in_ns "$client" timeout 30 udhcpc -i eth0 -f -q -n -t 5 \
  -s "$here/udhcpc-hook.sh" >"$WORK/udhcpc.log" 2>&1 || fail "udhcpc got no lease from udhcpd"
leased=$(awk '$1 == "bound" { print $2 }' "$WORK/udhcpc.events" | tail -n1)
[[ "$leased" == 198.18.41.* ]] || fail "udhcpc lease '$leased' is not from udhcpd"

wait "$watch_pid" || fail "dhcp_link_probe watch failed"
wait "$watch_own_pid" || fail "dhcp_link_probe watch (own address) failed"
log "detector output: $(cat "$WORK/watch.json")"
jq -e -s --arg mac "$rogue_mac" \
  'length == 1 and .[0].server_id == "198.18.41.1" and .[0].mac == $mac and
   .[0].source_ip == "198.18.41.1" and .[0].replies >= 1 and .[0].known == false' \
  "$WORK/watch.json" >/dev/null || fail "detector did not list udhcpd as expected"
[[ $(grep -c "foreign dhcp server server_id=198.18.41.1 mac=$rogue_mac known=false" \
  "$WORK/watch.log") == 1 ]] || fail "expected exactly one warning for the new server"
[[ ! -s "$WORK/watch-own.json" ]] || fail "own server listed: $(cat "$WORK/watch-own.json")"
replies=$(jq -s '.[0].replies' "$WORK/watch.json")
pass "RogueDetector: udhcpd 198.18.41.1 ($rogue_mac) listed with $replies replies; ignored as own"
