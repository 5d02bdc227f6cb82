#!/usr/bin/env bash
# Integration: `slipway power on` against the virtual BMC, with real DHCP clients as the
# machines. The appliance (namespace srv, bridge br0) wakes by Wake-on-LAN in both forms (UDP
# broadcast and raw EtherType 0x0842 frame, mode both); the BMC (namespace bmc, on the bridge)
# answers a magic packet for a MAC by starting udhcpc in that machine's namespace, as a powered-on
# machine's firmware would ask DHCP. Checked:
#   - a machine named by its inventory name and one named by a MAC the inventory does not know
#     both wake and are confirmed `booted` by their DHCP request; exit code 0;
#   - both wake forms reach the BMC; the SecureOn password from the config is in the packets;
#   - two wakes at rate_per_second 2 are at least ~0.5 s apart;
#   - a MAC that never answers times out (exit 1, "timed out"), an unknown name is refused
#     (exit 1, the name in the message) and wakes nothing;
#   - each wake and its result are events of the machine.
# Usage: power_test.sh BUILD_DIR
source "$(dirname "$0")/../lib/common.sh"
slipway_bins "$1"
BMC=$BUILD_DIR/tests/lab/virtual_bmc
[[ -x "$BMC" ]] || fail "no virtual_bmc in $BUILD_DIR/tests/lab (build first)"
slipway_test_init power

srv=swp-srv-$$
bmc=swp-bmc-$$
m_a=swp-a-$$
m_b=swp-b-$$
for ns in "$srv" "$bmc" "$m_a" "$m_b"; do make_netns "$ns"; done
make_bridge "$srv" 198.18.61.1/24
mac_a=52:54:00:61:00:0a
mac_b=52:54:00:61:00:0b
mac_silent=52:54:00:61:00:0c
password=0a:0b:0c:0d:0e:0f
bridge_attach "$srv" "$bmc" eth0 52:54:00:61:00:01
bridge_attach "$srv" "$m_a" eth0 "$mac_a"
bridge_attach "$srv" "$m_b" eth0 "$mac_b"

mkdir -p "$WORK/assets" "$WORK/data"
cat >"$WORK/slipway.yaml" <<YAML
interface: br0
data_dir: $WORK/data
assets_dir: $WORK/assets
dhcp:
  subnet: 198.18.61.0/24
  range: 198.18.61.100-198.18.61.150
  lease_time: 600
power:
  wol:
    mode: both
    broadcast: 198.18.61.255
    secureon: $password
  rate_per_second: 2
  confirm_timeout_s: 30
YAML
export SLIPWAY_URL=http://198.18.61.1:8080
start_slipway "$srv" "$WORK/slipway.yaml" "$WORK/slipway.log"
slipway() { in_ns "$srv" "$SLIPWAY_BIN" "$@"; }

# Machine A is in the inventory: its PXE ROM asked once before (as udhcpc posing as one).
in_ns "$m_a" timeout 20 udhcpc -i eth0 -f -q -n -t 5 -s /bin/true \
  -V "PXEClient:Arch:00000:UNDI:002001" -x "0x5d:0000" \
  -x "0x61:005a1e0061000040008000000000000a" >"$WORK/pxe-a.log" 2>&1 || fail "machine A's PXE request got no answer"
wait_until 10 "machine A in the inventory" slipway machines show "$mac_a"
slipway machines rename "$mac_a" node-a >/dev/null || fail "rename failed"

# The BMC: a magic packet for A or B starts that machine's DHCP client (its "firmware").
boot_cmd() { echo "ip netns exec $1 timeout 20 udhcpc -i eth0 -f -q -n -t 5 -s /bin/true >>$WORK/boot-$1.log 2>&1"; }
spawn_in_ns "$bmc" "$WORK/bmc.log" "$BMC" --interface eth0 \
  --machine "$mac_a/$password=$(boot_cmd "$m_a")" \
  --machine "$mac_b/$password=$(boot_cmd "$m_b")"
wait_until 10 "the virtual BMC to listen" grep -q "^listening interface=eth0" "$WORK/bmc.log"

