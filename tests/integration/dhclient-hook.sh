#!/bin/sh
# dhclient's -sf script for tests: configures the address it was given and records each event
# in $HOOK_LOG (reason, address, then options as key=value), instead of touching the host's
# resolv.conf or routes.
echo "$reason ${new_ip_address:-} mask=${new_subnet_mask:-} ntp=${new_ntp_servers:-}" \
  "mtu=${new_interface_mtu:-} domain=${new_domain_name:-} host=${new_host_name:-}" >>"${HOOK_LOG:-/dev/null}"
case "$reason" in
  BOUND | RENEW | REBIND | REBOOT)
    ip addr flush dev "$interface" scope global 2>/dev/null
    ip addr add "$new_ip_address/24" dev "$interface"
    ;;
esac
exit 0
