#!/usr/bin/env bash
# Integration: Wake-on-LAN on a real link. wol_send (wol/ through WolPowerDriver) in one namespace,
# virtual_bmc (the test BMC) in another, joined by a veth pair. Machine A (no SecureOn password)
# must wake on the UDP form, machine B (password 01:02:03:04:05:06) on the raw form with its
# password; a wrong password and an unknown MAC wake nothing; a machine wakes only once.
# Usage: wol_test.sh BUILD_DIR
source "$(dirname "$0")/../lib/common.sh"
BUILD_DIR=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
BMC=$BUILD_DIR/tests/lab/virtual_bmc
SEND=$BUILD_DIR/tests/lab/wol_send
[[ -x "$BMC" && -x "$SEND" ]] || fail "no virtual_bmc or wol_send in $BUILD_DIR/tests/lab (build first)"
slipway_test_init wol

snd=wol-snd-$$
bmc=wol-bmc-$$
netns_pair "$snd" "$bmc" 198.18.60.1/24 198.18.60.2/24
ip -n "$snd" link set eth0 address 52:54:00:60:00:01

mac_a=52:54:00:60:00:0a
mac_b=52:54:00:60:00:0b
password_b=01:02:03:04:05:06
spawn_in_ns "$bmc" "$WORK/bmc.log" "$BMC" --interface eth0 \
  --machine "$mac_a=echo woken >>$WORK/a.marker" \
  --machine "$mac_b/$password_b=echo woken >>$WORK/b.marker"
wait_until 10 "the virtual BMC to listen" grep -q "^listening interface=eth0" "$WORK/bmc.log"

# verdicts MAC VERDICT: how many packets for MAC the BMC judged VERDICT.
verdicts() { grep -c "target=$1 .*verdict=$2\$" "$WORK/bmc.log" || true; }
markers() { find "$WORK" -maxdepth 1 -name '*.marker' -printf '%f '; }
send() { in_ns "$snd" "$SEND" "$@" >>"$WORK/send.log" 2>&1 || fail "wol_send $* failed"; }

# Raw form for B with a wrong password: seen, refused.
send --mode raw --interface eth0 --password 01:02:03:04:05:07 "$mac_b"
wait_until 5 "the BMC to refuse the wrong password" test "$(verdicts "$mac_b" wrong-password)" = 1
grep -q "magic form=raw port=0 from=52:54:00:60:00:01 target=$mac_b secureon=yes" "$WORK/bmc.log" ||
  fail "the raw frame did not come from the sender's MAC"
# UDP form for a MAC nobody owns: seen, ignored.
send --mode udp --broadcast 198.18.60.255 52:54:00:60:00:99
wait_until 5 "the BMC to see the unknown MAC" test "$(verdicts 52:54:00:60:00:99 unknown-mac)" = 1
[[ -z "$(markers)" ]] || fail "a machine woke on a wrong password or an unknown MAC: $(markers)"
pass "wrong SecureOn password and unknown MAC woke nothing"

# UDP form (the subnet's directed broadcast, port 9) wakes A.
send --mode udp --broadcast 198.18.60.255 "$mac_a"
wait_until 5 "machine A to wake" test -s "$WORK/a.marker"
grep -q "magic form=udp port=9 .*target=$mac_a secureon=no verdict=wake" "$WORK/bmc.log" ||
  fail "A was not woken by the UDP form"
pass "UDP broadcast to 198.18.60.255:9 woke A"

# Raw form with the right password wakes B.
send --mode raw --interface eth0 --password "$password_b" "$mac_b"
wait_until 5 "machine B to wake" test -s "$WORK/b.marker"
grep -q "magic form=raw .*target=$mac_b secureon=yes verdict=wake" "$WORK/bmc.log" ||
  fail "B was not woken by the raw form"
pass "raw EtherType 0x0842 frame with the SecureOn password woke B"

# Both forms at once, pinned to the interface, to port 7 and the limited broadcast, two targets
# rate-limited: A and B are already awake, so nothing runs again.
send --mode both --interface eth0 --port 7 --password "$password_b" --rate 20 "$mac_a" "$mac_b"
wait_until 5 "the BMC to see both forms for A and B" \
  test "$(($(verdicts "$mac_a" already-woken) + $(verdicts "$mac_b" already-woken)))" = 4
grep -q "magic form=udp port=7 .*target=$mac_a" "$WORK/bmc.log" || fail "no UDP packet to port 7"
sleep 0.3
[[ $(wc -l <"$WORK/a.marker") == 1 && $(wc -l <"$WORK/b.marker") == 1 ]] ||
  fail "a machine was started twice"
pass "repeated wakes (both forms, port 7, 255.255.255.255 on eth0) started nothing twice"

# Clear errors: a missing interface.
if in_ns "$snd" "$SEND" --mode raw --interface nosuch0 "$mac_a" 2>"$WORK/err.txt"; then
  fail "wol_send accepted a missing interface"
fi
grep -q 'no such interface "nosuch0"' "$WORK/err.txt" || fail "unclear error: $(cat "$WORK/err.txt")"
pass "a missing interface is reported by name"

# Clear errors: a link without carrier (its veth peer is down) is refused, not silently dropped.
ip -n "$snd" link add nc0 type veth peer name nc1
ip -n "$snd" link set nc0 up
if in_ns "$snd" "$SEND" --mode raw --interface nc0 "$mac_a" 2>"$WORK/err.txt"; then
  fail "wol_send reported success on a link without carrier"
fi
grep -q 'interface nc0 has no link' "$WORK/err.txt" || fail "unclear error: $(cat "$WORK/err.txt")"
pass "a link without carrier is reported, not silently dropped"
