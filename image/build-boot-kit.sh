#!/usr/bin/env bash
# Builds the boot kit: the GRUB images the install agent puts on a disk it deployed from a
# root-filesystem tarball (a disk image brings its own boot loaders; a tarball does not).
#   boot.img     GRUB's MBR code (i386-pc), 512 bytes
#   core.img     GRUB for BIOS, for the BIOS boot partition (the agent patches both, bios_boot.h)
#   BOOTX64.EFI  GRUB for UEFI, for \EFI\BOOT\ on the ESP
# Both GRUBs carry every module they need and this early configuration: find the filesystem
# holding /boot/slipway/grub.cfg (the agent writes it: kernel, initrd, root=UUID=...) and read
# it. Nothing is read from the installed tree but that file and the kernel and initrd it names,
# so trees without GRUB boot too.
# Usage: image/build-boot-kit.sh OUT_DIR   (needs grub-pc-bin and grub-efi-amd64-bin; scripts/deps.sh)
set -euo pipefail
out=${1:?usage: $0 OUT_DIR}
for d in /usr/lib/grub/i386-pc /usr/lib/grub/x86_64-efi; do
  [[ -d $d ]] || { echo "$d missing (grub-pc-bin, grub-efi-amd64-bin)" >&2; exit 1; }
done
command -v grub-mkimage >/dev/null || { echo "grub-mkimage missing (grub-common)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/early.cfg" <<'CFG'
search --no-floppy --file --set=root /boot/slipway/grub.cfg
set prefix=($root)/boot/slipway
CFG
common="part_gpt part_msdos ext2 search search_fs_file configfile normal linux echo test serial
  terminal gzio minicmd sleep"
# shellcheck disable=SC2086 # word splitting of the module lists is intended
grub-mkimage -O i386-pc -o "$work/core.img" -c "$work/early.cfg" -p /boot/slipway biosdisk $common
# shellcheck disable=SC2086
grub-mkimage -O x86_64-efi -o "$work/BOOTX64.EFI" -c "$work/early.cfg" -p /boot/slipway $common
# The BIOS boot partition the agent makes is 1 MiB.
(($(stat -c %s "$work/core.img") <= 1024 * 1024)) || { echo "core.img is larger than 1 MiB" >&2; exit 1; }
mkdir -p "$out"
install -m 0644 /usr/lib/grub/i386-pc/boot.img "$work/core.img" "$work/BOOTX64.EFI" "$out/"
