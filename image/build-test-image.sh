#!/usr/bin/env bash
# Builds Slipway's test image: a small Debian 12 system (systemd, openssh-server, DHCP on every
# wired NIC, a first-boot callback) as a GPT disk image that boots under BIOS and UEFI, and as a
# tarball of the same root filesystem (see image/README.md, "Test image", for the contract).
#
# Usage: image/build-test-image.sh --out DIR [--cache DIR] [--size MIB] [--refresh]
# Produces DIR/disk.raw, DIR/disk.raw.zst, DIR/rootfs.tar.zst and DIR/SHA256SUMS. The Debian
# packages are installed once with mmdebstrap from the host's Debian apt sources and kept in the
# cache (default DIR/.cache) as a tarball keyed by the package list and options; later runs reuse
# it without network. --refresh builds that tarball again (security updates). Needs root (loop
# devices, mounts, owners).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
files=$here/test-image

suite=bookworm
hostname_placeholder=slipway-test
# systemd-sysv makes systemd PID 1 in minbase; systemd-resolved turns the DNS servers that DHCP
# gives into /etc/resolv.conf; zstd is what initramfs-tools compresses with.
packages=(systemd-sysv udev dbus systemd-resolved openssh-server curl iproute2 kmod procps
  linux-image-amd64 initramfs-tools zstd)
# Left out of every package (also for packages installed later: mmdebstrap keeps these in
# /etc/dpkg/dpkg.cfg.d/): documentation, manuals, translations, and kernel modules for hardware
# a headless test machine has no use for (sound, GPUs, cameras/TV, Wi-Fi, Bluetooth, InfiniBand,
# staging drivers, industrial sensors, ISDN, flash chips, SCSI targets, data acquisition, CAN,
# WAN and radio links, NFC, ATM) and for network, cluster and exotic filesystems (only local
# disk filesystems stay: ext4, vfat, iso9660, squashfs, ...).
dpkg_excludes=('/usr/share/doc/*' '/usr/share/man/*' '/usr/share/info/*' '/usr/share/locale/*'
  '/usr/share/lintian/*' '/usr/share/linda/*'
  '/lib/modules/*/kernel/sound/*' '/lib/modules/*/kernel/drivers/gpu/*'
  '/lib/modules/*/kernel/drivers/media/*' '/lib/modules/*/kernel/drivers/net/wireless/*'
  '/lib/modules/*/kernel/net/wireless/*' '/lib/modules/*/kernel/net/mac80211/*'
  '/lib/modules/*/kernel/drivers/bluetooth/*' '/lib/modules/*/kernel/net/bluetooth/*'
  '/lib/modules/*/kernel/drivers/infiniband/*' '/lib/modules/*/kernel/drivers/staging/*'
  '/lib/modules/*/kernel/drivers/iio/*' '/lib/modules/*/kernel/drivers/isdn/*'
  '/lib/modules/*/kernel/drivers/mtd/*' '/lib/modules/*/kernel/drivers/target/*'
  '/lib/modules/*/kernel/drivers/comedi/*' '/lib/modules/*/kernel/drivers/nfc/*'
  '/lib/modules/*/kernel/drivers/atm/*' '/lib/modules/*/kernel/drivers/net/can/*'
  '/lib/modules/*/kernel/drivers/net/wan/*' '/lib/modules/*/kernel/drivers/net/hamradio/*'
  '/lib/modules/*/kernel/drivers/net/ieee802154/*' '/lib/modules/*/kernel/drivers/block/rbd.ko'
  '/lib/modules/*/kernel/net/ceph/*' '/lib/modules/*/kernel/net/sunrpc/*'
  '/lib/modules/*/kernel/net/rds/*' '/lib/modules/*/kernel/net/tipc/*'
  '/lib/modules/*/kernel/net/can/*' '/lib/modules/*/kernel/net/nfc/*'
  '/lib/modules/*/kernel/net/atm/*' '/lib/modules/*/kernel/net/9p/*'
  '/lib/modules/*/kernel/net/ieee802154/*' '/lib/modules/*/kernel/net/mac802154/*'
  '/lib/modules/*/kernel/net/6lowpan/*')
for fs in btrfs xfs ocfs2 gfs2 f2fs nfs nfsd nfs_common lockd smb cifs ceph afs ubifs jfs nilfs2 \
  reiserfs hfs hfsplus ntfs3 ufs coda orangefs dlm erofs 9p; do
  dpkg_excludes+=("/lib/modules/*/kernel/fs/$fs/*")
