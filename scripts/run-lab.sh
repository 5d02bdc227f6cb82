#!/usr/bin/env bash
# The main job on its embedded default: builds Slipway, starts a virtual lab -- the appliance in
# a network namespace with SQLite in a data folder, and powered-off QEMU VMs on a bridge behind a
# virtual BMC -- powers the VMs on with `slipway power on` (Wake-on-LAN), and shows the machines
# as they network-boot, are inspected and enrolled. The appliance keeps running for you to
# explore until Ctrl-C; then everything is cleaned up. Needs root (namespaces, taps).
#
# Usage: scripts/run-lab.sh [--vms N] [--keep-data]
#   --vms N       how many VMs to boot (default 2: SeaBIOS and OVMF UEFI alternately)
#   --keep-data   keep the lab's data folder (SQLite database) in lab/ after Ctrl-C
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
vms=2
keep=0
while (($# > 0)); do
  case "$1" in
    --vms) vms=${2:?}; shift 2 ;;
    --keep-data) keep=1; shift ;;
    -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
[[ "$vms" =~ ^[0-9]+$ && "$vms" -le 8 ]] || { echo "--vms takes 0 to 8" >&2; exit 2; }

"$src/scripts/deps.sh" all
SLIPWAY_BUILD_DIR=$src/build "$src/scripts/build.sh"

source "$src/tests/lib/common.sh"
source "$src/tests/lib/lab.sh"
slipway_bins "$src/build"
slipway_test_init lab
# Ctrl-C is how the lab ends: a clean exit, not a failure.
trap 'echo; log "stopping the lab"; exit 0' INT TERM
((keep)) && SLIPWAY_KEEP_WORK=1

log "building the network-boot runtime (first run downloads Debian's kernel package)"
lab_assets "$BUILD_DIR"
lab_probe_accel
ns=slipway-lab
lab_network "$ns"
# A link from this host into the lab, so the CLI here can reach the appliance's API.
ip link del slw-host 2>/dev/null || true
ip link add slw-host type veth peer name slw-lab netns "$ns"
SLIPWAY_TEST_HOST_LINKS+=(slw-host)
ip addr add 198.18.255.1/30 dev slw-host
ip link set slw-host up
ip -n "$ns" addr add 198.18.255.2/30 dev slw-lab
ip -n "$ns" link set slw-lab up

data=$WORK/data
((keep)) && data=$src/lab/data && mkdir -p "$data"
lab_config "$WORK/slipway.yaml" "$data"
cat >>"$WORK/slipway.yaml" <<YAML
enrollment:
  policy: auto                   # approve: machines wait for \`slipway machines approve NAME\`
  rules:
    - match: {vendor: "QEMU"}
      name: "vm-{mac6}"
      labels: {kind: vm}
power:
  wol: {mode: both, broadcast: 198.18.0.255}
  rate_per_second: 2
  confirm_timeout_s: 300
YAML
export SLIPWAY_URL=http://198.18.255.2:8080
start_slipway "$ns" "$WORK/slipway.yaml" "$WORK/slipway.log"
log "appliance up: DHCP/TFTP/HTTP on the lab bridge 198.18.0.1, API at $SLIPWAY_URL"

# Powered-off VMs behind a virtual BMC, as servers behind their NICs' Wake-on-LAN: each one starts
# when a magic packet for its MAC crosses the bridge. Sizes differ so that the inventory shows it.
bmc_args=()
macs=()
pidfiles=()
for ((i = 1; i <= vms; i++)); do
  firmware=bios
  ((i % 2 == 0)) && firmware=uefi
  mac=$(printf '52:54:00:1a:b0:%02x' "$i")
  lab_vm "$ns" "vm$i" "$firmware" "$mac" "$(printf '5a1e1ab0-0000-4000-8000-%012x' "$i")" \
    --memory $((384 + 128 * (i % 3))) --cpus $((1 + i % 2)) --disk "${i}G" --command-only
  bmc_args+=(--machine "$mac=$LAB_VM_COMMAND")
  macs+=("$mac")
  pidfiles+=("$LAB_VM_PIDFILE")
done
if ((vms > 0)); then
  lab_bmc "$ns" "$WORK/bmc.log" "${bmc_args[@]}"
  log "waking ${#macs[@]} VM(s): slipway power on ${macs[*]}"
  spawn_in_ns "$ns" "$WORK/power.log" "$SLIPWAY_BIN" power on "${macs[@]}"
  # Each QEMU is the BMC's child: known to the cleanup as soon as it runs.
  for f in "${pidfiles[@]}"; do
    wait_until 60 "the BMC to start a VM ($f)" test -s "$f"
    track_pid "$(cat "$f")"
  done
fi

cat <<TEXT

  The lab is running. The appliance wrote its first-start admin token to $SLIPWAY_TOKEN_FILE
  (root only); the CLI reads it from SLIPWAY_TOKEN_FILE. In another terminal, as root:
    export SLIPWAY_TOKEN_FILE=$SLIPWAY_TOKEN_FILE
    $BUILD_DIR/controlplane/slipway machines list --server $SLIPWAY_URL
    curl -H "Authorization: Bearer \$(cat \$SLIPWAY_TOKEN_FILE)" $SLIPWAY_URL/api/v1/machines
    curl $SLIPWAY_URL/metrics
    $BUILD_DIR/controlplane/slipway machines show vm-1ab001 --server $SLIPWAY_URL
    $BUILD_DIR/controlplane/slipway events --server $SLIPWAY_URL      (the audit trail)
    tail -f $WORK/slipway.log              (appliance)   $WORK/vm-*.log (VM consoles)
    cat $WORK/power.log                    (slipway power on: each wake confirmed by DHCP)
  Under software emulation each VM takes about half a minute to boot and be inspected.
  Ctrl-C stops everything and cleans up.

TEXT
last=""
while true; do
  table=$("$SLIPWAY_BIN" machines list --server "$SLIPWAY_URL" 2>&1 || true)
  if [[ "$table" != "$last" ]]; then
    printf '\n[%s]\n%s\n' "$(date +%H:%M:%S)" "$table"
    last=$table
  fi
  sleep 2
done
