#!/usr/bin/env bash
# End to end: image-based installs. A BIOS VM (SeaBIOS, virtio disk) and a UEFI VM (OVMF, AHCI
# disk), both with blank disks larger than the image, sit powered off behind the virtual BMC.
#  1. `slipway images import` puts the test image (image/build-test-image.sh) in the library;
#  2. `slipway power on` wakes both; they are inspected and become ready, then power off;
#  3. `slipway machines install NAME --profile debian` for both, then `slipway power on` again:
#     the runtime boots in install mode, the agent writes the image (SHA-256 checked), moves
#     the backup GPT to the end of the larger disk, writes hostname and first-boot settings,
#     and reboots; the script now boots the local disk (BIOS: iPXE exits to the next boot
#     device; UEFI: iPXE chainloads localboot.efi, which starts the ESP's loader); Debian
#     starts, its first-boot script calls back, and the machine is deployed;
#  4. a reinstall of the BIOS machine (power cut, install again, power on) ends deployed again.
# Checks: the API's states and events (install.started/written/first_boot), the VMs' serial
# consoles (the first-boot line with the hostname the appliance gave), the disks' partition
# tables (sfdisk --verify: the backup GPT at the end of the disk).
# With `tarball`, the library's debian-12 is the test image's root-filesystem tarball
# (rootfs.tar.zst) instead of its disk image: the agent partitions the blank disk, makes the
# filesystems, unpacks the tree and installs GRUB for both firmware modes from the boot kit.
# Usage: install_test.sh BUILD_DIR [bios|uefi|both] [disk|tarball]   (default both disk)
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/lab.sh"
source "$(dirname "$0")/../lib/install.sh"
slipway_bins "$1"
which=${2:-both}
case "$which" in
  bios | uefi) vms=("$which") ;;
  both) vms=(bios uefi) ;;
  *) fail "usage: $0 BUILD_DIR [bios|uefi|both] [disk|tarball]" ;;
esac
format=${3:-disk}
[[ $format == disk || $format == tarball ]] || fail "usage: $0 BUILD_DIR [bios|uefi|both] [disk|tarball]"
slipway_test_init "e2e-install-$which-$format"

install_test_image
if [[ $format == tarball ]]; then
  INSTALL_IMAGE=$(dirname "$INSTALL_IMAGE")/rootfs.tar.zst
  INSTALL_IMAGE_SHA=$(sha256sum "$INSTALL_IMAGE" | cut -d' ' -f1)
fi
image_raw_bytes=$(zstd -lv "$INSTALL_IMAGE" 2>/dev/null | sed -n 's/.*Decompressed Size:.*(\([0-9]*\) B).*/\1/p')

lab_assets "$BUILD_DIR"
lab_probe_accel
ns=swe-inst-$$
lab_network "$ns"
lab_config "$WORK/slipway.yaml" "$WORK/data"
install_config "$WORK/slipway.yaml"
export SLIPWAY_URL=http://$LAB_SERVER_IP:8080
start_slipway "$ns" "$WORK/slipway.yaml" "$WORK/slipway.log"

install_import "$ns"

declare -A disk_bus=([bios]=virtio [uefi]=ahci)
declare -A mac uuid pidfile vm_pid name
bmc_args=()
n=0
for vm in "${vms[@]}"; do
  n=$((n + 1))
  mac[$vm]=$(printf '52:54:00:1e:0%d:%02x' "$n" $((RANDOM % 256)))
  uuid[$vm]=$(printf '5a1e001e-%04x-4000-8000-%012x' "$n" "$RANDOM$RANDOM")
  name[$vm]=web-$vm
  lab_vm "$ns" "$vm" "$vm" "${mac[$vm]}" "${uuid[$vm]}" --memory 768 --disk 3G \
    --disk-bus "${disk_bus[$vm]}" --reboot --command-only
  pidfile[$vm]=$LAB_VM_PIDFILE
  bmc_args+=(--machine "${mac[$vm]}=$LAB_VM_COMMAND")
done
lab_bmc "$ns" "$WORK/bmc.log" --rewake "${bmc_args[@]}"

# power_on KEY...: wakes the machines and tracks each VM's QEMU as the BMC starts it.
power_on() {
  local vm
  for vm in "${vms[@]}"; do rm -f "${pidfile[$vm]}"; done
  out=$(in_ns "$ns" "$SLIPWAY_BIN" power on "$@" --timeout 300 2>&1) || fail "power on $*: $out"
  for vm in "${vms[@]}"; do
    if [[ " $* " == *" ${mac[$vm]} "* || " $* " == *" ${name[$vm]} "* ]]; then
      wait_until 30 "the BMC to start $vm" test -s "${pidfile[$vm]}"
      vm_pid[$vm]=$(cat "${pidfile[$vm]}")
      track_pid "${vm_pid[$vm]}"
    fi
  done
}
is_state() { is_machine_state "$ns" "$1" "$2"; }
powered_off() { ! kill -0 "${vm_pid[$1]}" 2>/dev/null; }