done
dpkg_includes=('/usr/share/doc/*/copyright')

esp_mib=64

usage() {
  echo "usage: $0 --out DIR [--cache DIR] [--size MIB] [--refresh]" >&2
  exit 2
}
log() { echo "build-test-image: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

out="" cache="" size_mib="" refresh=0
while (($# > 0)); do
  case "$1" in
    --out) out=${2:?}; shift 2 ;;
    --cache) cache=${2:?}; shift 2 ;;
    --size) size_mib=${2:?}; shift 2 ;;
    --refresh) refresh=1; shift ;;
    -h | --help) usage ;;
    *) log "unknown argument: $1"; usage ;;
  esac
done
[[ -n "$out" ]] || usage
[[ -z "$size_mib" || "$size_mib" =~ ^[0-9]+$ ]] || die "--size takes a number of MiB: $size_mib"
[[ $(id -u) -eq 0 ]] || die "needs root (loop devices, mounts, file owners)"
for tool in mmdebstrap sgdisk partx losetup mkfs.vfat mkfs.ext4 e2fsck grub-mkimage mmd mcopy \
  zstd tar sha256sum chroot mount umount dd; do
  command -v "$tool" >/dev/null || die "$tool is missing (scripts/deps.sh image installs it)"
done
for f in /usr/lib/grub/i386-pc/boot.img /usr/lib/grub/x86_64-efi/normal.mod; do
  [[ -f "$f" ]] || die "$f is missing (install grub-pc-bin and grub-efi-amd64-bin)"
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
cache=${cache:-$out/.cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
start=$SECONDS

# --- Apt sources --------------------------------------------------------------------------
# The host's Debian entries for this suite (and its -updates/-security), in deb822 form, and
# nothing else: other repositories the host may know (vendors' clouds, Node.js...) are never
# asked.
host_sources() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    # One-line form: deb [options] URI SUITE COMPONENT...
    awk -v s="$suite" '
      $1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
        if ($(i + 1) ~ ("^" s "(-updates|-security)?$")) {
          comps = ""
          for (j = i + 2; j <= NF && $j !~ /^#/; j++) comps = comps " " $j
          printf "Types: deb\nURIs: %s\nSuites: %s\nComponents:%s\n", $i, $(i + 1), comps
          printf "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n"
        }
      }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    # deb822 form: keep the stanzas of type deb whose suites are all this suite's, minus comments.
    awk -v s="$suite" '
      function flush() {
        if (stanza != "" && deb && ok && enabled) printf "%s\n", stanza
        stanza = ""; deb = 0; ok = 0; enabled = 1
      }
      BEGIN { enabled = 1 }
      /^[[:space:]]*#/ { next }
      /^[[:space:]]*$/ { flush(); next }
      {
        stanza = stanza $0 "\n"
        if ($1 == "Types:") for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1
        if ($1 == "Enabled:" && tolower($2) == "no") enabled = 0
        if ($1 == "Suites:") {
          ok = 1
          for (i = 2; i <= NF; i++) if ($i !~ ("^" s "(-updates|-security)?$")) ok = 0
        }
      }
      END { flush() }' "$f"
  done
}
sources=$(host_sources)
[[ -n "$sources" ]] || die "the host's apt sources name no Debian $suite repository"

# --- Base tree (cached) -------------------------------------------------------------------
# mmdebstrap's merged-usr hooks make the /usr symlinks and install usr-is-merged with the
# essential packages; without them apt satisfies init-system-helpers' "usrmerge |
# usr-is-merged" with usrmerge, and with it all of perl (50 MB).
mm_args=(--variant=minbase --mode=root --format=tar
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
  --include="$(
    IFS=,
    echo "${packages[*]}"
  )"
  --aptopt='APT::Install-Recommends "false"'
  --aptopt='Acquire::Languages "none"')
for p in "${dpkg_excludes[@]}"; do mm_args+=(--dpkgopt="path-exclude=$p"); done
for p in "${dpkg_includes[@]}"; do mm_args+=(--dpkgopt="path-include=$p"); done
key=$( {
  echo "$suite"
  printf '%s\n' "${mm_args[@]}"
  echo "$sources"
  mmdebstrap --version
} | sha256sum | cut -c1-16)
base=$cache/base-$suite-$key.tar
if [[ -f "$base" && $refresh -eq 0 ]]; then
  log "base tree from cache: $base"