# --- wake two, one by name and one by an unknown MAC; both confirmed by DHCP ---------------------
slipway power on node-a "$mac_b" --timeout 20 >"$WORK/on.txt" 2>&1 || { cat "$WORK/on.txt" >&2; fail "power on exited non-zero"; }
grep -q "^node-a ($mac_a): booted" "$WORK/on.txt" || fail "node-a not reported booted: $(cat "$WORK/on.txt")"
grep -q "^$mac_b: booted" "$WORK/on.txt" || fail "$mac_b not reported booted: $(cat "$WORK/on.txt")"
for mac in "$mac_a" "$mac_b"; do
  for form in udp raw; do
    grep -q "magic form=$form .*target=$mac secureon=yes verdict=\(wake\|already-woken\)" "$WORK/bmc.log" ||
      fail "no $form magic packet with the SecureOn password for $mac: $(cat "$WORK/bmc.log")"
  done
done
pass "power on woke node-a (by name) and $mac_b (unknown MAC), both forms, confirmed by DHCP"

job=$(in_ns "$srv" curl -sf "${SLIPWAY_AUTH[@]}" "$SLIPWAY_URL/api/v1/power/jobs" | jq '.jobs[0]')
gap=$(echo "$job" | jq '(.machines[1].sent_after_s - .machines[0].sent_after_s) * 1000 | round / 1000')
awk -v g="$gap" 'BEGIN { exit !(g >= 0.45) }' || fail "wakes only ${gap}s apart at rate_per_second 2: $job"
pass "the second wake left ${gap}s after the first (rate_per_second 2)"

kinds=$(slipway machines events node-a --json | jq -r '[.events[].kind] | join(" ")')
for k in power.requested power.on power.booted; do
  [[ " $kinds " == *" $k "* ]] || fail "event $k missing for node-a: $kinds"
done
pass "node-a's events: power.requested, power.on, power.booted"

# --- silence times out, an unknown name is refused -----------------------------------------
start=$SECONDS
if slipway power on "$mac_silent" --timeout 2 >"$WORK/silent.txt" 2>&1; then
  fail "power on of a MAC nobody answers for exited 0: $(cat "$WORK/silent.txt")"
fi
grep -q "^$mac_silent: timed out" "$WORK/silent.txt" || fail "no timeout reported: $(cat "$WORK/silent.txt")"
((SECONDS - start < 15)) || fail "the 2 s timeout took $((SECONDS - start)) s"
pass "a MAC that never asks DHCP times out (exit 1)"

packets_before=$(grep -c "^magic " "$WORK/bmc.log")
if slipway power on node-a web9 >"$WORK/unknown.txt" 2>&1; then fail "power on of an unknown name exited 0"; fi
grep -q "no machine 'web9'" "$WORK/unknown.txt" || fail "unclear refusal: $(cat "$WORK/unknown.txt")"
sleep 1
[[ $(grep -c "^magic " "$WORK/bmc.log") == "$packets_before" ]] || fail "a refused job still sent packets"
pass "an unknown name refuses the whole job and wakes nothing"

# --- kill -9: an enrolled machine, its facts and its power events survive ----------------------
sed -e "s/52:54:00:ca:00:01/$mac_a/g" -e "s/5a1e00ca-0000-4000-8000-000000000001/5a1e0061-0000-4000-8000-00000000000a/g" \
  "$(dirname "$0")/../fuzz/seeds/agent_report/facts.json" >"$WORK/report.json"
in_ns "$srv" curl -sf -X POST --data-binary @"$WORK/report.json" "$SLIPWAY_URL/api/v1/agent/report" \
  -H "Authorization: Bearer $(agent_secret "$mac_a" "$srv")" \
  -o "$WORK/report-answer.json" || fail "the agent report with facts was refused"
jq -e '.machine.name == "node-a" and .machine.state == "discovered"' "$WORK/report-answer.json" >/dev/null &&
  fail "the report did not move node-a on"
before=$(slipway machines show node-a --json | jq -c '{state: .machine.state, threads: .machine.facts.cpu.threads, disks: [.machine.facts.disks[].size_bytes], events: [.events[].kind]}')
kill -9 "$SLIPWAY_PID"
wait "$SLIPWAY_PID" 2>/dev/null || true
forget_pid "$SLIPWAY_PID"
start_slipway "$srv" "$WORK/slipway.yaml" "$WORK/slipway.log"
after=$(slipway machines show node-a --json | jq -c '{state: .machine.state, threads: .machine.facts.cpu.threads, disks: [.machine.facts.disks[].size_bytes], events: [.events[].kind]}')
[[ "$before" == "$after" && "$after" == *'"state":"ready"'* && "$after" == *power.booted* ]] ||
  fail "after kill -9 node-a changed: before $before, after $after"
pass "after kill -9 node-a is still ready with its facts and power events"
