#!/usr/bin/env bash
# Integration: RFC 2131 behaviour against real clients, in network namespaces.
#   - ISC dhclient: obtain, renew at T1, release, reboot with the old address; a stale lease
#     from another network is NAKed and the client starts over;
#   - busybox udhcpc: obtain with options set by name in YAML (NTP, MTU, static routes 121),
#     unicast OFFER to its MAC without ARP (broadcast flag clear), renew, release; DECLINE of an
#     address another host holds (ARP check); a reservation by MAC with its host name;
#   - a client behind ISC dhcrelay gets an address of the relay's subnet, through the relay.
# Usage: dhcp_conformance_test.sh BUILD_DIR
source "$(dirname "$0")/../lib/common.sh"
slipway_bins "$1"
slipway_test_init dhcp-rfc
command -v dhcrelay >/dev/null || fail "dhcrelay missing (scripts/deps.sh installs isc-dhcp-relay)"
command -v tcpdump >/dev/null || fail "tcpdump missing (scripts/deps.sh installs it)"

mac() { printf '52:54:00:20:00:%02x' "$1"; }

srv=swr-srv-$$ a=swr-a-$$ b=swr-b-$$ relay=swr-rel-$$ c=swr-c-$$ e=swr-e-$$
for ns in "$srv" "$a" "$b" "$relay" "$c" "$e"; do make_netns "$ns"; done
make_bridge "$srv" 198.18.20.1/24
bridge_attach "$srv" "$a" eth0 "$(mac 1)"
bridge_attach "$srv" "$b" eth0 "$(mac 2)"
bridge_attach "$srv" "$b" eth1 "$(mac 5)"
bridge_attach "$srv" "$e" eth0 "$(mac 6)"
bridge_attach "$srv" "$relay" wan "$(mac 7)"
ip -n "$relay" addr add 198.18.20.2/24 dev wan
ip link add lan type veth peer name eth0 netns "$c"
ip link set lan netns "$relay"
ip -n "$relay" addr add 198.19.21.1/24 dev lan
ip -n "$relay" link set lan up
ip -n "$c" link set eth0 address "$(mac 3)" up
ip -n "$srv" route add 198.19.21.0/24 via 198.18.20.2

mkdir -p "$WORK/assets" "$WORK/data"
cat >"$WORK/slipway.yaml" <<YAML
interface: br0
data_dir: $WORK/data
assets_dir: $WORK/assets
log_level: debug
dhcp:
  decline_hold: 300
  subnets:
    - subnet: 198.18.20.0/24
      pools: [198.18.20.100-198.18.20.150]
      lease_time: 600
      min_lease_time: 10
      options:
        routers: [198.18.20.1]
        domain-name-servers: [198.18.20.53]
        domain-name: lab.test
        ntp-servers: [198.18.20.123]
        interface-mtu: 1400
        classless-static-routes: ["10.0.0.0/8 198.18.20.1"]
      reservations:
        - mac: $(mac 5)
          ip: 198.18.20.50
          hostname: reserved-node
    - subnet: 198.19.21.0/24
      pools: [198.19.21.100-198.19.21.150]
      options:
        routers: [198.19.21.1]
YAML
export SLIPWAY_URL=http://198.18.20.1:8080
start_slipway "$srv" "$WORK/slipway.yaml" "$WORK/slipway.log"
leases() { in_ns "$srv" curl -sf "${SLIPWAY_AUTH[@]}" "$SLIPWAY_URL/api/v1/leases"; }
lease_of() { leases | jq -c --arg mac "$1" '.leases[] | select(.mac == $mac)'; }
now() { date +%s; }

# --- dhclient: a stale lease from another network is NAKed ------------------------------------
cat >"$WORK/a.leases" <<LEASE
lease {
  interface "eth0";
  fixed-address 198.18.99.5;
  option subnet-mask 255.255.255.0;
  option dhcp-server-identifier 198.18.99.1;
  renew 4 2037/01/01 00:00:00;
  rebind 4 2037/01/01 00:00:00;
  expire 4 2037/01/01 00:00:00;
}
LEASE
cat >"$WORK/dhclient.conf" <<CONF
send dhcp-lease-time 12;
request subnet-mask, routers, domain-name-servers, domain-name, ntp-servers, interface-mtu,
        host-name;
