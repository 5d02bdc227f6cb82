#!/usr/bin/env bash
# shellcheck disable=SC2034  # pidfile is read by power_on in tests/lib/snapshot.sh
# End to end: snapshots and bare-metal disaster recovery (issue 7; routes in controlplane/snapshot_routes.h).
# A BIOS VM (SeaBIOS, virtio disk of 3 GiB) holds an installed test image (image/build-test-image.sh)
# with the backup GPT at the end of the disk, hostname snap-origin, /root/known.bin (8 MiB random),
# slipway-digest.service (prints `slipway-digest: <sha256>  /root/known.bin` on the console at
# every boot) and a systemd-networkd file bound to its MAC (/etc/systemd/network/10-boot.network).
#  1. it powers on behind the virtual BMC, is inspected, becomes ready and powers off;
#  2. `slipway snapshots create s1 --machine snap-origin`, power on: the runtime captures the disk
#     (capture mode) and reboots; s1 is complete, the machine ready again; the record has
#     logical_bytes and stored_bytes; the manifest names the captured system's hostname;
#  3. s2 the same way: nothing changed, so it stores almost nothing new (new_bytes < 10 % of s1's
#     stored_bytes);
#  4. the source is destroyed (its disk deleted) and retired in the inventory;
#  5. a target VM (other MAC, other SMBIOS UUID, blank 4 GiB disk) is inspected and ready;
#     `slipway snapshots restore s1 --to snap-target`, power on: the runtime writes s1, reboots,
#     the machine is deployed and boots its disk: the console shows the source's hostname and the
#     known file's digest; the disk has a valid GPT ending at the end of the larger disk, a root
#     partition and filesystem grown to it, and 10-boot.network names the target's MAC; the target
#     takes the retired source's name in the inventory;
#  6. `snapshots export s1 FILE`, delete s2 and s1 (the store is empty), `import FILE`: s1 is back,
#     whole (`verify`);
#  7. one chunk of s1 in the appliance's store is overwritten with garbage: `snapshots verify s1`
#     and `snapshots restore s1 --to snap-target` both fail naming that chunk; the target's state
#     and its disk's bytes are unchanged.
# With `uefi`, the target boots by OVMF: the BIOS snapshot goes onto a UEFI machine; it carries its
# own UEFI loader on its EFI system partition (the test image has GRUB for both modes), which the
# agent keeps, and the restored disk boots by UEFI.
# Usage: snapshot_test.sh BUILD_DIR [bios|uefi]   (the target's firmware; default bios)
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/lab.sh"
source "$(dirname "$0")/../lib/install.sh"
source "$(dirname "$0")/../lib/snapshot.sh"
slipway_bins "$1"
tgt_fw=${2:-bios}
[[ $tgt_fw == bios || $tgt_fw == uefi ]] || fail "usage: $0 BUILD_DIR [bios|uefi]"
slipway_test_init "e2e-snapshot-$tgt_fw"

install_test_image
lab_assets "$BUILD_DIR"
lab_probe_accel
ns=swe-snap-$$
lab_network "$ns"
lab_config "$WORK/slipway.yaml" "$WORK/data"
install_config "$WORK/slipway.yaml"
export SLIPWAY_URL=http://$LAB_SERVER_IP:8080
start_slipway "$ns" "$WORK/slipway.yaml" "$WORK/slipway.log"
install_import "$ns"

src_mac=$(printf '52:54:00:5a:01:%02x' $((RANDOM % 256)))
tgt_mac=$(printf '52:54:00:5a:02:%02x' $((RANDOM % 256)))
src_uuid=$(printf '5a1e005a-0001-4000-8000-%012x' "$RANDOM$RANDOM")
tgt_uuid=$(printf '5a1e005a-0002-4000-8000-%012x' "$RANDOM$RANDOM")
src_host=snap-origin
declare -A pidfile vm_pid
lab_vm "$ns" src bios "$src_mac" "$src_uuid" --memory 768 --disk 3G --reboot --command-only
pidfile[src]=$LAB_VM_PIDFILE
src_cmd=$LAB_VM_COMMAND
# lab_vm made a blank disk; the source's disk is the installed test image instead.
snapshot_source_disk "$WORK/disk-src.img" 3G "$src_mac" "$src_host"
known_sha=$SNAPSHOT_KNOWN_SHA
src_root_sectors=$(sfdisk --json "$WORK/disk-src.img" | jq '.partitiontable.partitions[2].size')
lab_vm "$ns" tgt "$tgt_fw" "$tgt_mac" "$tgt_uuid" --memory 768 --disk 4G --reboot --command-only
pidfile[tgt]=$LAB_VM_PIDFILE
lab_bmc "$ns" "$WORK/bmc.log" --rewake --machine "$src_mac=$src_cmd" --machine "$tgt_mac=$LAB_VM_COMMAND"

