#!/usr/bin/env bash
# End to end: power-on and enrollment. Three different QEMU VMs sit powered off behind a virtual
# BMC (tests/lab/virtual_bmc) on the lab bridge. `slipway power on MAC...` wakes them with
# Wake-on-LAN in both forms (UDP broadcast and raw EtherType 0x0842 frames on br0); the BMC starts
# each VM, which network-boots the runtime, and the agent's report carries the hardware facts.
#   auto:    every machine becomes `ready` by itself
#   approve: every machine waits in `inspecting` with awaiting_approval until
#            `slipway machines approve NAME` makes it `ready`; approving twice is refused
# Checks: `power on` exits 0 and reports each machine booted; the BMC saw both WoL forms for each;
# the facts match QEMU's configuration (-uuid, -smp, disk size to the byte, memory, NIC MACs); the
# two-NIC VM is one record holding both MACs; the enrollment rules named and labelled each machine
# (the first named matching rule names, every matching rule labels, a non-matching one does not).
# Usage: enrollment_test.sh BUILD_DIR auto|approve
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/lab.sh"
slipway_bins "$1"
policy=${2:?usage: $0 BUILD_DIR auto|approve}
[[ "$policy" == auto || "$policy" == approve ]] || fail "unknown policy $policy"
slipway_test_init "e2e-enroll-$policy"

lab_assets "$BUILD_DIR"
lab_probe_accel
ns=swe-en-$policy-$$
lab_network "$ns"
lab_config "$WORK/slipway.yaml" "$WORK/data"
# Rule 1 names and labels by MAC prefix; rule 2 (DMI globs, matched case-insensitively) only
# labels, and its name must lose to rule 1's; rule 3 matches nothing.
cat >>"$WORK/slipway.yaml" <<YAML
enrollment:
  policy: $policy
  rules:
    - match: {mac_prefix: "52:54:00:e5"}
      name: "lab-{mac}"
      labels: {rack: lab}
    - match: {vendor: "qemu*", product: "*"}
      name: "not-this-{serial}"
      labels: {virt: qemu}
    - match: {mac_prefix: "52:54:00:ff"}
      labels: {wrong: rule}
power:
  wol: {mode: both, interface: br0, broadcast: 198.18.0.255}
  rate_per_second: 2
  confirm_timeout_s: 240
YAML
export SLIPWAY_URL=http://$LAB_SERVER_IP:8080
start_slipway "$ns" "$WORK/slipway.yaml" "$WORK/slipway.log"

