#!/bin/sh
# dhclient's -sf script for tests: configures the address it was given and records each event
# in $HOOK_LOG (reason and address), instead of touching the host's resolv.conf or routes.
echo "$reason ${new_ip_address:-} ${new_subnet_mask:-}" >>"${HOOK_LOG:-/dev/null}"
case "$reason" in
  BOUND | RENEW | REBIND | REBOOT)
    ip addr flush dev "$interface" scope global 2>/dev/null
    ip addr add "$new_ip_address/24" dev "$interface"
    ;;
esac
exit 0
