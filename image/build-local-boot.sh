#!/usr/bin/env bash
# Builds localboot.efi: the loader a UEFI machine chainloads from its iPXE script when the
# appliance sends it to its local disk (a deployed machine, or one whose image is written).
# UEFI firmware does not reliably go on to the disk when iPXE exits (it tries the NIC's IPv6
# PXE and HTTP boot options first, or stops in its boot manager), so this GRUB image, with its
# configuration built in, looks for an EFI system partition on the local disks holding a known
# loader and starts it. Nothing is read from the network after it is loaded.
# Usage: image/build-local-boot.sh OUT_FILE   (needs grub-efi-amd64-bin; scripts/deps.sh has it)
set -euo pipefail
out=${1:?usage: $0 OUT_FILE}
command -v grub-mkstandalone >/dev/null || { echo "grub-mkstandalone missing (grub-common)" >&2; exit 1; }
[[ -d /usr/lib/grub/x86_64-efi ]] || { echo "/usr/lib/grub/x86_64-efi missing (grub-efi-amd64-bin)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The removable-media path first (what image installs and most installers write), then the
# usual distribution paths; shim before grub so Secure Boot setups keep their chain.
cat >"$work/grub.cfg" <<'CFG'
set timeout=0
for loader in /EFI/BOOT/BOOTX64.EFI /EFI/debian/shimx64.efi /EFI/debian/grubx64.efi \
    /EFI/ubuntu/shimx64.efi /EFI/ubuntu/grubx64.efi /EFI/redhat/shimx64.efi \
    /EFI/centos/shimx64.efi /EFI/fedora/shimx64.efi; do
  if search --no-floppy --file --set=esp $loader; then
    echo "slipway: booting the local disk: ($esp)$loader"
    # The EFI chainloader takes the device from root, not from the path.
    set root=$esp
    chainloader $loader
    boot
  fi
done
echo "slipway: no local disk holds an EFI boot loader; handing back to the firmware"
sleep 5
exit 1
CFG
modules="part_gpt part_msdos fat search search_fs_file chain echo sleep minicmd"
grub-mkstandalone -O x86_64-efi --modules="$modules" --install-modules="$modules normal" \
  --locales= --fonts= --themes= -o "$work/localboot.efi" "boot/grub/grub.cfg=$work/grub.cfg"
install -m 0644 "$work/localboot.efi" "$out"
