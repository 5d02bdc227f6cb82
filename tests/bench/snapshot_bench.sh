#!/usr/bin/env bash
# shellcheck disable=SC2034  # pidfile is read by power_on in tests/lib/snapshot.sh
# Benchmark: snapshot capture and restore (issue 7). The same VM setup as e2e.snapshot: a BIOS VM
# (SeaBIOS, e1000, 768 MiB, one vCPU, 3 GiB virtio disk holding the test image plus an 8 MiB
# random file) behind the virtual BMC, inspected and ready; then
#   - `snapshots create s1`, power on: the runtime captures the disk (capture mode);
#   - the same again as s2 (nothing changed on the disk: what a second snapshot stores);
#   - `snapshots restore s1` onto a second VM (other MAC and UUID, blank 4 GiB disk), power on.
# For each: the agent's time, from the runtime's `slipway-runtime: ip=` line on the serial
# console (the agent starts right after it) to the end (capture: the API's record complete;
# restore: the machine deployed or the runtime's reboot line, whichever is seen first), as the
# script observes them (polling every 0.2 s), and the disk content per second: logical_bytes (the
# chunks' plain bytes) over that time. The API's created_at -> completed_at (whole seconds,
# includes power-on and the netboot) is printed too.
#
# Reference in the same run, in the same kind of VM (pc, e1000, 768 MiB, one vCPU, virtio disk)
# with the same runtime kernel and initramfs, plus an overlay with the host's zstd (and its
# libraries) and an /init that runs only the pipeline and prints guest uptimes around it:
#   capture: dd if=/dev/vda bs=1M | zstd -3 | busybox nc 198.18.0.1 PORT  (a copy of the
#            source disk; a receiver on the lab bridge writes the stream to a file and fsyncs)
#   restore: busybox wget -O - http://198.18.0.1:PORT/peer.zst | zstd -d |
#            dd of=/dev/vda bs=1M iflag=fullblock conv=fsync  (busybox httpd serves the stream
#            the capture peer sent; a blank 4 GiB disk; no GPT move, no partition growth)
# The peer reads and writes the whole disk (zeros included): its MB/s is over the disk's size.
#
# Usage: tests/bench/snapshot_bench.sh BUILD_DIR [--peer-only]
#   --peer-only: only the reference pipeline (no appliance), e.g. to check the peer alone.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/lab.sh"
source "$(dirname "$0")/../lib/install.sh"
source "$(dirname "$0")/../lib/snapshot.sh"
slipway_bins "$1"
peer_only=0
case "${2:-}" in
  "") ;;
  --peer-only) peer_only=1 ;;
  *) fail "usage: $0 BUILD_DIR [--peer-only]" ;;
esac
slipway_test_init bench-snapshot

install_test_image
lab_assets "$BUILD_DIR"
lab_probe_accel
ns=swb-snap-$$
lab_network "$ns"
export SLIPWAY_URL=http://$LAB_SERVER_IP:8080
source_size=3G target_size=4G
source_bytes=$((3 << 30))
src_mac=$(printf '52:54:00:5b:01:%02x' $((RANDOM % 256)))
tgt_mac=$(printf '52:54:00:5b:02:%02x' $((RANDOM % 256)))
src_uuid=$(printf '5a1e005b-0001-4000-8000-%012x' "$RANDOM$RANDOM")
tgt_uuid=$(printf '5a1e005b-0002-4000-8000-%012x' "$RANDOM$RANDOM")
snapshot_source_disk "$WORK/source.img" "$source_size" "$src_mac" snap-origin

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", (s > 0 ? n / s / 1e6 : 0) }'; }
# more_lines FILE PATTERN N: FILE has more than N lines matching PATTERN.
more_lines() { (($(snapshot_lines_in "$1" "$2") > $3)); }

