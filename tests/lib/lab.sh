# The virtual lab, shared by the end-to-end tests and scripts/run-lab.sh: boot assets, a
# namespace with a bridge (198.18.0.1/24), the appliance in it, and QEMU VMs on taps that
# network-boot from it. Source after common.sh.

LAB_SERVER_IP=198.18.0.1
LAB_SUBNET=198.18.0.0/24

# lab_assets BUILD_DIR: boot loaders from Debian's ipxe package, the UEFI local-boot loader,
# the boot kit for tarball deploys and the runtime (kernel + initramfs with slipway-agent) in BUILD_DIR/assets. Sets LAB_ASSETS.
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
  [[ -f "$LAB_ASSETS/localboot.efi" && "$LAB_ASSETS/localboot.efi" -nt "$src/image/build-local-boot.sh" ]] ||
    "$src/image/build-local-boot.sh" "$LAB_ASSETS/localboot.efi" || fail "building localboot.efi failed"
  [[ -f "$LAB_ASSETS/bootkit/core.img" && "$LAB_ASSETS/bootkit/core.img" -nt "$src/image/build-boot-kit.sh" ]] ||
    "$src/image/build-boot-kit.sh" "$LAB_ASSETS/bootkit" || fail "building the boot kit failed"
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

# lab_config FILE DATA_DIR: the appliance's configuration for the lab. The runtime's kernel gets
# no_timer_check: under TCG on a loaded host its IO-APIC timer check can fail and panic ("IO-APIC +
# timer doesn't work!"), as it did once beside a CI run.
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
  kernel_args: console=ttyS0 quiet no_timer_check
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

# lab_bmc NS LOGFILE --machine MAC=COMMAND...: the test BMC (tests/lab/virtual_bmc in
# $BUILD_DIR) on its own port of the lab bridge, as a real BMC or NIC sits on a switch port: a veth
# pair in NS, bmc0 (where it captures, no address) and bmc0-br (on br0). The port also gives br0 a
# carrier while no VM runs; without one the kernel drops what is sent on the bridge, magic packets
# included. Its COMMANDs run in NS. Returns once it listens; SPAWNED_PID is its PID (tracked).
lab_bmc() {
  local ns=$1 logfile=$2
  shift 2
  local bmc=$BUILD_DIR/tests/lab/virtual_bmc
  [[ -x "$bmc" ]] || fail "no virtual_bmc at $bmc (build first)"
  ip -n "$ns" link add bmc0 type veth peer name bmc0-br
  in_ns "$ns" sysctl -qw net.ipv6.conf.bmc0.disable_ipv6=1 net.ipv6.conf.bmc0-br.disable_ipv6=1
  ip -n "$ns" link set bmc0-br master br0 up
  ip -n "$ns" link set bmc0 up
  spawn_in_ns "$ns" "$logfile" "$bmc" --interface bmc0 "$@"
  wait_until 10 "the virtual BMC to listen" grep -q "^listening interface=bmc0" "$logfile"
}

