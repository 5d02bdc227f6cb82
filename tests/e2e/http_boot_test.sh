#!/usr/bin/env bash
# End to end: a QEMU VM boots by UEFI HTTP Boot only, with no TFTP anywhere.
#   OVMF HTTP Boot (PXE switched off) -> DHCP "HTTPClient" -> HTTP GET /assets/ipxe.efi
#   -> iPXE's own DHCP -> HTTP script, kernel, initrd -> runtime -> agent report
# The appliance runs with tftp.enabled false; a capture of the lab bridge (tcpdump, read with
# tshark) is the oracle for what went over which protocol.
# Usage: http_boot_test.sh BUILD_DIR
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/lab.sh"
slipway_bins "$1"
slipway_test_init e2e-http-boot
for tool in tcpdump tshark; do
  command -v "$tool" >/dev/null || fail "$tool missing (scripts/deps.sh installs it)"
done

lab_assets "$BUILD_DIR"
lab_probe_accel
ns=swe-http-$$
lab_network "$ns"
lab_config "$WORK/slipway.yaml" "$WORK/data"
cat >>"$WORK/slipway.yaml" <<YAML
tftp:
  enabled: false
YAML
export SLIPWAY_URL=http://$LAB_SERVER_IP:8080
start_slipway "$ns" "$WORK/slipway.yaml" "$WORK/slipway.log"
grep -q "serving .* tftp=off" "$WORK/slipway.log" || fail "the appliance did not start with TFTP off"

# The capture starts before the VM so that its first DHCP packet is in it. -U: each packet is
# written at once, so stopping tcpdump loses nothing.
pcap=$WORK/lab.pcap
spawn_in_ns "$ns" "$WORK/tcpdump.log" tcpdump -i br0 -n -U -w "$pcap"
capture_pid=$SPAWNED_PID
wait_until 10 "tcpdump to listen on br0" grep -q "listening on br0" "$WORK/tcpdump.log"

mac=52:54:00:e2:68:$(printf '%02x' $((RANDOM % 256)))
uuid=$(printf '5a1e00e2-6874-4000-8000-%012x' "$RANDOM$RANDOM")
start=$SECONDS
lab_vm "$ns" http1 uefi-http "$mac" "$uuid"
vm_pid=$LAB_VM_PID

reported() {
  in_ns "$ns" "$SLIPWAY_BIN" machines list --json |
    jq -e '[.machines[] | select(.agent_event == "booted")] | length == 1' >/dev/null
}
wait_until 240 "the VM's agent to report" reported
elapsed=$((SECONDS - start))
# The runtime powers the VM off after its report.
wait_until 60 "the VM to power off" bash -c "! kill -0 $vm_pid"
stop_pid "$capture_pid"

machines=$(in_ns "$ns" "$SLIPWAY_BIN" machines list --json)
echo "$machines" | jq -e --arg mac "$mac" --arg uuid "$uuid" '
  .machines | length == 1 and
  (.[0] | .uuid == $uuid and .state == "ready" and .firmware == "uefi"
          and .agent_event == "booted" and (.interfaces | map(.mac) | index($mac)) != null)' \
  >/dev/null || fail "machine record not as expected: $machines"
grep -q "agent report machine=.* mac=$mac event=booted" "$WORK/slipway.log" ||
  fail "no agent report from $mac in the appliance log"
pass "the agent reported: mac=$mac uuid=$uuid"

# No TFTP at all: not a request, not an error packet.
tftp_packets=$(tshark -r "$pcap" -Y "udp.port == 69" 2>/dev/null | wc -l)
[[ "$tftp_packets" == 0 ]] || fail "$tftp_packets packets on UDP port 69"
pass "no UDP port 69 packet on the bridge"

# The firmware's DHCP: an offer and an ack to the VM echoing "HTTPClient" (what tells OVMF that
# the file field is an HTTP Boot URI) with the loader's URL. iPXE's own exchange comes later.
loader_url=$SLIPWAY_URL/assets/ipxe.efi
dhcp_replies=$(tshark -r "$pcap" -Y "(dhcp.option.dhcp == 2 || dhcp.option.dhcp == 5) && dhcp.hw.mac_addr == $mac" \
  -T fields -E separator='|' -e frame.number -e dhcp.option.dhcp -e dhcp.option.vendor_class_id \
  -e dhcp.file -e dhcp.option.bootfile_name 2>/dev/null)
log "DHCP replies to $mac (frame|type|option 60|file|option 67):"$'\n'"$dhcp_replies"
for type in 2 5; do
  grep -q "^[0-9]*|$type|HTTPClient|$loader_url|" <<<"$dhcp_replies" ||
    fail "no DHCP reply of type $type with option 60 HTTPClient and file $loader_url"
done
pass "the DHCP offer and ack carry option 60 HTTPClient and file $loader_url"

# HTTP requests from the VM, in order: the firmware fetches the loader (its User-Agent is
# UefiHttpBoot), then iPXE its script, the kernel and the initrd.
requests=$(tshark -r "$pcap" -Y "http.request && eth.src == $mac" -T fields -E separator='|' \
  -e frame.number -e frame.time_relative -e http.request.method -e http.request.uri \
  -e http.user_agent 2>/dev/null)
log "HTTP requests from $mac (frame|time|method|uri|user agent):"$'\n'"$requests"
# first_get URI_REGEX AGENT_REGEX: the frame number of the first GET of a matching URI by a
# matching User-Agent (empty when there is none).
first_get() {
  awk -F'|' -v uri="$1" -v agent="$2" \
    '$3 == "GET" && $4 ~ uri && $5 ~ agent { print $1; exit }' <<<"$requests"
}
last=0
# iPXE percent-encodes the colons of the MAC in the script URL.
for step in "^/assets/ipxe[.]efi$|^UefiHttpBoot/" "^/boot/ipxe[?]mac=${mac//:/%3A}&|^iPXE/" \
  "^/assets/runtime/vmlinuz$|^iPXE/" "^/assets/runtime/initrd[.]gz$|^iPXE/"; do
  frame=$(first_get "${step%|*}" "${step#*|}")
  [[ -n "$frame" ]] || fail "no HTTP GET of ${step%|*} by ${step#*|}"
  ((frame > last)) || fail "GET ${step%|*} (frame $frame) came before the previous step (frame $last)"
  last=$frame
done
grep -q "ipxe script machine=.* mac=$mac" "$WORK/slipway.log" || fail "no iPXE script served to $mac"
pass "OVMF fetched ipxe.efi by HTTP; iPXE then fetched its script, the kernel and the initrd"

# Where the time went, from the capture: first DHCP discover, loader fetched, script fetched.
t_of() { awk -F'|' -v f="$1" '$1 == f { print $2 }' <<<"$requests"; }
discover=$(tshark -r "$pcap" -Y "dhcp.option.dhcp == 1 && dhcp.hw.mac_addr == $mac" -T fields \
  -e frame.time_relative 2>/dev/null | head -n 1)
log "capture times: first discover ${discover}s, loader GET $(t_of "$(first_get '^/assets/ipxe' '')")s," \
  "script GET $(t_of "$(first_get '^/boot/ipxe' '')")s"
log "boot-to-report: ${elapsed}s (accel $LAB_ACCEL)"
