#!/usr/bin/env bash
# End to end: a QEMU VM boots by UEFI HTTP Boot only, with no TFTP anywhere.
#   OVMF HTTP Boot (PXE switched off) -> DHCP "HTTPClient" -> HTTP GET /assets/ipxe.efi
#   -> iPXE's own DHCP -> HTTP script, kernel, initrd -> runtime -> agent report
# The appliance runs with tftp.enabled false; a capture of the lab bridge (tcpdump, read with
# tshark) is the oracle for what went over which protocol (tests/lib/http_boot.sh).
# Usage: http_boot_test.sh BUILD_DIR
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/lab.sh"
source "$(dirname "$0")/../lib/http_boot.sh"
slipway_bins "$1"
slipway_test_init e2e-http-boot

ns=swe-http-$$
http_boot_lab "$ns"
http_boot_vm "$ns" http1 uefi-http
http_boot_check_no_tftp
http_boot_check_dhcp "$SLIPWAY_URL/assets/ipxe.efi"

# Plain HTTP requests from the VM, in order: the firmware fetches the loader (its User-Agent is
# UefiHttpBoot), then iPXE its script, the kernel and the initrd.
mapfile -t ipxe_steps < <(http_boot_ipxe_steps)
http_boot_check_order "^/assets/ipxe[.]efi$|^UefiHttpBoot/" "${ipxe_steps[@]}"
grep -q "ipxe script machine=.* mac=$HB_MAC" "$WORK/slipway.log" || fail "no iPXE script served to $HB_MAC"
pass "OVMF fetched ipxe.efi by HTTP; iPXE then fetched its script, the kernel and the initrd"

http_boot_log_times "loader GET" \
  "$(awk -F'|' -v f="$HB_FIRST_FRAME" '$1 == f { print $2 }' <<<"$HB_REQUESTS")"
