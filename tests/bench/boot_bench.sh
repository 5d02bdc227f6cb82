#!/usr/bin/env bash
# Benchmark: power-on to "agent reported" through the whole network-boot chain, for N VMs at
# once, with a per-stage breakdown from the appliance's log, side by side with the same runtime
# started by QEMU directly (-kernel/-initrd: no firmware, no PXE, no TFTP, no iPXE), which is
# the floor any netboot server could reach on this machine.
#
# Usage: tests/bench/boot_bench.sh BUILD_DIR [N...]     (default N: 1 2)
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/lab.sh"
slipway_bins "$1"
shift
counts=("$@")
((${#counts[@]})) || counts=(1 2)
slipway_test_init bench-boot

lab_assets "$BUILD_DIR"
lab_probe_accel
ns=swb-$$
lab_network "$ns"
export SLIPWAY_URL=http://$LAB_SERVER_IP:8080

now() { date +%s.%N; }
# Seconds since the epoch of an appliance log line's time stamp (same day, local clock).
log_time() { date -d "$(cut -c1-23 <<<"$1" | tr T ' ')" +%s.%N; }
first_line() { grep -m1 -E "$1" "$WORK/slipway.log" || true; }
since() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == "") print "-"; else printf "%.1f", b - a }'; }

run_round() {
  local count=$1 round_dir=$WORK/round-$1
  mkdir -p "$round_dir"
  lab_config "$WORK/slipway.yaml" "$round_dir/data"
  : >"$WORK/slipway.log"
  start_slipway "$ns" "$WORK/slipway.yaml" "$WORK/slipway.log"
  declare -A started
  local macs=()
  for ((i = 1; i <= count; i++)); do
    local fw=bios
    ((i % 2 == 0)) && fw=uefi
    local mac
    mac=$(printf '52:54:00:be:%02x:%02x' "$count" "$i")
    macs+=("$mac")
    started[$mac]=$(now)
    lab_vm "$ns" "b$count-$i" "$fw" "$mac" "$(printf '5a1eb0b0-%04x-4000-8000-%012x' "$count" "$i")"
    eval "fw_$i=$fw"
  done
  local done_all
  reported_all() { [[ $(grep -c "agent report machine=" "$WORK/slipway.log") -ge $count ]]; }
  wait_until $((300 * count)) "$count agent reports" reported_all
  done_all=$(now)
  printf '%-5s %-4s %-17s %8s %8s %8s %8s\n' N fw mac dhcp loader script report >>"$WORK/table"
  local i=0
  for mac in "${macs[@]}"; do
    i=$((i + 1))
    local fw_var=fw_$i t0=${started[$mac]}
    local dhcp loader script report
    dhcp=$(first_line "offer mac=$mac")
    loader=$(first_line "sent file=\"(undionly.kpxe|ipxe.efi)\".*client=$(grep -m1 -oE "ack mac=$mac ip=[0-9.]+" "$WORK/slipway.log" | sed 's/.*ip=//')[:]")
    script=$(first_line "ipxe script machine=.* mac=$mac")
    report=$(first_line "agent report machine=.* mac=$mac")
    printf '%-5s %-4s %-17s %8s %8s %8s %8s\n' "$count" "${!fw_var}" "$mac" \
      "$(since "$t0" "$([[ -n $dhcp ]] && log_time "$dhcp")")" \
      "$(since "$t0" "$([[ -n $loader ]] && log_time "$loader")")" \
      "$(since "$t0" "$([[ -n $script ]] && log_time "$script")")" \
      "$(since "$t0" "$([[ -n $report ]] && log_time "$report")")" >>"$WORK/table"
  done
  printf '%-5s all VMs reported after %.1f s\n\n' "$count" "$(since "${started[${macs[0]}]}" "$done_all")" >>"$WORK/table"
  kill "$SLIPWAY_PID"
  wait "$SLIPWAY_PID" 2>/dev/null || true
  for ((i = 1; i <= count; i++)); do ip -n "$ns" link del "tap-b$count-$i" 2>/dev/null || true; done
}

# Baseline: the runtime started directly by QEMU on the same bridge, reporting to the appliance.
run_direct() {
  lab_config "$WORK/slipway.yaml" "$WORK/direct-data"
  : >"$WORK/slipway.log"
  start_slipway "$ns" "$WORK/slipway.yaml" "$WORK/slipway.log"
  local mac=52:54:00:be:ff:01
  ip -n "$ns" tuntap add dev tap-direct mode tap
  ip -n "$ns" link set tap-direct master br0 up
  local t0
  t0=$(now)
  ip netns exec "$ns" qemu-system-x86_64 -accel "$LAB_ACCEL" -m 512 -nographic -no-reboot \
    -kernel "$LAB_ASSETS/runtime/vmlinuz" -initrd "$LAB_ASSETS/runtime/initrd.gz" \
    -append "console=ttyS0 quiet slipway.url=$SLIPWAY_URL slipway.mac=$mac" \
    -netdev tap,id=n0,ifname=tap-direct,script=no,downscript=no -device "e1000,netdev=n0,mac=$mac" \
    </dev/null >"$WORK/vm-direct.log" 2>&1 &
  track_pid $!
  wait_until 300 "the direct-boot report" grep -q "agent report machine=" "$WORK/slipway.log"
  local report
  report=$(first_line "agent report machine=")
  printf 'direct -kernel/-initrd boot of the same runtime (no firmware netboot): report after %s s\n' \
    "$(since "$t0" "$(log_time "$report")")" >>"$WORK/table"
  kill "$SLIPWAY_PID"
  wait "$SLIPWAY_PID" 2>/dev/null || true
}

: >"$WORK/table"
for n in "${counts[@]}"; do run_round "$n"; done
run_direct
echo
echo "Boot benchmark ($(nproc) cores, accel $LAB_ACCEL); seconds from VM start:"
echo "  dhcp = first OFFER, loader = TFTP loader sent, script = iPXE script served, report = agent report"
cat "$WORK/table"
