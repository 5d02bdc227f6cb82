#!/usr/bin/env bash
# End to end: QEMU VMs network-boot from the real appliance in a test namespace.
#   bios: SeaBIOS, PXE -> TFTP undionly.kpxe -> our iPXE -> HTTP script -> runtime -> agent
#   uefi: OVMF's own PXE -> TFTP ipxe.efi -> our iPXE -> HTTP script -> runtime -> agent
#   two:  one of each at once
# Each VM must appear in `slipway machines list --json` with the MAC and -uuid QEMU was given,
# its agent must have reported `booted`, and the loaders must have gone over TFTP.
# Usage: netboot_test.sh BUILD_DIR bios|uefi|two
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/lab.sh"
slipway_bins "$1"
mode=${2:?usage: $0 BUILD_DIR bios|uefi|two}
slipway_test_init "e2e-$mode"

lab_assets "$BUILD_DIR"
lab_probe_accel
ns=swe-$mode-$$
lab_network "$ns"
lab_config "$WORK/slipway.yaml" "$WORK/data"
export SLIPWAY_URL=http://$LAB_SERVER_IP:8080
start_slipway "$ns" "$WORK/slipway.yaml" "$WORK/slipway.log"

declare -A firmware_of uuid_of
case "$mode" in
  bios) vms=(bios1) ;;
  uefi) vms=(uefi1) ;;
  two) vms=(bios2 uefi2) ;;
  *) fail "unknown mode $mode" ;;
esac
n=0
start=$SECONDS
for vm in "${vms[@]}"; do
  n=$((n + 1))
  firmware_of[$vm]=${vm%[0-9]}
  mac=52:54:00:e2:0$n:$(printf '%02x' $((RANDOM % 256)))
  uuid_of[$vm]=$(printf '5a1e00e2-%04x-4000-8000-%012x' "$n" "$RANDOM$RANDOM")
  lab_vm "$ns" "$vm" "${firmware_of[$vm]}" "$mac" "${uuid_of[$vm]}"
  eval "mac_$vm=$mac"
done

# Under TCG a boot takes 20-40 s; two VMs share two cores.
limit=$((240 * ${#vms[@]}))
reported() {
  in_ns "$ns" "$SLIPWAY_BIN" machines list --json | jq -e --arg n "${#vms[@]}" \
    '[.machines[] | select(.agent_event == "booted")] | length == ($n | tonumber)' >/dev/null
}
wait_until "$limit" "every VM's agent to report" reported
elapsed=$((SECONDS - start))

machines=$(in_ns "$ns" "$SLIPWAY_BIN" machines list --json)
# One record per VM: DHCP (option 97), the script URL and the agent must agree on identity. The
# agent's report with facts moved each through inspecting to ready (default policy auto).
[[ $(echo "$machines" | jq '.machines | length') == "${#vms[@]}" ]] ||
  fail "expected ${#vms[@]} machine records, have: $machines"
for vm in "${vms[@]}"; do
  mac_var=mac_$vm
  mac=${!mac_var}
  echo "$machines" | jq -e --arg mac "$mac" --arg uuid "${uuid_of[$vm]}" --arg fw "${firmware_of[$vm]}" '
    [.machines[] | select(.uuid == $uuid)] | length == 1 and
    (.[0] | .state == "ready" and .firmware == $fw and .agent_event == "booted"
            and (.interfaces | map(.mac) | index($mac)) != null)' >/dev/null ||
    fail "$vm ($mac, ${uuid_of[$vm]}) not as expected in: $machines"
  loader=undionly.kpxe
  [[ "${firmware_of[$vm]}" == uefi ]] && loader=ipxe.efi
  grep -q "sent file=\"$loader\".*client=198\.18\.0\." "$WORK/slipway.log" ||
    fail "$vm: no TFTP transfer of $loader in the appliance log"
  grep -q "ipxe script machine=.* mac=$mac" "$WORK/slipway.log" || fail "$vm: no iPXE script served"
  leases=$(in_ns "$ns" curl -sf "${SLIPWAY_AUTH[@]}" "$SLIPWAY_URL/api/v1/leases" | jq --arg mac "$mac" '[.leases[] | select(.mac == $mac)] | length')
  [[ "$leases" == 1 ]] || fail "$vm: $leases leases for one machine (firmware, iPXE and runtime must share one)"
  pass "$vm (${firmware_of[$vm]}) mac=$mac uuid=${uuid_of[$vm]} booted the runtime and reported"
done
# Each VM powers itself off after its report.
for pid in "${SLIPWAY_TEST_PIDS[@]:1}"; do
  wait_until 60 "VM pid $pid to power off" bash -c "! kill -0 $pid"
done
in_ns "$ns" "$SLIPWAY_BIN" machines list >&2
log "boot-to-report for ${#vms[@]} VM(s): ${elapsed}s (accel $LAB_ACCEL)"
