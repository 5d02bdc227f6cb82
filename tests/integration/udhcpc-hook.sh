#!/bin/sh
# busybox udhcpc's -s script for tests: configures the address and records each event in
# $HOOK_LOG (event, address, boot file, server, then options as key=value).
echo "$1 ${ip:-} ${boot_file:-} ${siaddr:-} router=${router:-} ntp=${ntpsrv:-} mtu=${mtu:-}" \
  "host=${hostname:-} routes=${staticroutes:-}" | sed 's/routes=\(.*\)/routes=\1/' >>"${HOOK_LOG:-/dev/null}"
case "$1" in
  bound | renew)
    ip addr flush dev "$interface" scope global 2>/dev/null
    ip addr add "$ip/${mask:-24}" dev "$interface"
    ;;
esac
exit 0