# --- The reference pipeline -------------------------------------------------------------------
peer_initrd() {
  local overlay=$WORK/peer-overlay lib
  mkdir -p "$overlay/usr/bin"
  cp /usr/bin/zstd "$overlay/usr/bin/zstd"
  for lib in $(ldd /usr/bin/zstd | grep -oE '/[^ ]+' | grep -v '^/proc'); do
    install -D -m 0755 "$lib" "$overlay$lib"
  done
  cat >"$overlay/init" <<'INIT'
#!/bin/sh
# The snapshot benchmark's reference: one pipeline, guest uptimes around it, then power off.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mkdir -p /tmp
while read -r m; do insmod "/lib/modules/$m" 2>/dev/null; done </lib/modules/load-order
mode="" server="" port="" addr=""
read -r cmdline </proc/cmdline
for w in $cmdline; do
  case "$w" in
    bench.mode=*) mode=${w#*=} ;;
    bench.server=*) server=${w#*=} ;;
    bench.port=*) port=${w#*=} ;;
    bench.ip=*) addr=${w#*=} ;;
  esac
done
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 50 ]; do usleep 100000; i=$((i + 1)); done
ip link set lo up
ip link set eth0 up
ip addr add "$addr/24" dev eth0
i=0
until ping -c 1 -W 1 "$server" >/dev/null 2>&1 || [ $i -ge 30 ]; do i=$((i + 1)); done
set -o pipefail
read -r a _ </proc/uptime
case "$mode" in
  capture) dd if=/dev/vda bs=1M 2>/tmp/dd.err | zstd -3 -q -c | nc "$server" "$port"; rc=$? ;;
  restore) wget -q -O - "http://$server:$port/peer.zst" | zstd -d -q -c |
    dd of=/dev/vda bs=1M iflag=fullblock conv=fsync 2>/tmp/dd.err; rc=$? ;;
  *) rc=99 ;;
esac
read -r b _ </proc/uptime
echo "bench-peer: mode=$mode rc=$rc start=$a end=$b"
cat /tmp/dd.err
sync
poweroff -f
INIT
  chmod 0755 "$overlay/init"
  (cd "$overlay" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip) >"$WORK/peer-overlay.cpio.gz"
  cat "$LAB_ASSETS/runtime/initrd.gz" "$WORK/peer-overlay.cpio.gz" >"$WORK/peer-initrd.gz"
}

# peer_run MODE DISK PORT: one reference VM on the lab bridge; sets PEER_SECONDS (guest uptime
# around the pipeline). Not to be called in $(...): its QEMU must be tracked by this shell.
PEER_IP=198.18.0.250
peer_run() {
  local mode=$1 disk=$2 port=$3 console=$WORK/vm-peer-$1.log
  local args=(-accel "$LAB_ACCEL" -m 768 -smp 1 -nographic -no-reboot -machine pc
    -kernel "$LAB_ASSETS/runtime/vmlinuz" -initrd "$WORK/peer-initrd.gz"
    -append "console=ttyS0 quiet bench.mode=$mode bench.server=$LAB_SERVER_IP bench.port=$port bench.ip=$PEER_IP"
    -netdev "tap,id=n0,ifname=tap-peer,script=no,downscript=no"
    -device "e1000,netdev=n0,mac=52:54:00:5b:03:01"
    -drive "if=none,id=d0,format=raw,file=$disk" -device "virtio-blk-pci,drive=d0")
  ip netns exec "$ns" qemu-system-x86_64 "${args[@]}" </dev/null >"$console" 2>&1 &
  local pid=$!
  track_pid "$pid"
  wait_until 3600 "the $mode reference VM to finish (console: $console)" bash -c "! kill -0 $pid"
  forget_pid "$pid"
  local line
  line=$(grep -a -m1 "bench-peer:" "$console" | tr -d '\r') || fail "no bench-peer line: $(tail -5 "$console")"
  [[ $line == *" rc=0 "* ]] || fail "the $mode reference failed: $line; $(tail -5 "$console")"
  PEER_SECONDS=$(awk -v l="$line" 'BEGIN { n = split(l, f, /[ =]/); for (i = 1; i < n; i++) v[f[i]] = f[i + 1]
    printf "%.1f", v["end"] - v["start"] }')
}