is_state() { is_machine_state "$ns" "$1" "$2"; }
slipway() { in_ns "$ns" "$SLIPWAY_BIN" "$@"; }
record() { snapshot_record "$ns" "$1"; }
field() { record "$1" | jq -r ".$2"; }

# enroll VM KEY NAME: powered on, inspected, ready, named, powered off.
enroll() {
  power_on "$1" "$2"
  wait_until 300 "$1 to be ready (serial: $WORK/vm-$1.log)" is_state "$2" ready
  slipway machines rename "$2" "$3" >/dev/null || fail "rename $2 to $3"
  wait_off "$1" 120
}
enroll src "$src_mac" "$src_host"
pass "source $src_host ($src_mac): inspected, ready, powered off"

# capture NAME: a snapshot of the source, from `create` to complete and the machine ready again.
capture() {
  local name=$1 out start=$SECONDS
  out=$(slipway snapshots create "$name" --machine "$src_host" 2>&1) ||
    fail "snapshots create $name --machine $src_host: $out"
  is_state "$src_host" snapshotting || fail "$src_host is not snapshotting after create: $out"
  [[ $(field "$name" state) == capturing ]] || fail "$name: not capturing after create: $(record "$name")"
  power_on src "$src_host"
  wait_until 1800 "$name to complete (serial: $WORK/vm-src.log)" snapshot_finished "$ns" "$name"
  [[ $(field "$name" state) == complete ]] || fail "$name did not complete: $(record "$name")"
  # The runtime reboots after the capture; a ready machine's netboot reports and powers off.
  wait_off src 300
  wait_until 60 "$src_host to be ready again" is_state "$src_host" ready
  log "$name: $(record "$name") ($((SECONDS - start)) s from create)"
}

capture s1
s1=$(record s1)
jq -e '.logical_bytes > 0 and .stored_bytes > 0 and .chunk_count > 0 and .new_bytes == .stored_bytes' \
  <<<"$s1" >/dev/null || fail "s1's sizes: $s1"
# Filesystem-aware: the used blocks, not the whole 3 GiB disk; the random file at least.
jq -e '.logical_bytes >= 8388608 and .logical_bytes < 1073741824' <<<"$s1" >/dev/null ||
  fail "s1's logical_bytes is not what the disk holds: $s1"
manifest=$(slipway snapshots show s1 --json | jq -c '.manifest')
jq -e --arg h "$src_host" '.hostname == $h and .firmware == "bios" and (.disks | length) == 1' \
  <<<"$manifest" >/dev/null || fail "s1's manifest: $(jq -c 'del(.disks, .facts)' <<<"$manifest")"
pass "s1 complete: logical $(jq .logical_bytes <<<"$s1") bytes, stored $(jq .stored_bytes <<<"$s1") bytes, $(jq .chunk_count <<<"$s1") chunks"

capture s2
s2=$(record s2)
jq -e --argjson s1 "$s1" '.logical_bytes > 0 and .new_bytes * 10 < $s1.stored_bytes' <<<"$s2" >/dev/null ||
  fail "s2 stored too much new: s2 $s2, s1 $s1"
pass "s2 complete: new_bytes $(jq .new_bytes <<<"$s2") of s1's stored $(jq .stored_bytes <<<"$s1")"

# The source is lost: no VM, no disk; the inventory retires it.
powered_off src || fail "the source still runs"
rm -f "$WORK/disk-src.img"
out=$(slipway machines state "$src_host" retired --reason "destroyed; restored from s1" 2>&1) ||
  fail "machines state $src_host retired: $out"
is_state "$src_host" retired || fail "$src_host is not retired"
pass "source destroyed and retired"

enroll tgt "$tgt_mac" snap-target
pass "target snap-target ($tgt_mac, 4 GiB blank disk): inspected, ready, powered off"

