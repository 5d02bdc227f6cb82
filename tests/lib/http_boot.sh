# UEFI HTTP Boot in the virtual lab, shared by tests/e2e/http_boot_test.sh and
# https_boot_test.sh: the appliance with TFTP off, a capture of the lab bridge (tcpdump, read with
# tshark) as the oracle for what went over which protocol, one OVMF VM booting by HTTP Boot only,
# and the checks on the capture. Source after common.sh and lab.sh.

# http_boot_lab NS [YAML]: the lab network NS, the appliance in it (with TFTP off, plus YAML
# appended to its configuration) and a capture of br0 in $WORK/lab.pcap (HB_CAPTURE_PID).
http_boot_lab() {
  local ns=$1 extra=${2:-}
  for tool in tcpdump tshark; do
    command -v "$tool" >/dev/null || fail "$tool missing (scripts/deps.sh installs it)"
  done
  lab_assets "$BUILD_DIR"
  lab_probe_accel
  lab_network "$ns"
  lab_config "$WORK/slipway.yaml" "$WORK/data"
  printf 'tftp:\n  enabled: false\n%s' "$extra" >>"$WORK/slipway.yaml"
  export SLIPWAY_URL=http://$LAB_SERVER_IP:8080
  start_slipway "$ns" "$WORK/slipway.yaml" "$WORK/slipway.log"
  grep -q "serving .* tftp=off" "$WORK/slipway.log" || fail "the appliance did not start with TFTP off"
  # The capture starts before the VM so that its first DHCP packet is in it. -U: each packet is
  # written at once, so stopping tcpdump loses nothing.
  HB_PCAP=$WORK/lab.pcap
  spawn_in_ns "$ns" "$WORK/tcpdump.log" tcpdump -i br0 -n -U -w "$HB_PCAP"
  HB_CAPTURE_PID=$SPAWNED_PID
  wait_until 10 "tcpdump to listen on br0" grep -q "listening on br0" "$WORK/tcpdump.log"
}

# http_boot_vm NS NAME FIRMWARE [lab_vm OPTION...]: one VM that boots until its agent reports
# and it powers off; then the capture stops and the machine record is checked. Sets HB_MAC,
# HB_ELAPSED (seconds from VM start to the report) and HB_REQUESTS (the VM's plain HTTP
# requests: frame|time|method|uri|user agent).
http_boot_vm() {
  local ns=$1 name=$2 firmware=$3
  shift 3
  HB_MAC=52:54:00:e2:68:$(printf '%02x' $((RANDOM % 256)))
  local mac=$HB_MAC uuid
  uuid=$(printf '5a1e00e2-6874-4000-8000-%012x' "$RANDOM$RANDOM")
  local start=$SECONDS
  lab_vm "$ns" "$name" "$firmware" "$mac" "$uuid" "$@"
  local vm_pid=$LAB_VM_PID
  reported() {
    in_ns "$ns" "$SLIPWAY_BIN" machines list --json |
      jq -e '[.machines[] | select(.agent_event == "booted")] | length == 1' >/dev/null
  }
  wait_until 240 "the VM's agent to report" reported
  HB_ELAPSED=$((SECONDS - start))
  # The runtime powers the VM off after its report.
  wait_until 60 "the VM to power off" bash -c "! kill -0 $vm_pid"
  stop_pid "$HB_CAPTURE_PID"

  local machines
  machines=$(in_ns "$ns" "$SLIPWAY_BIN" machines list --json)
  echo "$machines" | jq -e --arg mac "$mac" --arg uuid "$uuid" '
    .machines | length == 1 and
    (.[0] | .uuid == $uuid and .state == "ready" and .firmware == "uefi"
            and .agent_event == "booted" and (.interfaces | map(.mac) | index($mac)) != null)' \
    >/dev/null || fail "machine record not as expected: $machines"
  grep -q "agent report machine=.* mac=$mac event=booted" "$WORK/slipway.log" ||
    fail "no agent report from $mac in the appliance log"
  pass "the agent reported: mac=$mac uuid=$uuid"

  HB_REQUESTS=$(tshark -r "$HB_PCAP" -Y "http.request && eth.src == $mac" -T fields -E separator='|' \
    -e frame.number -e frame.time_relative -e http.request.method -e http.request.uri \
    -e http.user_agent 2>/dev/null)
  log "HTTP requests from $mac (frame|time|method|uri|user agent):"$'\n'"$HB_REQUESTS"
}

