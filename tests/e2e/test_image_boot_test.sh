#!/usr/bin/env bash
# End to end: the test image (image/build-test-image.sh) boots from its own disk.
#   bios: SeaBIOS (pc), the disk on virtio-blk: GRUB i386-pc from the BIOS boot partition
#   uefi: OVMF (q35, pflash), the disk on AHCI (SATA): \EFI\BOOT\BOOTX64.EFI, no NVRAM entry
# The image is built into BUILD_DIR/test-image if it is missing (a few minutes the first time;
# the base tree is cached in BUILD_DIR/test-image-cache). QEMU runs with -snapshot, so disk.raw
# is never changed, and with no NIC at all: no traffic leaves the VM. Asserts on the serial
# console: the first-boot line with callback=none and the placeholder hostname, then the
# end-of-boot line, within a bounded time.
#   callback: SeaBIOS, a copy of the disk with a hostname and /etc/slipway/firstboot.env as an
#     installer writes them, a NIC on a bridge in a namespace of this test with busybox udhcpd
#     and httpd on 198.18.0.1: the first boot POSTs its JSON there (callback=ok), checked field
#     by field. Nothing leaves the namespace.
# Usage: test_image_boot_test.sh BUILD_DIR bios|uefi|both|callback
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/install.sh"
BUILD_DIR=$(cd "${1:?usage: $0 BUILD_DIR bios|uefi|both|callback}" && pwd)
mode=${2:-both}
slipway_test_init "test-image-$mode"
src=$(cd "$(dirname "$0")/../.." && pwd)

image=$BUILD_DIR/test-image
placeholder=slipway-test
# Under TCG, with the two cores shared, a boot to the end-of-boot line takes about a minute.
limit=${SLIPWAY_TEST_IMAGE_BOOT_LIMIT:-240}

install_test_image
(cd "$image" && sha256sum --quiet -c SHA256SUMS) || fail "$image does not match its SHA256SUMS"
checksum_before=$(cd "$image" && grep ' disk.raw$' SHA256SUMS)

# The partition table is part of the contract (image/README.md).
gpt() {
  local n=$1 type=$2 name=$3 info
  info=$(sgdisk -i "$n" "$image/disk.raw")
  grep -qi "^Partition GUID code: $type " <<<"$info" ||
    fail "partition $n is not of type $type: $info"
  grep -q "^Partition name: '$name'" <<<"$info" || fail "partition $n is not named $name: $info"
}
gpt 1 21686148-6449-6E6F-744E-656564454649 bios
gpt 2 C12A7328-F81F-11D2-BA4B-00A0C93EC93B esp
gpt 3 4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709 slipway-root
[[ $(sgdisk -p "$image/disk.raw" | awk '/^ +[0-9]+ / { n = $1 } END { print n }') == 3 ]] ||
  fail "the root partition is not the last one"
pass "GPT: bios boot, esp, slipway-root (last)"

accel=${LAB_ACCEL:-tcg}

