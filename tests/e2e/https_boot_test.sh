#!/usr/bin/env bash
# End to end: UEFI HTTPS Boot. A QEMU VM boots by UEFI HTTP Boot only (no TFTP anywhere) and its
# firmware fetches the loader over TLS from the appliance's HTTPS port (https.boot: true):
#   appliance starts -> its CA over plain HTTP (/tls/ca.crt) -> EDK2 cacerts -> OVMF (fw_cfg)
#   -> DHCP "HTTPClient" with https://SERVER:8443/assets/ipxe.efi -> TLS GET of the loader
#   -> iPXE (no TLS in Debian's) fetches its script, kernel and initrd over plain HTTP -> report
# The capture cannot read TLS: the appliance's access log shows the loader's GET, the capture
# that the VM connected to port 8443 and sent no plain GET for the loader.
# Usage: https_boot_test.sh BUILD_DIR
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/lab.sh"
source "$(dirname "$0")/../lib/http_boot.sh"
slipway_bins "$1"
slipway_test_init e2e-https-boot

ns=swe-https-$$
http_boot_lab "$ns" $'https:\n  boot: true\n'
https_port=8443
grep -q "serving .* https=[0-9.]*:$https_port " "$WORK/slipway.log" ||
  fail "the appliance does not serve HTTPS on port $https_port"

# OVMF trusts only the CAs it is given: the appliance's own, fetched as any client would.
in_ns "$ns" curl -sf "$SLIPWAY_URL/tls/ca.crt" -o "$WORK/ca.crt" || fail "GET /tls/ca.crt failed"
lab_edk2_cacerts "$WORK/ca.crt" "$WORK/cacerts.esl"
log "CA: $(openssl x509 -in "$WORK/ca.crt" -noout -subject)"

http_boot_vm "$ns" https1 uefi-https --cacerts "$WORK/cacerts.esl"
http_boot_check_no_tftp
loader_url=https://$LAB_SERVER_IP:$https_port/assets/ipxe.efi
http_boot_check_dhcp "$loader_url"

# The firmware's TLS connection: a SYN from the address the DHCP ack gave the VM to port 8443,
# and the appliance's ServerHello back (the handshake got that far; the access log shows the rest).
vm_ip=$(tshark -r "$HB_PCAP" -Y "dhcp.option.dhcp == 5 && dhcp.hw.mac_addr == $HB_MAC" -T fields \
  -e dhcp.ip.your 2>/dev/null | head -n 1)
[[ -n "$vm_ip" ]] || fail "no DHCP ack to $HB_MAC in the capture"
syn=$(tshark -r "$HB_PCAP" -Y "tcp.dstport == $https_port && tcp.flags.syn == 1 && tcp.flags.ack == 0 && ip.src == $vm_ip && eth.src == $HB_MAC" \
  -T fields -e frame.number -e frame.time_relative 2>/dev/null | head -n 1)
[[ -n "$syn" ]] || fail "no TCP SYN from $vm_ip to port $https_port"
# Decode-as: TLS on this port whatever tshark's heuristics make of the first segments (in one
# CI run they left the handshake undissected).
server_hellos=$(tshark -r "$HB_PCAP" -d "tcp.port==$https_port,tls" \
  -Y "tcp.srcport == $https_port && ip.dst == $vm_ip && tls.handshake.type == 2" 2>/dev/null | wc -l)
if ((server_hellos == 0)); then
  tshark -r "$HB_PCAP" -d "tcp.port==$https_port,tls" -Y "tcp.port == $https_port" -T fields \
    -e frame.number -e ip.src -e tcp.len -e tcp.flags.str -e tls.handshake.type 2>&1 | head -n 30 >&2
  fail "no TLS ServerHello from port $https_port to $vm_ip (frames on the port above)"
fi
pass "the VM ($vm_ip) connected to port $https_port (frame ${syn%%$'\t'*}) and got a TLS ServerHello"

# What went over TLS, from the appliance's access log (Common Log Format).
grep -E "^$vm_ip .*\"GET /assets/ipxe[.]efi HTTP/1[.][01]\" 200 " "$WORK/data/access.log" ||
  fail "no 200 GET /assets/ipxe.efi from $vm_ip in the access log"
[[ -z "$(http_boot_first_get '^/assets/ipxe[.]efi$' '')" ]] ||
  fail "the VM fetched ipxe.efi over plain HTTP"
pass "OVMF fetched ipxe.efi over HTTPS (access log), not over plain HTTP (capture)"

# Then iPXE, over plain HTTP, after the firmware's TLS connection: its script, kernel, initrd.
mapfile -t ipxe_steps < <(http_boot_ipxe_steps)
http_boot_check_order "${ipxe_steps[@]}"
((HB_FIRST_FRAME > ${syn%%$'\t'*})) || fail "iPXE's script GET came before the firmware's TLS connection"
grep -q "ipxe script machine=.* mac=$HB_MAC" "$WORK/slipway.log" || fail "no iPXE script served to $HB_MAC"
pass "iPXE then fetched its script, the kernel and the initrd over plain HTTP"

http_boot_log_times "TLS SYN" "${syn##*$'\t'}"