# http_boot_check_no_tftp: not a TFTP request in the capture, not an error packet.
http_boot_check_no_tftp() {
  local packets
  packets=$(tshark -r "$HB_PCAP" -Y "udp.port == 69" 2>/dev/null | wc -l)
  [[ "$packets" == 0 ]] || fail "$packets packets on UDP port 69"
  pass "no UDP port 69 packet on the bridge"
}

# http_boot_check_dhcp LOADER_URL: the firmware's DHCP, an offer and an ack to the VM echoing
# "HTTPClient" (what tells OVMF that the file field is an HTTP Boot URI) with LOADER_URL. iPXE's
# own exchange comes later.
http_boot_check_dhcp() {
  local loader_url=$1 replies type
  replies=$(tshark -r "$HB_PCAP" -Y "(dhcp.option.dhcp == 2 || dhcp.option.dhcp == 5) && dhcp.hw.mac_addr == $HB_MAC" \
    -T fields -E separator='|' -e frame.number -e dhcp.option.dhcp -e dhcp.option.vendor_class_id \
    -e dhcp.file -e dhcp.option.bootfile_name 2>/dev/null)
  log "DHCP replies to $HB_MAC (frame|type|option 60|file|option 67):"$'\n'"$replies"
  for type in 2 5; do
    grep -q "^[0-9]*|$type|HTTPClient|$loader_url|" <<<"$replies" ||
      fail "no DHCP reply of type $type with option 60 HTTPClient and file $loader_url"
  done
  pass "the DHCP offer and ack carry option 60 HTTPClient and file $loader_url"
}

# http_boot_first_get URI_REGEX AGENT_REGEX: the frame number of the VM's first plain HTTP GET
# of a matching URI by a matching User-Agent (empty when there is none).
http_boot_first_get() {
  awk -F'|' -v uri="$1" -v agent="$2" \
    '$3 == "GET" && $4 ~ uri && $5 ~ agent { print $1; exit }' <<<"$HB_REQUESTS"
}

# http_boot_check_order STEP...: plain HTTP GETs by the VM in this order, each STEP
# "URI_REGEX|AGENT_REGEX". HB_FIRST_FRAME is the frame of the first step.
http_boot_check_order() {
  local last=0 step frame
  HB_FIRST_FRAME=
  for step in "$@"; do
    frame=$(http_boot_first_get "${step%|*}" "${step#*|}")
    [[ -n "$frame" ]] || fail "no HTTP GET of ${step%|*} by ${step#*|}"
    ((frame > last)) || fail "GET ${step%|*} (frame $frame) came before the previous step (frame $last)"
    last=$frame
    HB_FIRST_FRAME=${HB_FIRST_FRAME:-$frame}
  done
}

# http_boot_ipxe_steps: the steps of http_boot_check_order for what iPXE fetches: its script
# (iPXE percent-encodes the colons of the MAC), the kernel and the initrd.
http_boot_ipxe_steps() {
  printf '%s\n' "^/boot/ipxe[?]mac=${HB_MAC//:/%3A}&|^iPXE/" \
    "^/assets/runtime/vmlinuz$|^iPXE/" "^/assets/runtime/initrd[.]gz$|^iPXE/"
}

# http_boot_log_times [LABEL TIME]...: where the time went, from the capture: first DHCP
# discover, the given events, the script GET; then boot-to-report.
http_boot_log_times() {
  local discover times=""
  discover=$(tshark -r "$HB_PCAP" -Y "dhcp.option.dhcp == 1 && dhcp.hw.mac_addr == $HB_MAC" -T fields \
    -e frame.time_relative 2>/dev/null | head -n 1)
  while (($# >= 2)); do
    times+=" $1 ${2}s,"
    shift 2
  done
  local script
  script=$(http_boot_first_get '^/boot/ipxe' '')
  log "capture times: first discover ${discover}s,$times script GET" \
    "$(awk -F'|' -v f="$script" '$1 == f { print $2 }' <<<"$HB_REQUESTS")s"
  log "boot-to-report: ${HB_ELAPSED}s (accel $LAB_ACCEL)"
}
