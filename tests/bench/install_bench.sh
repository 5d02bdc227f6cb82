#!/usr/bin/env bash
# Benchmark: image installs. For N VMs at once (default 1 and 4; BIOS and UEFI alternate, virtio
# disks of 3 GiB), the time from `slipway machines install` to `deployed` (the agent writes the
# test image, the VM reboots from its disk and Debian calls back), and the agent's write
# throughput as it reports it. Reference in the same run: a plain `dd bs=1M conv=fsync` of the
# same image, uncompressed, from a second virtio disk onto the same kind of disk, in the same
# kind of VM running the same runtime kernel (QEMU -kernel/-initrd with an /init that only dds).
#
# Usage: tests/bench/install_bench.sh BUILD_DIR [N...]
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/lab.sh"
source "$(dirname "$0")/../lib/install.sh"
slipway_bins "$1"
shift
counts=("$@")
((${#counts[@]})) || counts=(1 4)
slipway_test_init bench-install

install_test_image
lab_assets "$BUILD_DIR"
lab_probe_accel
ns=swb-inst-$$
lab_network "$ns"
export SLIPWAY_URL=http://$LAB_SERVER_IP:8080
raw=$WORK/disk.raw
zstd -qdc "$INSTALL_IMAGE" >"$raw"
raw_bytes=$(stat -c %s "$raw")

results=()
run_round() {
  local count=$1 round=$WORK/round-$1
  mkdir -p "$round"
  lab_config "$WORK/slipway.yaml" "$round/data"
  install_config "$WORK/slipway.yaml"
  : >"$WORK/slipway.log"
  start_slipway "$ns" "$WORK/slipway.yaml" "$WORK/slipway.log"
  install_import "$ns"
  local i names=() bmc_args=() pidfiles=() pids=()
  for ((i = 1; i <= count; i++)); do
    local fw=bios mac
    ((i % 2 == 0)) && fw=uefi
    mac=$(printf '52:54:00:1b:%02x:%02x' "$count" "$i")
    lab_vm "$ns" "i$count-$i" "$fw" "$mac" "$(printf '5a1eb1b1-%04x-4000-8000-%012x' "$count" "$i")" \
      --memory 768 --disk 3G --reboot --command-only
    bmc_args+=(--machine "$mac=$LAB_VM_COMMAND")
    pidfiles+=("$LAB_VM_PIDFILE")
    names+=("i$count-$i")
    eval "mac_$i=$mac fw_$i=$fw"
  done
  lab_bmc "$ns" "$round/bmc.log" --rewake "${bmc_args[@]}"
  local bmc_pid=$SPAWNED_PID
  local macs=()
  for ((i = 1; i <= count; i++)); do local v=mac_$i; macs+=("${!v}"); done
  in_ns "$ns" "$SLIPWAY_BIN" power on "${macs[@]}" --timeout 600 >/dev/null || fail "power on"
  for ((i = 1; i <= count; i++)); do
    local v=mac_$i
    wait_until 600 "${!v} ready" is_machine_state "$ns" "${!v}" ready
    in_ns "$ns" "$SLIPWAY_BIN" machines rename "${!v}" "${names[i - 1]}" >/dev/null
    wait_until 300 "${names[i - 1]} to power off" bash -c "! kill -0 \$(cat ${pidfiles[i - 1]})"
  done
  local start
  start=$(date +%s.%N)
  for n in "${names[@]}"; do
    in_ns "$ns" "$SLIPWAY_BIN" machines install "$n" --profile debian >/dev/null || fail "install $n"
  done
  for p in "${pidfiles[@]}"; do rm -f "$p"; done
  in_ns "$ns" "$SLIPWAY_BIN" power on "${names[@]}" --timeout 600 >/dev/null || fail "power on (install)"
  for p in "${pidfiles[@]}"; do
    wait_until 60 "a VM to start" test -s "$p"
    track_pid "$(cat "$p")"
  done
  for ((i = 1; i <= count; i++)); do
    local n=${names[i - 1]} fw_v=fw_$i
    wait_until $((900 * count)) "$n deployed" is_machine_state "$ns" "$n" deployed
    local took written
    took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
    written=$(in_ns "$ns" "$SLIPWAY_BIN" machines show "$n" --json |
      jq -r '[.events[] | select(.kind == "install.written")][0].detail.message')
    # The agent reports compressed bytes received; the disk gets the raw image's bytes.
    local secs disk_rate
    secs=$(sed -n 's/.* bytes in \([0-9.]*\) s .*/\1/p' <<<"$written")
    disk_rate=$(awk -v b="$raw_bytes" -v s="$secs" 'BEGIN { printf "%.1f", (s > 0 ? b / s / 1e6 : 0) }')
    results+=("$(printf '%-3s %-5s %-10s %6s s %8s s %9s MB/s   %s' "$count" "${!fw_v}" "$n" "$took" \
      "${secs%.*}" "$disk_rate" "$written")")
  done
  for p in "${pidfiles[@]}"; do stop_pid "$(cat "$p")"; done
  stop_pid "$SLIPWAY_PID"
  stop_pid "$bmc_pid"
  ip -n "$ns" link del bmc0 2>/dev/null || true
  for ((i = 1; i <= count; i++)); do
    ip -n "$ns" link del "tap-${names[i - 1]}" 2>/dev/null || true
  done
}

# The reference: the same runtime kernel and modules, an /init that dds /dev/vdb onto /dev/vda.
dd_reference() {
  local overlay=$WORK/overlay
  mkdir -p "$overlay"
  cat >"$overlay/init" <<'INIT'
#!/bin/sh
export PATH=/bin:/sbin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
while read -r m; do insmod "/lib/modules/$m" 2>/dev/null; done </lib/modules/load-order
sleep 1
read -r a _ </proc/uptime
dd if=/dev/vdb of=/dev/vda bs=1M conv=fsync 2>&1
read -r b _ </proc/uptime
echo "bench-dd: start=$a end=$b"
poweroff -f
INIT
  chmod +x "$overlay/init"
  (cd "$overlay" && echo init | cpio -o -H newc --quiet | gzip) >"$WORK/overlay.cpio.gz"
  cat "$LAB_ASSETS/runtime/initrd.gz" "$WORK/overlay.cpio.gz" >"$WORK/dd-initrd.gz"
  qemu-img create -q -f raw "$WORK/dd-target.img" 3G
  timeout 1200 qemu-system-x86_64 -accel "$LAB_ACCEL" -m 768 -nographic -no-reboot \
    -kernel "$LAB_ASSETS/runtime/vmlinuz" -initrd "$WORK/dd-initrd.gz" -append "console=ttyS0 quiet" \
    -drive "if=virtio,format=raw,file=$WORK/dd-target.img" \
    -drive "if=virtio,format=raw,readonly=on,file=$raw" </dev/null >"$WORK/dd.log" 2>&1 ||
    fail "the dd VM failed: $(tail -5 "$WORK/dd.log")"
  local line
  line=$(grep -m1 "bench-dd:" "$WORK/dd.log") || fail "no bench-dd line: $(tail -5 "$WORK/dd.log")"
  awk -v b="$raw_bytes" -v l="$line" 'BEGIN {
    split(l, f, /[ =]/); s = f[5] - f[3]; printf "%.1f s, %.1f MB/s", s, b / s / 1e6 }'
}

for count in "${counts[@]}"; do run_round "$count"; done
reference=$(dd_reference)
echo
echo "Install from the test image ($(stat -c %s "$INSTALL_IMAGE") bytes zstd, $raw_bytes bytes raw), accel $LAB_ACCEL"
printf '%-3s %-5s %-10s %8s %10s %14s   %s\n' N fw machine install write "disk content" \
  "agent's report (received bytes, time, rate)"
printf '%s\n' "${results[@]}"
echo "reference: dd bs=1M conv=fsync of the raw image, virtio disk to virtio disk, same kernel: $reference"
echo "(install: from \`machines install\` to deployed; write: the agent's download, zstd, SHA-256 and"
echo " disk writes; disk content: raw image bytes / write time, the unit of the dd reference)"