# lab_vm NS NAME FIRMWARE(bios|uefi|uefi-http|uefi-https) MAC UUID [OPTION...]: a VM that
# network-boots from the bridge, on tap(s) in NS. uefi is OVMF's own PXE (DHCP, then TFTP);
# uefi-http is OVMF's UEFI HTTP Boot only (its IPv4 and IPv6 PXE boot options are switched off
# through fw_cfg); uefi-https is the same with the CA certificates of --cacerts trusted for HTTPS
# Boot. Its serial console goes to $WORK/vm-NAME.log. Options:
#   --cacerts FILE     (uefi-https, required) the CAs OVMF trusts, in EDK2's format (lab_edk2_cacerts)
#   --memory MIB       RAM (default 512)
#   --cpus N           -smp N (default 1)
#   --disk SIZE        a blank raw disk of SIZE (qemu-img syntax: 1G, 1536M) in $WORK/disk-NAME.img
#   --disk-bus BUS     virtio (virtio-blk, default) or ahci (a SATA disk on an AHCI controller)
#   --nic2 MAC         a second NIC on the bridge, which never boots (no option ROM, no boot index)
#   --reboot           a guest reboot restarts the VM (default: -no-reboot, a reboot ends QEMU);
#                      the network stays first in the boot order, the disk (if any) comes next
#   --command-only     do not start it: set LAB_VM_COMMAND to a /bin/sh command that starts it (in
#                      the foreground, exec'd: the caller of the command is QEMU's parent; QEMU
#                      gets SIGTERM when that parent ends) and writes QEMU's PID to LAB_VM_PIDFILE.
#                      Run it inside NS (for example from a virtual BMC started there); the caller
#                      tracks the PID (track_pid) once the file appears.
# Without --command-only it starts the VM now and sets LAB_VM_PID (tracked).
lab_vm() {
  local ns=$1 name=$2 firmware=$3 mac=$4 uuid=$5
  shift 5
  local memory=512 cpus=1 disk="" disk_bus=virtio mac2="" command_only=0 reboot=0 cacerts=""
  while (($# > 0)); do
    case "$1" in
      --memory) memory=${2:?}; shift 2 ;;
      --cpus) cpus=${2:?}; shift 2 ;;
      --disk) disk=${2:?}; shift 2 ;;
      --disk-bus) disk_bus=${2:?}; shift 2 ;;
      --nic2) mac2=${2:?}; shift 2 ;;
      --cacerts) cacerts=${2:?}; shift 2 ;;
      --command-only) command_only=1; shift ;;
      --reboot) reboot=1; shift ;;
      *) fail "lab_vm: unknown option $1" ;;
    esac
  done
  local tap="tap-$name"
  ip -n "$ns" tuntap add dev "$tap" mode tap
  ip -n "$ns" link set "$tap" master br0 up
  local accel=${LAB_ACCEL:?call lab_probe_accel first}
  local args=(-accel "$accel" -m "$memory" -smp "$cpus" -nographic -uuid "$uuid"
    -netdev "tap,id=n0,ifname=$tap,script=no,downscript=no")
  ((reboot)) || args+=(-no-reboot)
  local nic=e1000
  case "$firmware" in bios | uefi | uefi-http | uefi-https) ;; *) fail "lab_vm: unknown firmware $firmware" ;; esac
  if [[ "$firmware" == uefi-https && -z "$cacerts" ]] || [[ "$firmware" != uefi-https && -n "$cacerts" ]]; then
    fail "lab_vm: firmware uefi-https needs --cacerts, and only it takes one"
  fi
  if [[ "$firmware" == bios ]]; then
    args+=(-machine pc -device "e1000,netdev=n0,mac=$mac" -boot n)
  else
    nic=virtio-net-pci
    cp /usr/share/OVMF/OVMF_VARS_4M.fd "$WORK/vars-$name.fd"
    # OVMF's own PXE (not QEMU's iPXE ROM): an empty option ROM and virtio-net, boot first.
    args+=(-machine q35
      -drive "if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd"
      -drive "if=pflash,format=raw,file=$WORK/vars-$name.fd"
      -device "virtio-net-pci,netdev=n0,mac=$mac,romfile=,bootindex=1")
    # OVMF reads these at start (OvmfPkg's SetPxeBcPcds): no PXE boot options, so the NIC's
    # remaining ones are HTTP Boot over IPv4, then IPv6.
    if [[ "$firmware" == uefi-http* ]]; then
      args+=(-fw_cfg name=opt/org.tianocore/IPv4PXESupport,string=n
        -fw_cfg name=opt/org.tianocore/IPv6PXESupport,string=n)
    fi
    # OvmfPkg's TlsAuthConfigLib copies this fw_cfg file into the TlsCaCertificate variable
    # that HttpDxe trusts. Without etc/edk2/https/ciphers it leaves the cipher list to TlsLib's
    # defaults.
    [[ -z "$cacerts" ]] || args+=(-fw_cfg "name=etc/edk2/https/cacerts,file=$cacerts")
  fi
  if [[ -n "$mac2" ]]; then
    local tap2="tap-${name}b"
    ip -n "$ns" tuntap add dev "$tap2" mode tap
    ip -n "$ns" link set "$tap2" master br0 up
    # No option ROM: SeaBIOS cannot boot it, and it has no bootindex for OVMF.
    args+=(-netdev "tap,id=n1,ifname=$tap2,script=no,downscript=no"
      -device "$nic,netdev=n1,mac=$mac2,romfile=")
  fi
  if [[ -n "$disk" ]]; then
    local uefi_index=""
    [[ "$firmware" == bios ]] || uefi_index=",bootindex=2"
    qemu-img create -q -f raw "$WORK/disk-$name.img" "$disk"
    args+=(-drive "if=none,id=d0,format=raw,file=$WORK/disk-$name.img")
    case "$disk_bus" in
      # OVMF boots only what has a boot index once any device has one: the disk comes after
      # the NIC. SeaBIOS keeps -boot n (network first, then the disk).
      virtio) args+=(-device "virtio-blk-pci,drive=d0${uefi_index}") ;;
      ahci) args+=(-device "ahci,id=sata" -device "ide-hd,drive=d0,bus=sata.0${uefi_index}") ;;
      *) fail "lab_vm: unknown disk bus $disk_bus" ;;
    esac
  fi
  local what="vm $name: $firmware mac=$mac${mac2:+ mac2=$mac2} uuid=$uuid memory=${memory}M cpus=$cpus${disk:+ disk=$disk/$disk_bus} accel=$accel"
  if ((command_only)); then
    LAB_VM_PIDFILE=$WORK/vm-$name.pid
    rm -f "$LAB_VM_PIDFILE"
    local arg
    LAB_VM_COMMAND="exec setpriv --pdeathsig TERM qemu-system-x86_64"
    for arg in "${args[@]}" -pidfile "$LAB_VM_PIDFILE"; do
      LAB_VM_COMMAND+=" $(printf '%q' "$arg")"
    done
    LAB_VM_COMMAND+=" </dev/null >$(printf '%q' "$WORK/vm-$name.log") 2>&1"
    log "$what (not started)"
    return
  fi
  ip netns exec "$ns" qemu-system-x86_64 "${args[@]}" </dev/null >"$WORK/vm-$name.log" 2>&1 &
  LAB_VM_PID=$!
  track_pid "$LAB_VM_PID"
  log "$what pid=$LAB_VM_PID"
}