CONF
alog=$WORK/dhclient.events
dhclient_args=(-cf "$WORK/dhclient.conf" -sf "$(hook_copy dhclient-hook.sh "$alog")" -lf "$WORK/a.leases"
  -pf "$WORK/a.pid")
naks_before=$(metric "$srv" 'slipway_dhcp_replies_total{type="nak"}')
spawn_in_ns "$a" "$WORK/dhclient.log" dhclient -d -v "${dhclient_args[@]}" eth0
dhclient_pid=$SPAWNED_PID
wait_until 30 "dhclient to be bound" grep -q "^BOUND " "$alog"
ip_a=$(awk '$1 == "BOUND" { print $2; exit }' "$alog")
[[ $(metric "$srv" 'slipway_dhcp_replies_total{type="nak"}') -gt $naks_before ]] ||
  fail "the stale lease 198.18.99.5 was not NAKed"
grep -q "DHCPNAK" "$WORK/dhclient.log" || fail "dhclient saw no NAK"
grep -q "^BOUND $ip_a mask=255.255.255.0 ntp=198.18.20.123 mtu=1400 domain=lab.test" "$alog" ||
  fail "dhclient options: $(grep ^BOUND "$alog")"
pass "dhclient: stale lease NAKed, then bound to $ip_a with ntp, mtu and domain from YAML"

# Renew at T1 (lease 12 s: T1 = 6 s), unicast to the server, same address.
wait_until 20 "dhclient to renew" grep -q "^RENEW $ip_a " "$alog"
expires=$(lease_of "$(mac 1)" | jq .expires)
((expires > $(now) + 5)) || fail "renewal did not extend the lease (expires $expires)"
pass "dhclient renewed $ip_a at T1"

# Release, then reboot with the old address.
kill "$dhclient_pid"
wait "$dhclient_pid" 2>/dev/null || true
in_ns "$a" dhclient -r "${dhclient_args[@]}" eth0 >>"$WORK/dhclient.log" 2>&1 || true
wait_until 5 "the release to end the lease" \
  bash -c "(( \$(curl -sf --max-time 2 -H 'Authorization: Bearer $SLIPWAY_TOKEN' $SLIPWAY_URL/api/v1/leases >/dev/null; ip netns exec $srv curl -sf -H 'Authorization: Bearer $SLIPWAY_TOKEN' $SLIPWAY_URL/api/v1/leases | jq --arg m $(mac 1) '.leases[] | select(.mac == \$m) | .expires') <= \$(date +%s) ))"
: >"$alog"
in_ns "$a" timeout 30 dhclient -1 -v "${dhclient_args[@]}" eth0 >>"$WORK/dhclient.log" 2>&1 ||
  fail "dhclient could not come back"
in_ns "$a" dhclient -x -pf "$WORK/a.pid" eth0 >/dev/null 2>&1 || true
again=$(awk '$1 == "BOUND" || $1 == "REBOOT" { print $2 }' "$alog" | tail -n1)
[[ "$again" == "$ip_a" ]] || fail "after release dhclient got '$again', had $ip_a"
pass "dhclient released $ip_a and came back to it"

# --- udhcpc: unicast OFFER to its MAC, options, renew, release --------------------------------
blog=$WORK/udhcpc.events
spawn_in_ns "$b" "$WORK/b.tcpdump" tcpdump -i eth0 -e -n -l -U udp port 68
sleep 1
spawn_in_ns "$b" "$WORK/udhcpc-b.log" udhcpc -i eth0 -f -t 5 -s "$(hook_copy udhcpc-hook.sh "$blog")" \
  -x lease:12 -O ntpsrv -O mtu -O staticroutes
udhcpc_pid=$SPAWNED_PID
wait_until 30 "udhcpc to be bound" grep -q "^bound " "$blog"
ip_b=$(awk '$1 == "bound" { print $2; exit }' "$blog")
grep -q "^bound $ip_b .*router=198.18.20.1 ntp=198.18.20.123 mtu=1400 .*routes=10.0.0.0/8 198.18.20.1" "$blog" ||
  fail "udhcpc options: $(grep ^bound "$blog")"
# The OFFER went to the client's MAC and the offered address, not to ff:ff:ff:ff:ff:ff.
grep -q "> $(mac 2), .* 198.18.20.1.67 > $ip_b.68" "$WORK/b.tcpdump" ||
  fail "no unicast reply to $(mac 2)/$ip_b: $(head -5 "$WORK/b.tcpdump")"