# Enrollment: both become ready, get their names, and power off.
keys=()
for vm in "${vms[@]}"; do keys+=("${mac[$vm]}"); done
power_on "${keys[@]}"
for vm in "${vms[@]}"; do
  wait_until 300 "$vm to be ready" is_state "${mac[$vm]}" ready
  in_ns "$ns" "$SLIPWAY_BIN" machines rename "${mac[$vm]}" "${name[$vm]}" >/dev/null || fail "rename $vm"
  wait_until 120 "$vm to power off after inspection" powered_off "$vm"
  forget_pid "${vm_pid[$vm]}"
done
pass "${vms[*]}: inspected, ready and powered off"

# install_and_wait VM...: install, power on, wait for deployed; logs the seconds it took.
install_and_wait() {
  local vm start=$SECONDS
  for vm in "$@"; do
    out=$(in_ns "$ns" "$SLIPWAY_BIN" machines install "${name[$vm]}" --profile debian 2>&1) ||
      fail "machines install ${name[$vm]}: $out"
    is_state "${name[$vm]}" installing || fail "${name[$vm]} is not installing after install: $out"
  done
  local keys=()
  for vm in "$@"; do keys+=("${name[$vm]}"); done
  power_on "${keys[@]}"
  for vm in "$@"; do
    wait_until 900 "${name[$vm]} to be deployed (serial: $WORK/vm-$vm.log)" \
      is_state "${name[$vm]}" deployed
    log "install of ${name[$vm]} ($vm): install to deployed in $((SECONDS - start)) s"
  done
}

install_and_wait "${vms[@]}"
for vm in "${vms[@]}"; do
  m=$(in_ns "$ns" "$SLIPWAY_BIN" machines show "${name[$vm]}" --json)
  jq -e '.machine.state == "deployed" and .machine.profile == "debian"' <<<"$m" >/dev/null ||
    fail "${name[$vm]}: not deployed with profile debian: $(jq -c '.machine' <<<"$m")"
  kinds=$(jq -r '[.events[].kind] | join(" ")' <<<"$m")
  for k in install.started install.written install.first_boot; do
    [[ " $kinds " == *" $k "* ]] || fail "${name[$vm]}: no $k event: $kinds"
  done
  jq -e --arg h "${name[$vm]}" '[.events[] | select(.kind == "install.first_boot")][0].detail.hostname == $h' \
    <<<"$m" >/dev/null || fail "${name[$vm]}: the first-boot callback did not carry hostname ${name[$vm]}"
  # The script prints its line once the callback answered: shortly after the API says deployed.
  wait_until 60 "${name[$vm]}: the first-boot line with its hostname on the serial console" \
    grep -q "slipway-firstboot: hostname=${name[$vm]} callback=ok" "$WORK/vm-$vm.log"
  grep -q "install done:" "$WORK/vm-$vm.log" || fail "${name[$vm]}: the agent did not finish on the console"
  if [[ $format == tarball ]]; then
    grep -q "boot loaders installed for BIOS and UEFI" "$WORK/vm-$vm.log" ||
      fail "${name[$vm]}: the agent did not install the boot loaders"
  fi
  written=$(jq -r '[.events[] | select(.kind == "install.written")][0].detail.message' <<<"$m")
  pass "${name[$vm]} ($vm, ${disk_bus[$vm]}): installed and deployed; agent: $written"
done
# The first VM's disk, read while it runs (a copy): GPT valid, backup at the 3 GiB end.
vm=${vms[0]}
cp --sparse=always "$WORK/disk-$vm.img" "$WORK/disk-copy.img"
verify=$(sfdisk --verify "$WORK/disk-copy.img" 2>&1) || fail "sfdisk --verify: $verify"
[[ $verify == *"No errors detected"* && $verify != *mismatch* ]] || fail "sfdisk --verify: $verify"
lastlba=$(sfdisk --json "$WORK/disk-copy.img" | jq '.partitiontable.lastlba')
[[ $lastlba == $(((3 << 30) / 512 - 34)) ]] ||
  fail "the GPT's last usable LBA is $lastlba, not the end of the 3 GiB disk (image: $image_raw_bytes bytes)"
rm -f "$WORK/disk-copy.img"
pass "$vm's disk has a valid GPT and protective MBR, the backup GPT at the end of the larger disk"

# Reinstall: cut the power (kill QEMU), install again, power on.
stop_pid "${vm_pid[$vm]}"
forget_pid "${vm_pid[$vm]}"
wait_until 30 "$vm to be off" powered_off "$vm"
vms=("$vm")
install_and_wait "$vm"
wait_until 60 "reinstall: the first-boot line on the serial console" \
  grep -q "slipway-firstboot: hostname=${name[$vm]} callback=ok" "$WORK/vm-$vm.log"
events=$(in_ns "$ns" "$SLIPWAY_BIN" machines show "${name[$vm]}" --json | jq '[.events[] | select(.kind == "install.first_boot")] | length')
[[ $events == 2 ]] || fail "reinstall: expected two first-boot events, have $events"
pass "reinstall of ${name[$vm]}: deployed again"