# boot FIRMWARE DISK EXPECTED_HOSTNAME EXPECTED_FIRSTBOOT_LINE [QEMU_ARG...]: boots DISK and waits
# for the console lines. Without QEMU_ARGs the VM has no NIC at all.
boot() {
  local firmware=$1 disk=$2 hostname=$3 expected=$4
  shift 4
  local console=$WORK/vm-$firmware.log args
  args=(-accel "$accel" -m 512 -smp 1 -nographic -no-reboot -snapshot
    -drive "if=none,id=d0,format=raw,file=$disk")
  if (($# == 0)); then args+=(-nic none); else args+=("$@"); fi
  if [[ "$firmware" == bios ]]; then
    args+=(-machine pc -device "virtio-blk-pci,drive=d0")
  else
    cp /usr/share/OVMF/OVMF_VARS_4M.fd "$WORK/vars.fd"
    # q35's own AHCI controller; bus ide.0 is its first SATA port.
    args+=(-machine q35
      -drive "if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd"
      -drive "if=pflash,format=raw,file=$WORK/vars.fd"
      -device "ide-hd,drive=d0,bus=ide.0")
  fi
  local start=$SECONDS
  ${QEMU_PREFIX:-} qemu-system-x86_64 "${args[@]}" </dev/null >"$console" 2>&1 &
  local pid=$!
  track_pid "$pid"
  log "vm $firmware: pid=$pid accel=$accel console=$console"
  wait_until "$limit" "$firmware: the first-boot line" \
    grep -q "slipway-firstboot: hostname=" "$console"
  local line
  line=$(grep -a -o "slipway-firstboot: hostname=.*" "$console" | head -n 1 | tr -d '\r')
  [[ "$line" =~ $expected ]] || fail "$firmware: unexpected first-boot line: $line"
  local firstboot=$((SECONDS - start))
  wait_until "$((limit - firstboot))" "$firmware: the end-of-boot line" \
    grep -q "slipway-boot: ready hostname=$hostname " "$console"
  stop_pid "$pid"
  grep -qa "Linux version" "$console" || fail "$firmware: no kernel messages on the serial console"
  pass "$firmware: '$line' after ${firstboot}s, ready after $((SECONDS - start))s"
}

# callback: the first boot as an installer leaves it. A copy of disk.raw gets a hostname and
# /etc/slipway/firstboot.env (debugfs, no mount); the VM's NIC is on a bridge in a namespace of
# this test, where busybox udhcpd gives it an address and busybox httpd takes the callback.
callback() {
  local copy=$WORK/disk.raw first offset mac uuid name=tb-node1
  mac=52:54:00:e6:01:$(printf '%02x' $((RANDOM % 256)))
  uuid=$(printf '5a1e00e6-0001-4000-8000-%012x' "$RANDOM$RANDOM")
  cp --sparse=always "$image/disk.raw" "$copy"
  first=$(sgdisk -i 3 "$copy" | awk '/^First sector:/ { print $3 }')
  offset=$((first * 512))
  echo "$name" >"$WORK/hostname"
  cat >"$WORK/firstboot.env" <<ENV
# written by the test, as an installer would
SLIPWAY_CALLBACK_URL=http://198.18.0.1:8080/cgi-bin/firstboot
SLIPWAY_MAC="$mac"
SLIPWAY_UUID=$uuid
ENV
  cat >"$WORK/debugfs.cmds" <<CMDS
rm /etc/hostname
write $WORK/hostname /etc/hostname
write $WORK/firstboot.env /etc/slipway/firstboot.env
CMDS
  debugfs -w -f "$WORK/debugfs.cmds" "$copy?offset=$offset" >"$WORK/debugfs.log" 2>&1 ||
    fail "debugfs could not write into the copy"
  [[ "$(debugfs -R "cat /etc/slipway/firstboot.env" "$copy?offset=$offset" 2>/dev/null)" == "$(cat "$WORK/firstboot.env")" ]] ||
    fail "could not write firstboot.env into the copy (see debugfs.log)"

  local ns=swti-$$
  make_netns "$ns"
  make_bridge "$ns" 198.18.0.1/24
  ip -n "$ns" tuntap add dev tap0 mode tap
  ip -n "$ns" link set tap0 master br0 up
  cat >"$WORK/udhcpd.conf" <<CONF
interface br0
start 198.18.0.100
end 198.18.0.150
lease_file $WORK/udhcpd.leases
pidfile $WORK/udhcpd.pid
option subnet 255.255.255.0
option lease 600
CONF
  : >"$WORK/udhcpd.leases"
  spawn_in_ns "$ns" "$WORK/udhcpd.log" busybox udhcpd -f -a 200 "$WORK/udhcpd.conf"
  mkdir -p "$WORK/www/cgi-bin"
  cat >"$WORK/www/cgi-bin/firstboot" <<CGI
#!/bin/sh
head -c "\${CONTENT_LENGTH:-0}" >"$WORK/callback.json"
echo "\$REQUEST_METHOD \$CONTENT_TYPE" >"$WORK/callback.meta"
printf 'Content-Type: application/json\r\n\r\n{"ok":true}\n'
CGI
  chmod +x "$WORK/www/cgi-bin/firstboot"
  spawn_in_ns "$ns" "$WORK/httpd.log" busybox httpd -f -vv -p 198.18.0.1:8080 -h "$WORK/www"
  QEMU_PREFIX="ip netns exec $ns" boot bios "$copy" "$name" \
    "^slipway-firstboot: hostname=$name callback=ok http=200 attempts=[0-9]+$" \
    -netdev "tap,id=n0,ifname=tap0,script=no,downscript=no" \
    -device "virtio-net-pci,netdev=n0,mac=$mac,romfile=" -uuid "$uuid"
  [[ "$(cat "$WORK/callback.meta")" == "POST application/json" ]] ||
    fail "the callback was not a JSON POST: $(cat "$WORK/callback.meta")"
  jq -e --arg name "$name" --arg mac "$mac" --arg uuid "$uuid" '
    .event == "firstboot" and .hostname == $name and .mac == $mac and .uuid == $uuid and
    (.machine_id | test("^[0-9a-f]{32}$")) and (.kernel | test("-amd64$")) and
    (.ipv4 | length == 1) and (.ipv4[0] | startswith("198.18.0."))' "$WORK/callback.json" \
    >/dev/null || fail "unexpected callback body: $(cat "$WORK/callback.json")"
  pass "callback body: $(cat "$WORK/callback.json")"
}

none="^slipway-firstboot: hostname=$placeholder callback=none$"
case "$mode" in
  bios | uefi) boot "$mode" "$image/disk.raw" "$placeholder" "$none" ;;
  both) boot bios "$image/disk.raw" "$placeholder" "$none"; boot uefi "$image/disk.raw" "$placeholder" "$none" ;;
  callback) callback ;;
  *) fail "unknown mode $mode (bios, uefi, both or callback)" ;;
esac

[[ "$(cd "$image" && sha256sum disk.raw)" == "$checksum_before" ]] || fail "disk.raw was changed"
pass "disk.raw unchanged"