else
  log "mmdebstrap $suite (${packages[*]}): a few minutes"
  sources_file=$(mktemp "$cache/.sources.XXXXXX.sources")
  trap 'rm -f "$sources_file" "$base.tmp"' EXIT
  echo "$sources" >"$sources_file"
  # Downloaded .debs are kept in the cache too, so that --refresh or a change of the package
  # list downloads only what is new (mmdebstrap's documented way to reuse them).
  mkdir -p "$cache/debs"
  find "$cache/debs" -name '*.deb' -mtime +30 -delete
  [[ "$cache" != *[[:space:]]* ]] || die "the cache path must not contain spaces: $cache"
  # shellcheck disable=SC2016 # $1 is for mmdebstrap's hook shell.
  if ! mmdebstrap "${mm_args[@]}" --skip=essential/unlink \
    --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
    --setup-hook="sync-in $cache/debs /var/cache/apt/archives/" \
    --customize-hook="sync-out /var/cache/apt/archives $cache/debs" \
    "$suite" "$base.tmp" "$sources_file" >"$cache/mmdebstrap.log" 2>&1; then
    tail -n 40 "$cache/mmdebstrap.log" >&2
    die "mmdebstrap failed (log: $cache/mmdebstrap.log)"
  fi
  mv "$base.tmp" "$base"
  rm -f "$sources_file"
  trap - EXIT
  # Older base trees of other keys are of no further use.
  find "$cache" -maxdepth 1 -name "base-*.tar" ! -name "$(basename "$base")" -delete
  log "base tree built in $((SECONDS - start)) s ($(du -m "$base" | cut -f1) MiB)"
fi

# --- Disk layout --------------------------------------------------------------------------
# 1 MiB alignment; p1 BIOS boot (1 MiB) for GRUB's core.img, p2 the ESP, p3 the root
# filesystem, last, so that an installer can grow it to the end of a larger disk.
base_mib=$(($(stat -c %s "$base") / 1048576))
if [[ -z "$size_mib" ]]; then
  # Room for the tree, ext4's own overhead and a little to spare; rounded up to 64 MiB.
  root_mib=$((base_mib * 5 / 4 + 128))
  size_mib=$(((1 + 1 + esp_mib + root_mib + 1 + 63) / 64 * 64))
fi
((size_mib >= base_mib + esp_mib + 64)) || die "--size $size_mib MiB is too small for $base_mib MiB of files"