[[ $(metric "$srv" 'slipway_dhcp_deliveries_total{kind="unicast_chaddr"}') -ge 1 ]] ||
  fail "unicast_chaddr deliveries not counted"
pass "udhcpc bound to $ip_b by unicast to its MAC; ntp, mtu, static routes (121) from YAML"
wait_until 20 "udhcpc to renew" grep -q "^renew $ip_b " "$blog"
kill -USR2 "$udhcpc_pid"  # release
wait_until 5 "udhcpc's release to end the lease" \
  bash -c "(( \$(ip netns exec $srv curl -sf -H 'Authorization: Bearer $SLIPWAY_TOKEN' $SLIPWAY_URL/api/v1/leases | jq --arg m $(mac 2) '.leases[] | select(.mac == \$m) | .expires') <= \$(date +%s) ))"
kill "$udhcpc_pid"
pass "udhcpc renewed and released $ip_b"

# --- reservation by MAC, with its host name ---------------------------------------------------
rlog=$WORK/reserved.events
in_ns "$b" timeout 30 udhcpc -i eth1 -f -q -n -t 5 -s "$(hook_copy udhcpc-hook.sh "$rlog")" \
  >>"$WORK/udhcpc.log" 2>&1 || fail "reserved client got no lease"
grep -q "^bound 198.18.20.50 .*host=reserved-node" "$rlog" || fail "reservation: $(cat "$rlog")"
pass "reserved client $(mac 5) got 198.18.20.50 and host name reserved-node"

# --- DECLINE: another host already has the next free address ----------------------------------
next_free=$(awk '$1 == "BOUND" { print $2; exit }' "$alog")
for candidate in $(seq 100 150); do
  addr=198.18.20.$candidate
  leases | jq -e --arg ip "$addr" '[.leases[] | select(.ip == $ip)] | length == 0' >/dev/null && break
done
ip -n "$e" addr add "$addr/24" dev eth0  # a squatter with no lease
dlog=$WORK/decline.events
declines_before=$(metric "$srv" 'slipway_dhcp_requests_total{type="decline"}')
bridge_attach "$srv" "$b" eth2 "$(mac 8)"
in_ns "$b" timeout 60 udhcpc -i eth2 -f -q -n -t 8 -a -s "$(hook_copy udhcpc-hook.sh "$dlog")" \
  >>"$WORK/udhcpc.log" 2>&1 || fail "the declining client got no lease in the end"
got=$(awk '$1 == "bound" { print $2 }' "$dlog" | tail -n1)
[[ "$got" != "$addr" ]] || fail "the client kept $addr although another host has it"
[[ $(metric "$srv" 'slipway_dhcp_requests_total{type="decline"}') -gt $declines_before ]] ||
  fail "no DECLINE counted"
leases | jq -e --arg ip "$addr" '.leases[] | select(.ip == $ip) | .client_key | startswith("declined:")' \
  >/dev/null || fail "$addr is not quarantined: $(leases)"
pass "udhcpc declined $addr (in use by another host), quarantined; it got $got instead"
: "$next_free"

# --- through a relay ------------------------------------------------------------------------
spawn_in_ns "$relay" "$WORK/dhcrelay.log" dhcrelay -4 -d -a -iu wan -id lan 198.18.20.1
sleep 1
clog=$WORK/relayed.events
in_ns "$c" timeout 30 udhcpc -i eth0 -f -q -n -t 5 -s "$(hook_copy udhcpc-hook.sh "$clog")" \
  >>"$WORK/udhcpc.log" 2>&1 || fail "the client behind the relay got no lease"
ip_c=$(awk '$1 == "bound" { print $2 }' "$clog" | tail -n1)
[[ "$ip_c" == 198.19.21.1[0-5][0-9] ]] || fail "relayed client got '$ip_c', not an address of 198.19.21.0/24"
grep -q "router=198.19.21.1 " "$clog" || fail "relayed client did not get its subnet's router"
lease_of "$(mac 3)" | jq -e --arg ip "$ip_c" '.ip == $ip' >/dev/null || fail "relayed lease not stored"
[[ $(metric "$srv" 'slipway_dhcp_deliveries_total{kind="relay"}') -ge 2 ]] ||
  fail "replies did not go through the relay"
pass "client behind dhcrelay got $ip_c from the relay's subnet, through the relay"