peer() {
  peer_initrd
  ip -n "$ns" tuntap add dev tap-peer mode tap
  ip -n "$ns" link set tap-peer master br0 up
  local stream=$WORK/peer-www/peer.zst
  mkdir -p "$WORK/peer-www"
  # The receiver: one connection, written to a file and fsynced, like a store on the appliance.
  spawn_in_ns "$ns" "$WORK/peer-receiver.log" python3 -c '
import os, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
print("listening", flush=True)
c, _ = s.accept()
n = 0
with open(sys.argv[3], "wb") as f:
    while True:
        b = c.recv(1 << 20)
        if not b:
            break
        f.write(b)
        n += len(b)
    f.flush()
    os.fsync(f.fileno())
print("received", n, flush=True)' "$LAB_SERVER_IP" 9000 "$stream"
  local receiver=$SPAWNED_PID
  wait_until 10 "the reference receiver to listen" grep -q listening "$WORK/peer-receiver.log"
  cp --sparse=always "$WORK/source.img" "$WORK/peer-source.img"
  peer_run capture "$WORK/peer-source.img" 9000
  PEER_CAPTURE_S=$PEER_SECONDS
  wait_until 60 "the receiver to finish" grep -q "^received" "$WORK/peer-receiver.log"
  stop_pid "$receiver"
  PEER_STREAM_BYTES=$(stat -c %s "$stream")
  rm -f "$WORK/peer-source.img"
  # The stream must be the disk.
  local got want
  got=$(zstd -qdc "$stream" | sha256sum | cut -d' ' -f1)
  want=$(sha256sum "$WORK/source.img" | cut -d' ' -f1)
  [[ $got == "$want" ]] || fail "the reference capture stream is not the source disk"

  spawn_in_ns "$ns" "$WORK/peer-httpd.log" busybox httpd -f -p "$LAB_SERVER_IP:9001" -h "$WORK/peer-www"
  local httpd=$SPAWNED_PID
  wait_until 10 "busybox httpd to answer" in_ns "$ns" curl -sf -o /dev/null -r 0-0 "http://$LAB_SERVER_IP:9001/peer.zst"
  qemu-img create -q -f raw "$WORK/peer-target.img" "$target_size"
  peer_run restore "$WORK/peer-target.img" 9001
  PEER_RESTORE_S=$PEER_SECONDS
  stop_pid "$httpd"
  got=$(head -c "$source_bytes" "$WORK/peer-target.img" | sha256sum | cut -d' ' -f1)
  [[ $got == "$want" ]] || fail "the reference restore did not write the source disk"
  rm -f "$WORK/peer-target.img"
  ip -n "$ns" link del tap-peer
  log "reference: capture $PEER_CAPTURE_S s, restore $PEER_RESTORE_S s, stream $PEER_STREAM_BYTES bytes"
}

# --- Slipway ----------------------------------------------------------------------------------
declare -A pidfile vm_pid
record_field() { snapshot_record "$ns" "$1" | jq -r ".$2"; }

# capture NAME: sets CAP_S (agent time), CAP_API_S (created_at -> completed_at).
capture() {
  local name=$1 console=$WORK/vm-src.log t1 t2 out
  out=$(in_ns "$ns" "$SLIPWAY_BIN" snapshots create "$name" --machine snap-origin 2>&1) ||
    fail "snapshots create $name: $out"
  # The VM's command starts its console log afresh at every power-on.
  power_on src snap-origin
  wait_until 300 "$name: the runtime up on the source" more_lines "$console" "slipway-runtime: ip=" 0
  t1=$(now)
  wait_until 3600 "$name: the capture to end" snapshot_finished "$ns" "$name"
  t2=$(now)
  [[ $(record_field "$name" state) == complete ]] || fail "$name: $(snapshot_record "$ns" "$name")"
  CAP_S=$(seconds "$t1" "$t2")
  CAP_API_S=$(($(snapshot_epoch "$(record_field "$name" completed_at)") - $(snapshot_epoch "$(record_field "$name" created_at)")))
  # The runtime reboots; the ready machine's netboot reports and powers off.
  wait_off src
  wait_until 60 "snap-origin to be ready again" is_machine_state "$ns" snap-origin ready
}