# Three different machines. vm2 has a second NIC on the bridge that never boots.
vms=(vm1 vm2 vm3)
declare -A firmware=([vm1]=bios [vm2]=bios [vm3]=uefi)
declare -A memory_mib=([vm1]=384 [vm2]=512 [vm3]=640)
declare -A cpus=([vm1]=1 [vm2]=2 [vm3]=3)
declare -A disk_gib=([vm1]=1 [vm2]=2 [vm3]=3)
declare -A disk_bus=([vm1]=virtio [vm2]=ahci [vm3]=virtio)
declare -A mac mac2 uuid pidfile name vm_pid
bmc_args=()
n=0
for vm in "${vms[@]}"; do
  n=$((n + 1))
  mac[$vm]=$(printf '52:54:00:e5:0%d:%02x' "$n" $((RANDOM % 256)))
  uuid[$vm]=$(printf '5a1e00e5-%04x-4000-8000-%012x' "$n" "$RANDOM$RANDOM")
  name[$vm]=lab-${mac[$vm]//:/}
  extra=()
  if [[ $vm == vm2 ]]; then
    mac2[$vm]=$(printf '52:54:00:e5:1%d:%02x' "$n" $((RANDOM % 256)))
    extra=(--nic2 "${mac2[$vm]}")
  fi
  lab_vm "$ns" "$vm" "${firmware[$vm]}" "${mac[$vm]}" "${uuid[$vm]}" --memory "${memory_mib[$vm]}" \
    --cpus "${cpus[$vm]}" --disk "${disk_gib[$vm]}G" --disk-bus "${disk_bus[$vm]}" \
    "${extra[@]}" --command-only
  pidfile[$vm]=$LAB_VM_PIDFILE
  bmc_args+=(--machine "${mac[$vm]}=$LAB_VM_COMMAND")
done
# verdicts MAC VERDICT: how many magic packets for MAC the BMC judged VERDICT.
verdicts() { grep -c "^magic .*target=$1 .*verdict=$2\$" "$WORK/bmc.log" || true; }
# The BMC on its own bridge port (lab_bmc): the appliance's magic packets must cross the bridge.
lab_bmc "$ns" "$WORK/bmc.log" "${bmc_args[@]}"
# Powered off until woken: no VM may be running yet.
for vm in "${vms[@]}"; do
  [[ ! -e "${pidfile[$vm]}" ]] || fail "$vm runs before anything woke it"
done

# Power on by MAC: the machines are not in the inventory yet.
start=$SECONDS
macs=()
for vm in "${vms[@]}"; do macs+=("${mac[$vm]}"); done
spawn_in_ns "$ns" "$WORK/power.log" "$SLIPWAY_BIN" power on "${macs[@]}" --timeout 300
power_pid=$SPAWNED_PID
# Each VM's QEMU is the BMC's child; the cleanup must know it as soon as it runs.
for vm in "${vms[@]}"; do
  wait_until 60 "the BMC to start $vm (${mac[$vm]})" test -s "${pidfile[$vm]}"
  vm_pid[$vm]=$(cat "${pidfile[$vm]}")
  track_pid "${vm_pid[$vm]}"
done
wait_until 330 "slipway power on to finish" bash -c "! kill -0 $power_pid"
rc=0
wait "$power_pid" || rc=$?
forget_pid "$power_pid"
power_out=$(cat "$WORK/power.log")
[[ $rc == 0 ]] || fail "slipway power on ${macs[*]} exited $rc: $power_out"
for vm in "${vms[@]}"; do
  # "MAC: wake sent", then "MAC: booted ... N s ..." (booted: it asked DHCP for an address).
  grep -qiE "^${mac[$vm]}\b.*\bsent\b" <<<"$power_out" ||
    fail "power on did not report the wake sent to $vm (${mac[$vm]}): $power_out"
  grep -qiE "^${mac[$vm]}\b.*\bbooted\b.*\b[0-9]+(\.[0-9]+)? ?s\b" <<<"$power_out" ||
    fail "power on did not report $vm (${mac[$vm]}) booted after some seconds: $power_out"
  for form in udp raw; do
    grep -q "^magic form=$form .*target=${mac[$vm]} " "$WORK/bmc.log" ||
      fail "the BMC saw no $form magic packet for $vm (${mac[$vm]}) (wol mode both)"
  done
  woken=$(verdicts "${mac[$vm]}" wake)
  [[ $woken == 1 ]] || fail "$vm was woken $woken times"
done
# The job, over REST: every machine booted, and rate_per_second: 2 paced the wakes at least 0.5 s
# apart (0.4 s allows for timer jitter).
job_id=$(sed -n 's/^power job \([0-9][0-9]*\).*/\1/p' <<<"$power_out")
[[ -n "$job_id" ]] || fail "power on did not name its job: $power_out"
job=$(in_ns "$ns" curl -sf "${SLIPWAY_AUTH[@]}" "$SLIPWAY_URL/api/v1/power/jobs/$job_id") || fail "GET power job $job_id failed"
jq -e --arg n "${#vms[@]}" '.job.done and (.job.machines | length == ($n | tonumber) and
  all(.status == "booted"))' <<<"$job" >/dev/null || fail "power job $job_id not done with all booted: $job"