out=$(slipway snapshots restore s1 --to snap-target 2>&1) || fail "snapshots restore s1 --to snap-target: $out"
is_state snap-target restoring || fail "snap-target is not restoring after restore: $out"
start=$SECONDS
power_on tgt snap-target
# From here on the target is known by its MAC: once the restore is written the appliance may give
# it the captured machine's name (the source is retired).
wait_until 1800 "snap-target to be deployed (serial: $WORK/vm-tgt.log)" is_state "$tgt_mac" deployed
tgt_name=$(slipway machines show "$tgt_mac" --json | jq -r '.machine.name')
log "restore of s1 onto snap-target: power-on to deployed in $((SECONDS - start)) s"
# The captured machine is retired, so the target takes its name (its record is renamed aside).
[[ $tgt_name == "$src_host" ]] || fail "the restored target is named $tgt_name, not $src_host (the retired source's)"
# The restored system boots from the disk: the source's hostname and the known file's digest.
wait_until 600 "the restored system's digest line on the console" \
  grep -qa "slipway-digest: $known_sha " "$WORK/vm-tgt.log"
wait_until 300 "the restored system's end-of-boot line" \
  grep -qa "slipway-boot: ready hostname=$src_host " "$WORK/vm-tgt.log"
if [[ $tgt_fw == uefi ]]; then
  # The test image carries GRUB for both modes: the BIOS snapshot's own UEFI loader is kept.
  grep -qa "plan: the snapshot has its own uefi boot loader" "$WORK/vm-tgt.log" ||
    fail "the agent did not keep the snapshot's own UEFI loader (serial: $WORK/vm-tgt.log)"
fi
events=$(slipway machines show "$tgt_mac" --json | jq -c '[.events[] | .kind]')
pass "snap-target ($tgt_name) deployed from s1; it booted its disk: hostname $src_host, known.bin $known_sha; events $events"

# The disk, read with the VM stopped (QEMU is the BMC's child: wait until it has ended).
stop_pid "${vm_pid[tgt]}"
wait_until 30 "the target's QEMU to end" powered_off tgt
disk=$WORK/disk-tgt.img
verify=$(sfdisk --verify "$disk" 2>&1) || fail "sfdisk --verify: $verify"
[[ $verify == *"No errors detected"* && $verify != *mismatch* ]] || fail "sfdisk --verify: $verify"
table=$(sfdisk --json "$disk")
lastlba=$(jq '.partitiontable.lastlba' <<<"$table")
[[ $lastlba == $(((4 << 30) / 512 - 34)) ]] ||
  fail "the GPT's last usable LBA is $lastlba, not the end of the 4 GiB disk: $(sfdisk -d "$disk")"
root_sectors=$(jq '.partitiontable.partitions[2].size' <<<"$table")
root_end=$(jq '.partitiontable.partitions[2] | .start + .size - 1' <<<"$table")
((root_sectors > src_root_sectors && lastlba - root_end < 2048)) ||
  fail "the root partition did not grow to the end ($src_root_sectors -> $root_sectors sectors, ends at $root_end): $(sfdisk -d "$disk")"
offset=$(snapshot_root_offset "$disk")
fs=$(dumpe2fs -h "$disk?offset=$offset" 2>/dev/null)
fs_bytes=$(awk -F: '/^Block count:/ { c = $2 } /^Block size:/ { s = $2 } END { printf "%.0f\n", c * s }' <<<"$fs")
((fs_bytes > (root_sectors * 512) * 95 / 100)) ||
  fail "the root filesystem did not grow with its partition ($fs_bytes bytes in $((root_sectors * 512)))"
# The VM was stopped running: check a copy, its journal replayed first, then read-only.
cp --sparse=always "$disk" "$WORK/disk-copy.img"
e2fsck -E journal_only -y "$WORK/disk-copy.img?offset=$offset" >/dev/null 2>&1 || true
fsck_out=$(e2fsck -fn "$WORK/disk-copy.img?offset=$offset" 2>&1) ||
  fail "e2fsck finds errors on the restored root (journal replayed): $fsck_out"
# Files are read on that copy too: the running system may have left newer metadata in the journal.
network=$(snapshot_debugfs "$WORK/disk-copy.img" "cat /etc/systemd/network/10-boot.network")
grep -qx "MACAddress=$tgt_mac" <<<"$network" ||
  fail "10-boot.network does not name the target's MAC: '$network'; agent: $(grep -a 'network fix-up' "$WORK/vm-tgt.log" | tail -2); $(debugfs -R 'ls -l /etc/systemd/network' "$WORK/disk-copy.img?offset=$offset" 2>&1 | tail -8)"
