#!/usr/bin/env bash
# End to end: proxyDHCP next to the LAN's own DHCP server. ISC Kea (in its own namespace on the
# lab bridge) hands out the address; Slipway in proxy mode only adds boot data, on port 67 and
# on the PXE boot service port 4011. A SeaBIOS VM's iPXE takes both and boots Slipway's chain
# to the runtime, whose agent reports. Checks: the machine is recorded with its MAC and UUID,
# its agent reported, Kea (not Slipway) holds its lease, and Kea shows up as a known foreign
# DHCP server. (Which of port 67 or 4011 iPXE takes the boot file from is iPXE's choice; the
# unit tests cover both.)
# Usage: proxy_test.sh BUILD_DIR
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/lab.sh"
slipway_bins "$1"
slipway_test_init e2e-proxy
command -v kea-dhcp4 >/dev/null || fail "kea-dhcp4 missing (scripts/deps.sh installs kea-dhcp4-server)"

lab_assets "$BUILD_DIR"
lab_probe_accel
ns=swp-lab-$$
main=swp-kea-$$
lab_network "$ns"
make_netns "$main"
ip link add "swk$$" type veth peer name lan netns "$main"
ip link set "swk$$" netns "$ns"
ip -n "$ns" link set "swk$$" master br0 up
ip -n "$main" addr add 198.18.0.2/24 dev lan
ip -n "$main" link set lan up

mkdir -p "$WORK/kea-run"
cat >"$WORK/kea.json" <<JSON
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "lan" ], "dhcp-socket-type": "raw" },
    "lease-database": { "type": "memfile", "persist": true, "lfc-interval": 0,
                        "name": "$WORK/kea-leases4.csv" },
    "valid-lifetime": 600,
    "subnet4": [ { "id": 1, "subnet": "198.18.0.0/24",
                   "pools": [ { "pool": "198.18.0.150 - 198.18.0.199" } ],
                   "option-data": [ { "name": "routers", "data": "198.18.0.2" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "severity": "INFO",
                   "output_options": [ { "output": "$WORK/kea.log" } ] } ] } }
JSON
KEA_PIDFILE_DIR=$WORK/kea-run KEA_LOCKFILE_DIR=$WORK/kea-run \
  spawn_in_ns "$main" "$WORK/kea-stdout.log" kea-dhcp4 -c "$WORK/kea.json"
wait_until 20 "Kea to start" grep -q "DHCP4_STARTED" "$WORK/kea.log"

cat >"$WORK/slipway.yaml" <<YAML
interface: br0
data_dir: $WORK/data
assets_dir: $LAB_ASSETS
dhcp:
  mode: proxy
  known_servers: [198.18.0.2]
boot:
  kernel_args: console=ttyS0 quiet
YAML
export SLIPWAY_URL=http://$LAB_SERVER_IP:8080
start_slipway "$ns" "$WORK/slipway.yaml" "$WORK/slipway.log"

mac=52:54:00:e2:0f:$(printf '%02x' $((RANDOM % 256)))
uuid=$(printf '5a1e00e2-00ff-4000-8000-%012x' "$RANDOM$RANDOM")
lab_vm "$ns" proxy1 bios "$mac" "$uuid"
vm=$LAB_VM_PID
reported() {
  in_ns "$ns" "$SLIPWAY_BIN" machines list --json |
    jq -e '[.machines[] | select(.agent_event == "booted")] | length == 1' >/dev/null
}
wait_until 300 "the VM's agent to report" reported

machines=$(in_ns "$ns" "$SLIPWAY_BIN" machines list --json)
echo "$machines" | jq -e --arg mac "$mac" --arg uuid "$uuid" '
  .machines | length == 1 and .[0].uuid == $uuid and .[0].firmware == "bios"
  and (.[0].interfaces | map(.mac) | index($mac)) != null' >/dev/null ||
  fail "machine not as expected: $machines"
[[ $(in_ns "$ns" curl -sf "${SLIPWAY_AUTH[@]}" "$SLIPWAY_URL/api/v1/leases" | jq '.leases | length') == 0 ]] ||
  fail "Slipway handed out a lease in proxy mode"
grep -qi "$mac" "$WORK/kea-leases4.csv" || fail "Kea has no lease for $mac"
kea_ip=$(grep -i "$mac" "$WORK/kea-leases4.csv" | tail -n1 | cut -d, -f1)
[[ $(metric "$ns" 'slipway_dhcp_replies_total{type="offer"}') -ge 1 ]] || fail "no proxy offers"
grep -q "sent file=\"undionly.kpxe\"" "$WORK/slipway.log" || fail "undionly.kpxe not sent over TFTP"
in_ns "$ns" curl -sf "${SLIPWAY_AUTH[@]}" "$SLIPWAY_URL/api/v1/dhcp/servers" |
  jq -e '.servers | map(select(.server_id == "198.18.0.2" and .known)) | length == 1' >/dev/null ||
  fail "Kea not listed as a known foreign server: $(in_ns "$ns" curl -sf "${SLIPWAY_AUTH[@]}" "$SLIPWAY_URL/api/v1/dhcp/servers")"
wait_until 60 "the VM to power off" bash -c "! kill -0 $vm"
pass "proxyDHCP next to Kea: $mac ($uuid) got $kea_ip from Kea and its boot chain from Slipway; agent reported"