raw=$out/disk.raw.tmp
mnt=$out/.mnt
work=$out/.work
loop=""
cleanup() {
  local rc=$?
  set +e
  if mountpoint -q "$mnt"; then umount "$mnt"; fi
  if [[ -n "$loop" ]]; then
    partx -d "$loop" 2>/dev/null
    losetup -d "$loop"
  fi
  rm -rf "$mnt" "$work"
  rm -f "$raw" "$out"/*.tmp
  exit $rc
}
trap cleanup EXIT
rm -f "$raw"
truncate -s "${size_mib}M" "$raw"
sgdisk --clear \
  --new=1:1M:+1M --typecode=1:21686148-6449-6E6F-744E-656564454649 --change-name=1:bios \
  --new=2:2M:+"${esp_mib}M" --typecode=2:C12A7328-F81F-11D2-BA4B-00A0C93EC93B --change-name=2:esp \
  --new=3:0:0 --typecode=3:4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709 --change-name=3:slipway-root \
  "$raw" >/dev/null

loop=$(losetup --find --show --partscan "$raw")
# In a container the kernel may not make the partition nodes by itself: ask for them.
[[ -b "${loop}p3" ]] || partx -a "$loop" 2>/dev/null || true
for _ in $(seq 50); do
  [[ -b "${loop}p3" ]] && break
  sleep 0.1
done
[[ -b "${loop}p2" && -b "${loop}p3" ]] || die "no partition devices for $loop"

root_uuid=$(cat /proc/sys/kernel/random/uuid)
esp_id=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
esp_uuid=$(echo "${esp_id:0:4}-${esp_id:4:4}" | tr a-f A-F)
mkfs.vfat -F 32 -n ESP -i "$esp_id" "${loop}p2" >/dev/null 2>&1 ||
  die "mkfs.vfat failed on ${loop}p2"
# GRUB 2.06 cannot read ext4 with metadata_csum_seed or orphan_file: keep both off.
mkfs.ext4 -q -L slipway-root -U "$root_uuid" -m 1 -O ^metadata_csum_seed,^orphan_file \
  "${loop}p3" 2>/dev/null || mkfs.ext4 -q -L slipway-root -U "$root_uuid" -m 1 "${loop}p3"
rm -rf "$work"
mkdir -p "$mnt" "$work"
mount "${loop}p3" "$mnt"
tar -C "$mnt" -xpf "$base" --numeric-owner --xattrs --xattrs-include='*'
mkdir -p "$mnt/boot/efi"

# --- Configuration ------------------------------------------------------------------------
echo "$hostname_placeholder" >"$mnt/etc/hostname"
cat >"$mnt/etc/hosts" <<EOF
127.0.0.1	localhost
127.0.1.1	$hostname_placeholder
::1	localhost ip6-localhost ip6-loopback
EOF
cat >"$mnt/etc/fstab" <<EOF
# Slipway test image. An installer that makes new filesystems rewrites these UUIDs.
UUID=$root_uuid	/	ext4	errors=remount-ro	0	1
UUID=$esp_uuid	/boot/efi	vfat	umask=0077,nofail	0	2
EOF
chmod 0644 "$mnt/etc/hostname" "$mnt/etc/hosts" "$mnt/etc/fstab"
# Every installed copy makes its own machine-id (empty file: systemd's first boot) and its own
# SSH host keys (slipway-ssh-keygen.service).
: >"$mnt/etc/machine-id"
rm -f "$mnt/var/lib/dbus/machine-id" "$mnt"/etc/ssh/ssh_host_*
# Root has no password (locked); an installer may put keys in /root/.ssh/authorized_keys.
chroot "$mnt" usermod -p '!' root
install -d -m 0700 "$mnt/root/.ssh"
install -d -m 0755 "$mnt/etc/slipway"
install -m 0755 "$files/slipway-firstboot" "$mnt/usr/local/sbin/slipway-firstboot"
install -m 0644 "$files/50-slipway-dhcp.network" "$mnt/etc/systemd/network/"
for unit in slipway-firstboot.service slipway-ready.service slipway-ssh-keygen.service; do
  install -m 0644 "$files/$unit" "$mnt/etc/systemd/system/$unit"
done
chroot "$mnt" systemctl enable --quiet systemd-networkd.service systemd-resolved.service \
  slipway-firstboot.service slipway-ready.service slipway-ssh-keygen.service

# --- Boot loader --------------------------------------------------------------------------
# One grub.cfg in /boot/grub for both firmware modes; output on the serial port and the screen.
# /vmlinuz and /initrd.img are the links Debian's kernel package keeps on the newest kernel.
[[ -e "$mnt/vmlinuz" && -e "$mnt/initrd.img" ]] || die "no /vmlinuz or /initrd.img in the tree"
mkdir -p "$mnt/boot/grub"
cat >"$mnt/boot/grub/grub.cfg" <<EOF
# Slipway test image (image/build-test-image.sh). No menu: boots at once.
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout_style=hidden
set timeout=0
set default=0
search --no-floppy --fs-uuid --set=root $root_uuid
menuentry "Slipway test image" {
	linux /vmlinuz root=UUID=$root_uuid ro console=tty0 console=ttyS0,115200n8
	initrd /initrd.img
}
EOF
# GRUB as grub-install would put it, without grub-install: it maps the boot folder to a BIOS
# drive through sysfs, which fails for loop partitions in containers, and wants the ESP
# mounted, which containers often cannot do for FAT. Both firmware modes use the same early
# config: find the root filesystem by UUID, then modules and grub.cfg from its /boot/grub.
cat >"$work/early.cfg" <<EOF
search.fs_uuid $root_uuid root
set prefix=(\$root)/boot/grub
EOF
for platform in i386-pc x86_64-efi; do
  mkdir -p "$mnt/boot/grub/$platform"
  cp /usr/lib/grub/"$platform"/*.mod /usr/lib/grub/"$platform"/*.lst "$mnt/boot/grub/$platform/"
done
# BIOS: core.img (diskboot + the kernel with these modules) goes into the BIOS boot partition,
# boot.img into the MBR (both written once the loop device is gone, see bios_embed).
grub-mkimage -O i386-pc -o "$work/core.img" -c "$work/early.cfg" -p /boot/grub \
  biosdisk part_gpt ext2 search_fs_uuid
# UEFI: the removable-media path \EFI\BOOT\BOOTX64.EFI (no NVRAM entry needed), into the ESP
# with mtools.
grub-mkimage -O x86_64-efi -o "$work/BOOTX64.EFI" -c "$work/early.cfg" -p /boot/grub \
  part_gpt ext2 search_fs_uuid
export MTOOLS_SKIP_CHECK=1
# (mtools warns that a partition has no floppy geometry; that is expected.)
mmd -i "${loop}p2" ::/EFI ::/EFI/BOOT 2>/dev/null || die "mmd failed on the ESP"
mcopy -i "${loop}p2" "$work/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI 2>/dev/null ||
  die "mcopy failed on the ESP"

# put_le FILE OFFSET BYTES VALUE: VALUE as a little-endian integer of BYTES bytes at OFFSET.
put_le() {
  local i bytes=""
  for ((i = 0; i < $3; i++)); do bytes+=$(printf '\\x%02x' $((($4 >> (8 * i)) & 255))); done
  printf '%b' "$bytes" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
# bios_embed DISK: what grub-bios-setup does for a GPT disk with a BIOS boot partition (GRUB
# 2.06, include/grub/i386/pc/boot.h): core.img at the partition's first sector, its first
# blocklist (offset 0x1f4 of diskboot) pointing at the sector after it (grub-mkimage has already
# set the length and segment); boot.img's code (the first 440 bytes, leaving the disk signature
# and the protective MBR's partition table) with the core's sector at 0x5c and the floppy
# drive check at 0x66 replaced by two NOPs, as for any hard disk.
bios_embed() {
  local disk=$1 first sectors
  first=$(sgdisk -i 1 "$disk" | awk '/^First sector:/ { print $3 }')
  sectors=$((($(stat -c %s "$work/core.img") + 511) / 512))
  ((sectors <= 2048)) || die "core.img ($sectors sectors) does not fit the BIOS boot partition"
  dd if="$work/core.img" of="$disk" bs=512 seek="$first" conv=notrunc status=none
  put_le "$disk" $((first * 512 + 0x1f4)) 8 $((first + 1))
  cp /usr/lib/grub/i386-pc/boot.img "$work/boot.img"
  put_le "$work/boot.img" $((0x5c)) 8 "$first"
  printf '\x90\x90' | dd of="$work/boot.img" bs=1 seek=$((0x66)) conv=notrunc status=none
  dd if="$work/boot.img" of="$disk" bs=440 count=1 conv=notrunc status=none
}

# --- Outputs ------------------------------------------------------------------------------
# The tarball: the root filesystem (/boot/efi is an empty mount point; the ESP holds only
# BOOTX64.EFI).
tar -C "$mnt" --one-file-system --numeric-owner --xattrs --xattrs-include='*' --sort=name \
  --exclude=./lost+found -cf - . | zstd -q -T0 -10 -o "$out/rootfs.tar.zst.tmp"
umount "$mnt"
# 0: clean; 1: something was tidied (e.g. the free-block counts); more: damage.
fsck_rc=0
e2fsck -fy "${loop}p3" >/dev/null 2>&1 || fsck_rc=$?
((fsck_rc <= 1)) || die "e2fsck found errors in the root filesystem (exit $fsck_rc)"
partx -d "$loop" 2>/dev/null || true
losetup -d "$loop"
loop=""
bios_embed "$raw"
zstd -q -T0 -10 -o "$out/disk.raw.zst.tmp" "$raw"
mv "$raw" "$out/disk.raw"
mv "$out/disk.raw.zst.tmp" "$out/disk.raw.zst"
mv "$out/rootfs.tar.zst.tmp" "$out/rootfs.tar.zst"
(cd "$out" && sha256sum disk.raw disk.raw.zst rootfs.tar.zst >SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS)

used_mib=$(($(du -k "$out/disk.raw" | cut -f1) / 1024))
log "disk.raw: ${size_mib} MiB (${used_mib} MiB used), root UUID $root_uuid, ESP $esp_uuid"
log "disk.raw.zst: $(stat -c %s "$out/disk.raw.zst") bytes; rootfs.tar.zst: $(stat -c %s "$out/rootfs.tar.zst") bytes"
log "done in $((SECONDS - start)) s: $out"