[[ $network != *"$src_mac"* ]] || fail "10-boot.network still names the source's MAC: $network"
[[ $(snapshot_debugfs "$WORK/disk-copy.img" "dump /root/known.bin /dev/stdout" | sha256sum | cut -d' ' -f1) == "$known_sha" ]] ||
  fail "/root/known.bin on the restored disk differs"
rm -f "$WORK/disk-copy.img"
pass "restored disk: GPT to the end of 4 GiB, root $src_root_sectors -> $root_sectors sectors (filesystem $fs_bytes bytes, clean once its journal is replayed), 10-boot.network for $tgt_mac"

# Export, delete both snapshots (their chunks go), import: s1 comes back whole from the file alone
# (the export holds manifest.json and chunks/<sha256>.zst).
out=$(slipway snapshots export s1 "$WORK/s1.tar" 2>&1) || fail "snapshots export s1: $out"
[[ -s "$WORK/s1.tar" ]] || fail "export wrote no $WORK/s1.tar: $out"
listing=$(tar -tf "$WORK/s1.tar") || fail "the export is not a tar file"
grep -Eq '^(\./)?manifest\.json$' <<<"$listing" || fail "no manifest.json in the export: $(head -5 <<<"$listing")"
distinct=0
for sha in $(snapshot_chunks "$ns" s1 | sort -u); do
  distinct=$((distinct + 1))
  grep -Eq "^(\./)?chunks/$sha\.zst$" <<<"$listing" || fail "chunk $sha is not in the export"
done
for name in s2 s1; do
  out=$(slipway snapshots delete "$name" 2>&1) || fail "snapshots delete $name: $out"
done
! slipway snapshots show s1 >/dev/null 2>&1 || fail "s1 is still shown after delete"
left=$(find "$WORK/data/snapshots/chunks" -type f -name '*.zst' | wc -l)
((left == 0)) || fail "$left chunk files left after deleting every snapshot"
out=$(slipway snapshots import "$WORK/s1.tar" 2>&1) || fail "snapshots import: $out"
again=$(record s1)
jq -e --argjson s1 "$s1" '.state == "complete" and .logical_bytes == $s1.logical_bytes and
  .chunk_count == $s1.chunk_count' <<<"$again" >/dev/null || fail "s1 after import: $again (before: $s1)"
out=$(slipway snapshots verify s1 2>&1) || fail "snapshots verify s1 after import: $out"
pass "export ($(stat -c %s "$WORK/s1.tar") bytes, $distinct distinct chunks), delete s2 and s1 (no chunk left), import: s1 is back and verifies"

# A damaged chunk: verify and restore refuse, naming it; the target is not touched.
state_before=$(machine_state "$ns" "$tgt_mac")
disk_sha=$(sha256sum "$disk" | cut -d' ' -f1)
sha=$(snapshot_chunks "$ns" s1 | sed -n 1p)
[[ $sha =~ ^[0-9a-f]{64}$ ]] || fail "no chunk in s1's manifest"
chunk=$WORK/data/snapshots/chunks/${sha:0:2}/$sha.zst
[[ -f "$chunk" ]] || fail "chunk $sha is not at $chunk"
head -c "$(stat -c %s "$chunk")" /dev/urandom >"$chunk.garbage"
mv "$chunk.garbage" "$chunk"
rc=0
out=$(slipway snapshots verify s1 2>&1) || rc=$?
((rc != 0)) || fail "snapshots verify s1 passed with a damaged chunk: $out"
[[ $out == *"$sha"* ]] || fail "snapshots verify s1 does not name chunk $sha: $out"
pass "verify s1: exit $rc, names the damaged chunk"
rc=0
out=$(slipway snapshots restore s1 --to "$tgt_mac" 2>&1) || rc=$?
((rc != 0)) || fail "snapshots restore s1 went ahead with a damaged chunk: $out"
[[ $out == *"$sha"* ]] || fail "the refused restore does not name chunk $sha: $out"
[[ $(machine_state "$ns" "$tgt_mac") == "$state_before" ]] ||
  fail "the target's state changed from $state_before to $(machine_state "$ns" "$tgt_mac")"
[[ $(sha256sum "$disk" | cut -d' ' -f1) == "$disk_sha" ]] || fail "the target's disk changed"
pass "restore s1 refused (exit $rc, names the chunk): the target still $state_before, its disk unchanged"