slipway_part() {
  lab_config "$WORK/slipway.yaml" "$WORK/data"
  install_config "$WORK/slipway.yaml"
  start_slipway "$ns" "$WORK/slipway.yaml" "$WORK/slipway.log"
  install_import "$ns"
  lab_vm "$ns" src bios "$src_mac" "$src_uuid" --memory 768 --disk "$source_size" --reboot --command-only
  pidfile[src]=$LAB_VM_PIDFILE
  local src_cmd=$LAB_VM_COMMAND
  cp --sparse=always "$WORK/source.img" "$WORK/disk-src.img"
  lab_vm "$ns" tgt bios "$tgt_mac" "$tgt_uuid" --memory 768 --disk "$target_size" --reboot --command-only
  pidfile[tgt]=$LAB_VM_PIDFILE
  lab_bmc "$ns" "$WORK/bmc.log" --rewake --machine "$src_mac=$src_cmd" --machine "$tgt_mac=$LAB_VM_COMMAND"
  local vm key name
  for vm in src tgt; do
    key=$src_mac name=snap-origin
    [[ $vm == tgt ]] && key=$tgt_mac name=snap-target
    power_on "$vm" "$key"
    wait_until 600 "$vm ready" is_machine_state "$ns" "$key" ready
    in_ns "$ns" "$SLIPWAY_BIN" machines rename "$key" "$name" >/dev/null || fail "rename $key"
    wait_off "$vm"
  done

  capture s1
  S1_S=$CAP_S S1_API_S=$CAP_API_S
  capture s2
  S2_S=$CAP_S S2_API_S=$CAP_API_S
  S1_LOGICAL=$(record_field s1 logical_bytes) S1_STORED=$(record_field s1 stored_bytes)
  S1_NEW=$(record_field s1 new_bytes) S1_CHUNKS=$(record_field s1 chunk_count)
  S2_LOGICAL=$(record_field s2 logical_bytes) S2_STORED=$(record_field s2 stored_bytes)
  S2_NEW=$(record_field s2 new_bytes) S2_CHUNKS=$(record_field s2 chunk_count)
  STORE_DU=$(du -sb "$WORK/data/snapshots/chunks" | cut -f1)

  local console=$WORK/vm-tgt.log t1 t2 out
  out=$(in_ns "$ns" "$SLIPWAY_BIN" snapshots restore s1 --to snap-target 2>&1) ||
    fail "snapshots restore s1 --to snap-target: $out"
  power_on tgt snap-target
  wait_until 300 "restore: the runtime up on the target" more_lines "$console" "slipway-runtime: ip=" 0
  t1=$(now)
  restore_ended() {
    is_machine_state "$ns" "$tgt_mac" deployed || more_lines "$console" "rebooting" 0
  }
  wait_until 3600 "restore: written (deployed, or the runtime's reboot)" restore_ended
  t2=$(now)
  R_S=$(seconds "$t1" "$t2")
  wait_until 900 "restore: the restored system's digest line" \
    grep -q "slipway-digest: $SNAPSHOT_KNOWN_SHA " "$console"
  wait_until 300 "restore: deployed" is_machine_state "$ns" "$tgt_mac" deployed
  stop_pid "${vm_pid[tgt]}"
  wait_until 30 "the target's QEMU to end" powered_off tgt
  stop_pid "$SLIPWAY_PID"
}

if ((!peer_only)); then slipway_part; fi
peer

echo
echo "Snapshots of a ${source_size} disk (test image + 8 MiB random file), accel $LAB_ACCEL; restore onto ${target_size}"
printf '%-38s %14s %9s %9s %14s %12s\n' what "content bytes" seconds "MB/s" "stored bytes" "API seconds"
if ((!peer_only)); then
  printf '%-38s %14s %9s %9s %14s %12s\n' "slipway capture s1" "$S1_LOGICAL" "$S1_S" \
    "$(rate "$S1_LOGICAL" "$S1_S")" "$S1_STORED" "$S1_API_S"
  printf '%-38s %14s %9s %9s %14s %12s\n' "slipway capture s2 (no change)" "$S2_LOGICAL" "$S2_S" \
    "$(rate "$S2_LOGICAL" "$S2_S")" "$S2_NEW (new)" "$S2_API_S"
fi
printf '%-38s %14s %9s %9s %14s %12s\n' "dd | zstd -3 | nc" "$source_bytes" "$PEER_CAPTURE_S" \
  "$(rate "$source_bytes" "$PEER_CAPTURE_S")" "$PEER_STREAM_BYTES" -
if ((!peer_only)); then
  printf '%-38s %14s %9s %9s %14s %12s\n' "slipway restore s1" "$S1_LOGICAL" "$R_S" \
    "$(rate "$S1_LOGICAL" "$R_S")" - -
fi
printf '%-38s %14s %9s %9s %14s %12s\n' "wget | zstd -d | dd (fullblock,fsync)" "$source_bytes" "$PEER_RESTORE_S" \
  "$(rate "$source_bytes" "$PEER_RESTORE_S")" - -
if ((!peer_only)); then
  echo "s1: $S1_CHUNKS chunks, stored $S1_STORED bytes (new $S1_NEW); s2: $S2_CHUNKS chunks, stored $S2_STORED bytes (new $S2_NEW);"
  echo "chunk store on disk after both: $STORE_DU bytes"
fi
echo "(slipway: from the runtime's ip= line on the console to complete / written, observed by the script;"
echo " content bytes = the snapshot's logical_bytes. API seconds: created_at -> completed_at, includes"
echo " power-on and netboot. Reference: guest uptime around the pipeline, over the whole disk.)"