# lab_edk2_cacerts PEM OUT: the CA certificates in PEM file PEM as EDK2's CA database for
# lab_vm --cacerts: one EFI_SIGNATURE_LIST per certificate (UEFI spec 32.4.1), each
#   SignatureType   16 bytes  EFI_CERT_X509_GUID a5c059a1-94e4-4aa7-87b5-ab155c2bf072
#   ListSize         4 bytes  28 + SignatureSize (little endian, as all of it)
#   HeaderSize       4 bytes  0
#   SignatureSize    4 bytes  16 + length of the DER certificate
#   SignatureOwner  16 bytes  any GUID (here all zero)
#   SignatureData             the DER certificate
# GUIDs in EFI's mixed-endian layout (uuid.bytes_le).
lab_edk2_cacerts() {
  python3 - "$1" "$2" <<'PY' || fail "converting $1 to EDK2 cacerts failed"
import base64, re, struct, sys, uuid
pem = open(sys.argv[1]).read()
ders = [base64.b64decode(b) for b in re.findall(
    r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", pem, re.S)]
if not ders:
    sys.exit(f"no certificate in {sys.argv[1]}")
x509 = uuid.UUID("a5c059a1-94e4-4aa7-87b5-ab155c2bf072").bytes_le
out = b""
for der in ders:
    size = 16 + len(der)
    out += x509 + struct.pack("<III", 28 + size, 0, size) + bytes(16) + der
open(sys.argv[2], "wb").write(out)
PY
}
