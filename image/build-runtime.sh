#!/usr/bin/env bash
# Builds Slipway's network-boot runtime: Debian's kernel and a small busybox initramfs that
# brings up the boot NIC with DHCP and runs slipway-agent (see image/README.md).
#
# Usage: image/build-runtime.sh --out DIR --agent PATH/TO/slipway-agent [--cache DIR]
#                               [--module NAME]...
# Produces DIR/vmlinuz and DIR/initrd.gz. The kernel package is downloaded once (apt-get
# download, never installed) and unpacked into the cache (default DIR/.cache); later runs reuse
# it without network and take a few seconds.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# NIC drivers the runtime loads: QEMU's virtio-net and e1000, Intel e1000e (common on real
# boards); disk drivers so that the agent sees the disks it reports: virtio-blk, AHCI (SATA)
# with sd_mod, NVMe; ext4 so that the agent in install mode can write the per-machine files
# onto the installed root filesystem (with crc32c_generic: ext4 checksums its metadata with
# crc32c, and nothing in the runtime would load that on demand); vfat with its code pages for
# the ESP a tarball deploy makes. Their dependencies come from modules.dep; built-in ones are
# skipped.
modules=(virtio_pci virtio_pci_legacy_dev virtio_pci_modern_dev virtio_ring virtio
  failover net_failover virtio_net e1000 e1000e virtio_blk ahci sd_mod nvme crc32c_generic ext4
  vfat nls_cp437 nls_ascii nls_utf8)
# Tools busybox lacks, copied with the shared libraries and loader they need: ext4 and FAT32
# creation (tarball deploys, a new ESP on restore), e2fsck and resize2fs (restore grows the
# partition that ended last to fill a larger disk).
tools=(/sbin/mke2fs /sbin/mkfs.fat /sbin/e2fsck /sbin/resize2fs)

usage() {
  echo "usage: $0 --out DIR --agent PATH [--cache DIR] [--module NAME]..." >&2
  exit 2
}
log() { echo "build-runtime: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

out="" agent="" cache=""
while (($# > 0)); do
  case "$1" in
    --out) out=${2:?}; shift 2 ;;
    --agent) agent=${2:?}; shift 2 ;;
    --cache) cache=${2:?}; shift 2 ;;
    --module) modules+=("${2:?}"); shift 2 ;;
    -h | --help) usage ;;
    *) log "unknown argument: $1"; usage ;;
  esac
done
[[ -n "$out" && -n "$agent" ]] || usage
[[ -f "$agent" ]] || die "agent binary not found: $agent"
mkdir -p "$out"
out=$(cd "$out" && pwd)
cache=${cache:-$out/.cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

for tool in apt-cache apt-get dpkg-deb depmod cpio gzip readelf; do
  command -v "$tool" >/dev/null || die "$tool is missing (scripts/deps.sh installs it)"
done
busybox=/bin/busybox

# A dynamically linked binary would find no libc in the initramfs.
require_static() {
  if LC_ALL=C readelf -l "$1" | grep -q 'program interpreter'; then
    die "$1 is dynamically linked; the initramfs has no libc ($2)"
  fi
}
[[ -x "$busybox" ]] || die "$busybox is missing (install busybox-static)"
require_static "$busybox" "install busybox-static"
require_static "$agent" "build slipway-agent with -static"
for t in "${tools[@]}"; do
  [[ -x "$t" ]] || die "$t is missing (scripts/deps.sh installs e2fsprogs and dosfstools)"
done
command -v ldd >/dev/null || die "ldd is missing (libc-bin)"

# --- Kernel ------------------------------------------------------------------------------
# The versioned package behind linux-image-amd64. apt-cache reads the local package lists, so
# this costs no network; without lists, a kernel already in the cache is used.
resolve_kernel() {
  apt-cache depends linux-image-amd64 2>/dev/null |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }' || true
}
kernel_pkg=$(resolve_kernel)
have_cached=$(find "$cache" -mindepth 2 -maxdepth 2 -name .complete 2>/dev/null | head -n 1)
if [[ -z "$kernel_pkg" && -z "$have_cached" && $(id -u) -eq 0 ]]; then
  # A fresh machine may have no package lists yet.
  log "no package lists: apt-get update"
  apt-get update -qq >/dev/null
  kernel_pkg=$(resolve_kernel)
fi
if [[ -z "$kernel_pkg" ]]; then
  kernel_pkg=$(find "$cache" -mindepth 2 -maxdepth 2 -name .complete -printf '%h\n' 2>/dev/null |
    sed 's|.*/||' | sort -V | tail -n 1)
  [[ -n "$kernel_pkg" ]] || die "apt-cache cannot resolve linux-image-amd64 and the cache is empty"
  log "apt-cache cannot resolve linux-image-amd64; using cached $kernel_pkg"