gaps=$(jq -r '[.job.machines[].sent_after_s] | sort | [range(1; length) as $i | .[$i] - .[$i - 1]] |
  map(. * 1000 | round / 1000) | join(" ")' <<<"$job")
jq -e '[.job.machines[].sent_after_s] | sort | all(range(1; length) as $i | .[$i] - .[$i - 1]; . >= 0.4)' \
  <<<"$job" >/dev/null || fail "wakes $gaps s apart, rate_per_second is 2: $job"
grep -q "^magic form=udp port=9 " "$WORK/bmc.log" ||
  fail "no UDP magic packet to port 9: $(grep '^magic' "$WORK/bmc.log")"
pass "power on woke ${#vms[@]} machines by MAC (UDP and raw forms, ${gaps}s apart) and saw each boot: $(tr '\n' ';' <<<"$power_out")"

# Inspected: under auto each is ready, under approve each waits for approval.
if [[ $policy == auto ]]; then
  want='.state == "ready" and .awaiting_approval == false'
else
  want='.state == "inspecting" and .awaiting_approval == true'
fi
inspected() {
  in_ns "$ns" "$SLIPWAY_BIN" machines list --json | jq -e --arg n "${#vms[@]}" \
    "[.machines[] | select($want)] | length == (\$n | tonumber)" >/dev/null
}
wait_until 420 "every machine to be inspected ($want)" inspected
elapsed=$((SECONDS - start))
machines=$(in_ns "$ns" "$SLIPWAY_BIN" machines list --json)
[[ $(jq '.machines | length' <<<"$machines") == "${#vms[@]}" ]] ||
  fail "expected ${#vms[@]} machine records (the two-NIC VM is one machine), have: $machines"
pass "all ${#vms[@]} machines inspected ($want) ${elapsed}s after power on"

# The facts against QEMU's configuration.
for vm in "${vms[@]}"; do
  show=$(in_ns "$ns" "$SLIPWAY_BIN" machines show "${mac[$vm]}" --json) ||
    fail "machines show ${mac[$vm]} failed: $show"
  m=$(jq '.machine' <<<"$show")
  what="$vm (${mac[$vm]})"
  [[ $(jq -r '.uuid' <<<"$m") == "${uuid[$vm]}" ]] || fail "$what: uuid is not -uuid ${uuid[$vm]}: $m"
  jq -e '.facts | type == "object"' <<<"$m" >/dev/null || fail "$what: no facts after inspection: $m"
  f=$(jq '.facts' <<<"$m")
  [[ $(jq -r '.firmware' <<<"$f") == "${firmware[$vm]}" ]] ||
    fail "$what: facts.firmware $(jq -c '.firmware' <<<"$f"), QEMU ran ${firmware[$vm]}"
  [[ $(jq -r '.dmi.uuid | ascii_downcase' <<<"$f") == "${uuid[$vm]}" ]] ||
    fail "$what: facts.dmi.uuid $(jq -c '.dmi.uuid' <<<"$f") is not -uuid ${uuid[$vm]}"
  [[ $(jq -r '.cpu.threads' <<<"$f") == "${cpus[$vm]}" ]] ||
    fail "$what: facts.cpu.threads $(jq -c '.cpu.threads' <<<"$f"), QEMU ran -smp ${cpus[$vm]}"
  bytes=$((disk_gib[$vm] << 30))
  jq -e --argjson b "$bytes" '[.disks[] | select(.size_bytes > 0)] | length == 1 and .[0].size_bytes == $b' \
    <<<"$f" >/dev/null ||
    fail "$what: expected one disk of exactly $bytes bytes (${disk_gib[$vm]} GiB ${disk_bus[$vm]}), facts.disks: $(jq -c '.disks' <<<"$f")"
  configured=$((memory_mib[$vm] << 20))
  total=$(jq '.memory.total_bytes' <<<"$f")
  ((total * 100 >= configured * 70 && total <= configured)) ||
    fail "$what: facts.memory.total_bytes $total is not 70-100% of -m ${memory_mib[$vm]} ($configured bytes)"
  dimms=$(jq '[.memory.dimms[]?.size_bytes] | if length == 0 then "none" else add end' <<<"$f")
  [[ $dimms == '"none"' || $dimms == "$configured" ]] ||
    fail "$what: the DIMMs add up to $dimms bytes, QEMU has $configured: $(jq -c '.memory.dimms' <<<"$f")"
  for nic_mac in "${mac[$vm]}" ${mac2[$vm]:+"${mac2[$vm]}"}; do
    jq -e --arg mac "$nic_mac" '[.nics[].mac | ascii_downcase] | index($mac) != null' <<<"$f" >/dev/null ||
      fail "$what: facts.nics lacks $nic_mac: $(jq -c '.nics' <<<"$f")"
    jq -e --arg mac "$nic_mac" '[.interfaces[].mac | ascii_downcase] | index($mac) != null' <<<"$m" >/dev/null ||
      fail "$what: the machine's interfaces lack $nic_mac: $(jq -c '.interfaces' <<<"$m")"
  done
  # Enrollment rules: rule 1 names (the boot MAC, 12 hex digits), rules 1 and 2 label, rule 3 not.
  [[ $(jq -r '.name' <<<"$m") == "${name[$vm]}" ]] ||
    fail "$what: named $(jq -c '.name' <<<"$m"), rule 1 gives ${name[$vm]}"
  jq -e '.labels.rack == "lab" and .labels.virt == "qemu" and (.labels | has("wrong") | not)' \
    <<<"$m" >/dev/null ||
    fail "$what: labels $(jq -c '.labels' <<<"$m"), want rack=lab and virt=qemu (rules 1 and 2) only"
  pass "$what: ${firmware[$vm]} -smp ${cpus[$vm]} -m ${memory_mib[$vm]} (MemTotal $total, DIMMs $dimms), ${disk_gib[$vm]} GiB ${disk_bus[$vm]} disk, MACs ${mac[$vm]} ${mac2[$vm]:-}; named ${name[$vm]}, labels $(jq -c '.labels' <<<"$m")"
done

if [[ $policy == approve ]]; then
  for vm in "${vms[@]}"; do
    out=$(in_ns "$ns" "$SLIPWAY_BIN" machines approve "${name[$vm]}" 2>&1) ||
      fail "machines approve ${name[$vm]} failed: $out"
    state=$(in_ns "$ns" "$SLIPWAY_BIN" machines show "${name[$vm]}" --json |
      jq -c '.machine | {state, awaiting_approval}')
    [[ $state == '{"state":"ready","awaiting_approval":false}' ]] ||
      fail "after approving ${name[$vm]}: $state"
    if out=$(in_ns "$ns" "$SLIPWAY_BIN" machines approve "${name[$vm]}" 2>&1); then
      fail "approving ${name[$vm]} a second time was accepted: $out"
    fi
    pass "approved ${name[$vm]}: ready; a second approve is refused ($out)"
  done
fi

# Each VM powers itself off after its report (QEMU is the BMC's child, which reaps it).
for vm in "${vms[@]}"; do
  wait_until 120 "$vm (pid ${vm_pid[$vm]}) to power off" bash -c "! kill -0 ${vm_pid[$vm]}"
  forget_pid "${vm_pid[$vm]}"
done

# The REST form, by inventory name, for a machine that stays off (the BMC does not start a VM
# twice): the job resolves the name to its MAC, sends, and times out.
vm=vm1
answer=$(in_ns "$ns" curl -s -w '\n%{http_code}' "${SLIPWAY_AUTH[@]}" -X POST -H 'Content-Type: application/json' \
  -d "{\"machines\":[\"${name[$vm]}\"],\"timeout_s\":3}" "$SLIPWAY_URL/api/v1/power/on")
code=$(tail -n1 <<<"$answer")
job=$(sed '$d' <<<"$answer")
[[ $code == 202 ]] || fail "POST /api/v1/power/on answered $code: $job"
job_id=$(jq -r '.job.id' <<<"$job")
jq -e --arg name "${name[$vm]}" --arg mac "${mac[$vm]}" '.job.machines | length == 1 and
  (.[0] | .name == $name and (.mac | ascii_downcase) == $mac and
          (.status | IN("queued", "sent")))' <<<"$job" >/dev/null ||
  fail "power job for ${name[$vm]} not as expected: $job"
job_done() {
  in_ns "$ns" curl -sf "${SLIPWAY_AUTH[@]}" "$SLIPWAY_URL/api/v1/power/jobs/$job_id" | jq -e '.job.done' >/dev/null
}
wait_until 30 "power job $job_id to end" job_done
job=$(in_ns "$ns" curl -sf "${SLIPWAY_AUTH[@]}" "$SLIPWAY_URL/api/v1/power/jobs/$job_id")
jq -e '.job.machines[0].status == "timed_out"' <<<"$job" >/dev/null ||
  fail "a machine that stays off must time out: $job"
# Both forms again: the first wake's raw packet plus these two.
woken_again() { (($(verdicts "${mac[$vm]}" already-woken) >= 3)); }
wait_until 5 "the BMC to see $vm's magic packets again" woken_again
pass "POST /api/v1/power/on by name: job $job_id sent to ${mac[$vm]} and timed out: $(jq -c '.job.machines[0]' <<<"$job")"

in_ns "$ns" "$SLIPWAY_BIN" machines list >&2
log "power on to inspected for ${#vms[@]} VMs ($policy): ${elapsed}s (accel $LAB_ACCEL)"
