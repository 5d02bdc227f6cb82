# The virtual lab, shared by the end-to-end tests and scripts/run-lab.sh: boot assets, a
# namespace with a bridge (198.18.0.1/24), the appliance in it, and QEMU VMs on taps that
# network-boot from it. Source after common.sh.

LAB_SERVER_IP=198.18.0.1
LAB_SUBNET=198.18.0.0/24

# lab_assets BUILD_DIR: boot loaders from Debian's ipxe package and the runtime (kernel +
# initramfs with slipway-agent) in BUILD_DIR/assets. Sets LAB_ASSETS.
lab_assets() {
  local build=$1
  LAB_ASSETS=$build/assets
  mkdir -p "$LAB_ASSETS"
  for f in undionly.kpxe ipxe.efi snponly.efi; do
    [[ -f /usr/lib/ipxe/$f ]] || fail "/usr/lib/ipxe/$f missing (scripts/deps.sh installs ipxe)"
    cp -u "/usr/lib/ipxe/$f" "$LAB_ASSETS/$f"
  done
  local src
  src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  "$src/image/build-runtime.sh" --out "$LAB_ASSETS/runtime" --agent "$build/imaging/agent/slipway-agent" \
    --cache "$build/runtime-cache" >"${WORK:-/tmp}/build-runtime.log" 2>&1 ||
    { cat "${WORK:-/tmp}/build-runtime.log" >&2; fail "building the runtime failed"; }
}

# lab_network NS: the lab namespace with bridge br0 (198.18.0.1/24).
lab_network() {
  local ns=$1
  make_netns "$ns"
  ip -n "$ns" link add br0 type bridge
  ip -n "$ns" link set br0 type bridge forward_delay 0 stp_state 0
  ip -n "$ns" addr add "$LAB_SERVER_IP/24" dev br0
  ip -n "$ns" link set br0 up
}

# lab_config FILE DATA_DIR: the appliance's configuration for the lab.
lab_config() {
  cat >"$1" <<YAML
# Slipway in the virtual lab: DHCP on the lab bridge, everything else on defaults.
interface: br0
data_dir: $2
assets_dir: $LAB_ASSETS
dhcp:
  subnet: $LAB_SUBNET
  range: 198.18.0.100-198.18.0.199
  lease_time: 600
boot:
  kernel_args: console=ttyS0 quiet
YAML
}

# lab_probe_accel: sets LAB_ACCEL to "kvm" if KVM really runs a guest here, else "tcg". It boots
# the runtime kernel with no root: it panics at once, and -no-reboot ends QEMU. Call it once, in
# the main shell (not in $(...)), before lab_vm.
lab_probe_accel() {
  [[ -n "${LAB_ACCEL:-}" ]] && return
  LAB_ACCEL=tcg
  if [[ -r /dev/kvm && -w /dev/kvm ]]; then
    if timeout 10 qemu-system-x86_64 -accel kvm -m 256 -nographic -no-reboot \
      -kernel "$LAB_ASSETS/runtime/vmlinuz" -append "console=ttyS0 panic=-1 root=/dev/nonexistent" \
      </dev/null 2>&1 | grep -q "Kernel panic"; then
      LAB_ACCEL=kvm
    fi
  fi
  log "acceleration: $LAB_ACCEL"
}

# lab_vm NS NAME FIRMWARE(bios|uefi) MAC UUID: starts a VM that network-boots from the bridge.
# Its serial console goes to $WORK/vm-NAME.log; sets LAB_VM_PID.
lab_vm() {
  local ns=$1 name=$2 firmware=$3 mac=$4 uuid=$5
  local tap="tap-$name"
  ip -n "$ns" tuntap add dev "$tap" mode tap
  ip -n "$ns" link set "$tap" master br0 up
  local accel=${LAB_ACCEL:?call lab_probe_accel first}
  local args=(-accel "$accel" -m 512 -nographic -no-reboot -uuid "$uuid"
    -netdev "tap,id=n0,ifname=$tap,script=no,downscript=no")
  if [[ "$firmware" == bios ]]; then
    args+=(-machine pc -device "e1000,netdev=n0,mac=$mac" -boot n)
  else
    cp /usr/share/OVMF/OVMF_VARS_4M.fd "$WORK/vars-$name.fd"
    # OVMF's own PXE (not QEMU's iPXE ROM): an empty option ROM and virtio-net, boot first.
    args+=(-machine q35
      -drive "if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd"
      -drive "if=pflash,format=raw,file=$WORK/vars-$name.fd"
      -device "virtio-net-pci,netdev=n0,mac=$mac,romfile=,bootindex=1")
  fi
  ip netns exec "$ns" qemu-system-x86_64 "${args[@]}" </dev/null >"$WORK/vm-$name.log" 2>&1 &
  LAB_VM_PID=$!
  track_pid "$LAB_VM_PID"
  log "vm $name: $firmware mac=$mac uuid=$uuid accel=$accel pid=$LAB_VM_PID"
}