fi
tree=$cache/$kernel_pkg
if [[ ! -f "$tree/.complete" ]]; then
  log "downloading $kernel_pkg"
  work=$(mktemp -d "$cache/.download.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  apt_opts=(-q)
  # As root, apt drops to the _apt user, which may not write into $work.
  if [[ $(id -u) -eq 0 ]]; then apt_opts+=(-o APT::Sandbox::User=root); fi
  if ! (cd "$work" && apt-get "${apt_opts[@]}" download "$kernel_pkg" >/dev/null); then
    # Stale package lists name a version the mirror no longer has: refresh once and retry.
    [[ $(id -u) -eq 0 ]] || die "cannot download $kernel_pkg (run as root to refresh the lists)"
    log "download failed: apt-get update and retry"
    apt-get update -qq >/dev/null
    (cd "$work" && apt-get "${apt_opts[@]}" download "$kernel_pkg" >/dev/null)
  fi
  dpkg-deb -x "$work"/"$kernel_pkg"_*.deb "$work/root"
  kver=$(ls "$work/root/lib/modules")
  # The package ships no modules.dep (its postinst runs depmod); make one in the cache tree.
  depmod -b "$work/root" "$kver"
  rm -rf "$tree"
  mv "$work/root" "$tree"
  echo "$kver" >"$tree/.complete"
  rm -rf "$work"
  trap - EXIT
else
  log "kernel $kernel_pkg from cache"
fi
kver=$(cat "$tree/.complete")
moddir=$tree/lib/modules/$kver
[[ -f "$tree/boot/vmlinuz-$kver" && -f "$moddir/modules.dep" ]] ||
  die "cache $tree is incomplete; delete it and run again"

# --- Staging tree -----------------------------------------------------------------------
stage=$out/.initramfs
rm -rf "$stage"
mkdir -p "$stage"/{bin,dev,etc,lib/modules,mnt/target,proc,run,sys,tmp,root}
ln -s bin "$stage/sbin"
mkdir -p "$stage/usr"
ln -s ../bin "$stage/usr/bin"
ln -s ../bin "$stage/usr/sbin"

install -m 0755 "$busybox" "$stage/bin/busybox"
while read -r applet; do
  [[ "$applet" == busybox ]] || ln -sf busybox "$stage/bin/$applet"
done < <("$busybox" --list)

# Debug information is most of the agent's size and is of no use in the runtime.
if command -v strip >/dev/null; then
  strip --strip-all -o "$stage/bin/slipway-agent" "$agent"
  chmod 0755 "$stage/bin/slipway-agent"
else
  install -m 0755 "$agent" "$stage/bin/slipway-agent"
fi
# The deploy tools, their libraries at the paths ldd resolves (and the loader), mke2fs's defaults.
for t in "${tools[@]}"; do
  install -m 0755 "$t" "$stage/bin/$(basename "$t")"
  while read -r lib; do
    [[ -e "$stage$lib" ]] || install -D -m 0755 "$lib" "$stage$lib"
  done < <(ldd "$t" | grep -oE '/[^ ]+' | grep -v '^/proc')
done
[[ -f /etc/mke2fs.conf ]] && install -m 0644 /etc/mke2fs.conf "$stage/etc/mke2fs.conf"
install -m 0755 "$here/runtime/init" "$stage/init"
install -m 0755 "$here/runtime/udhcpc.script" "$stage/etc/udhcpc.script"
echo "root:x:0:0:root:/root:/bin/sh" >"$stage/etc/passwd"
echo "root:x:0:" >"$stage/etc/group"

# --- Modules, dependencies first ----------------------------------------------------------
# modules.dep: "kernel/path/name.ko[.xz|.zst]: dep.ko dep.ko ..." with paths relative to
# $moddir. Module names treat '-' and '_' alike.
declare -A dep_of=() path_of=() seen=()
while IFS= read -r line; do
  path=${line%%:*}
  name=${path##*/}
  name=${name%%.ko*}
  name=${name//-/_}
  path_of[$name]=$path
  dep_of[$path]=${line#*: }
  [[ "$line" == *: ]] && dep_of[$path]=""
done <"$moddir/modules.dep"

order=()
visit() {
  local p=$1 d
  [[ -n "${seen[$p]:-}" ]] && return 0
  seen[$p]=1
  for d in ${dep_of[$p]}; do visit "$d"; done
  order+=("$p")
}
for m in "${modules[@]}"; do
  key=${m//-/_}
  if [[ -n "${path_of[$key]:-}" ]]; then
    visit "${path_of[$key]}"
  elif grep -qE "/${m}\.ko$|/${m//_/-}\.ko$" "$moddir/modules.builtin"; then
    log "module $m is built into the kernel"
  else
    die "module $m is neither in modules.dep nor built in ($kver)"
  fi
done

# busybox insmod reads plain .ko files only: compressed modules are unpacked here.
: >"$stage/lib/modules/load-order"
for p in "${order[@]}"; do
  file=$(basename "$p")
  case "$file" in
    *.ko.xz) xz -dc "$moddir/$p" >"$stage/lib/modules/${file%.xz}"; file=${file%.xz} ;;
    *.ko.zst) zstd -qdc "$moddir/$p" >"$stage/lib/modules/${file%.zst}"; file=${file%.zst} ;;
    *.ko.gz) gzip -dc "$moddir/$p" >"$stage/lib/modules/${file%.gz}"; file=${file%.gz} ;;
    *) cp "$moddir/$p" "$stage/lib/modules/$file" ;;
  esac
  echo "$file" >>"$stage/lib/modules/load-order"
done
log "modules: $(tr '\n' ' ' <"$stage/lib/modules/load-order")"

# --- Pack ---------------------------------------------------------------------------------
# Fixed timestamps and sorted names make the archive depend on its contents only.
find "$stage" -exec touch -h -d "@${SOURCE_DATE_EPOCH:-0}" {} +
(cd "$stage" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
  cpio --null --create --format=newc --owner=0:0 --reproducible --quiet) |
  gzip -9 -n >"$out/initrd.gz.tmp"
mv "$out/initrd.gz.tmp" "$out/initrd.gz"
if ! cmp -s "$tree/boot/vmlinuz-$kver" "$out/vmlinuz"; then
  install -m 0644 "$tree/boot/vmlinuz-$kver" "$out/vmlinuz"
fi
rm -rf "$stage"

log "kernel $kver: $out/vmlinuz ($(stat -c %s "$out/vmlinuz") bytes)"
log "initramfs: $out/initrd.gz ($(stat -c %s "$out/initrd.gz") bytes)"
