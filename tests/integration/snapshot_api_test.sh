#!/usr/bin/env bash
# Integration: the snapshot API and CLI against the real `slipway serve` (SQLite file, chunk store
# on disk) on the loopback of a namespace made here. curl plays the runtime's agent with the exact
# requests of the capture and restore contract (imaging/agent/README.md); the chunks are real zstd
# frames of random data. Checked:
#   - `snapshots create` makes a ready machine snapshotting; the agent learns the name, asks which
#     chunks are missing, sends them; a chunk whose bytes are not its digest is refused (400);
#     a manifest naming a chunk never sent is refused (409); the complete one ends the capture and
#     the machine is ready again; sizes, chunk count and dedup ratio as sent;
#   - a second snapshot of the same content is told only the new chunk is missing and stores only
#     that one (new_bytes);
#   - `snapshots delete` refuses a capture under way; export, delete (garbage collection keeps the
#     chunks another snapshot uses, removes the others), import: the same snapshot, verified;
#   - restore onto another machine: its agent gets the manifest, its boot MAC and the captured
#     MACs, each chunk as stored (digest checked here); `written` makes it deployed, and it takes
#     the captured machine's name once that one is retired;
#   - a failed capture puts the machine back where it was (deployed); a failed restore leaves the
#     target ready;
#   - a snapshot whose disk is larger than every disk of the target is refused, naming what it
#     needs, and the target's state is unchanged;
#   - a damaged chunk: `snapshots verify` names it and fails; `snapshots restore` is refused
#     naming it, and the target is not touched.
# Usage: snapshot_api_test.sh BUILD_DIR
source "$(dirname "$0")/../lib/common.sh"
slipway_bins "$1"
slipway_test_init snapshot_api

ns=swp-snap-$$
make_netns "$ns"
SLIPWAY_URL=http://127.0.0.1:18082
mkdir -p "$WORK/assets"
cat >"$WORK/slipway.yaml" <<YAML
server_address: 127.0.0.1
data_dir: data
assets_dir: assets
dhcp: {enabled: false}
tftp: {enabled: false}
http: {listen: 127.0.0.1, port: 18082}
enrollment: {policy: auto}
YAML
start_slipway "$ns" "$WORK/slipway.yaml" "$WORK/slipway.log"
get() { in_ns "$ns" curl -s "$@"; }
# aget MAC CURL_ARGS...: a request to /api/v1/agent/* as MAC's runtime makes it, with the secret
# of a boot of MAC (a new one each time, as if it netbooted again).
aget() {
  local secret
  secret=$(agent_secret "$1")
  shift
  get -H "Authorization: Bearer $secret" "$@"
}
slipway() { in_ns "$ns" "$SLIPWAY_BIN" "$@" --server "$SLIPWAY_URL"; }
state_of() { slipway machines show "$1" --json | jq -r .machine.state; }

# Three machines report their facts (as the runtime's agent does) and become ready.
report() { # MAC NIC2 UUID
  sed -e "s/52:54:00:ca:00:01/$1/g" -e "s/52:54:00:ca:00:02/$2/g" \
    -e "s/5a1e00ca-0000-4000-8000-000000000001/$3/g" \
    "$(dirname "$0")/../fuzz/seeds/agent_report/facts.json" >"$WORK/report.json"
  aget "$1" -f -X POST --data-binary @"$WORK/report.json" "$SLIPWAY_URL/api/v1/agent/report" |
    jq -r '.machine.name'
}
mac_a=52:54:00:72:00:01 mac_b=52:54:00:72:00:03 mac_c=52:54:00:72:00:05
name_a=$(report $mac_a 52:54:00:72:00:02 5a1e0072-0000-4000-8000-000000000001)
name_b=$(report $mac_b 52:54:00:72:00:04 5a1e0072-0000-4000-8000-000000000003)
name_c=$(report $mac_c 52:54:00:72:00:06 5a1e0072-0000-4000-8000-000000000005)
for m in "$name_a" "$name_b" "$name_c"; do
  [[ $(state_of "$m") == ready ]] || fail "$m is not ready"
done
# Forgery: a report (the last one, machine c's) with machine a's secret, and with none.
status=$(aget $mac_a -o "$WORK/forged.out" -w '%{http_code}' -X POST --data-binary @"$WORK/report.json" \
  "$SLIPWAY_URL/api/v1/agent/report")
[[ $status == 403 ]] && grep -q "issued to $mac_a" "$WORK/forged.out" ||
  fail "a report for $mac_c with $mac_a's secret was answered $status: $(cat "$WORK/forged.out")"
status=$(get -o /dev/null -w '%{http_code}' -X POST --data-binary @"$WORK/report.json" \
  "$SLIPWAY_URL/api/v1/agent/report")
[[ $status == 401 ]] || fail "a report without a secret was answered $status"
pass "agent reports with another machine's secret (403) or none (401) are refused"

# Three chunks of 4 MiB of random data, their digests and zstd frames.
declare -A sha
for i in 1 2 3; do
  head -c 4194304 /dev/urandom >"$WORK/c$i"
  sha[$i]=$(sha256sum "$WORK/c$i" | cut -d' ' -f1)
  zstd -3 -q -c "$WORK/c$i" >"$WORK/c$i.zst"
done

# manifest DISK_BYTES CHUNK_INDEX...: a one-disk manifest (no partition table, captured raw) with
# those chunks at consecutive 4 MiB offsets.
manifest() {
  local size=$1 offset=0 chunks="[]" i
  shift
  for i in "$@"; do
    chunks=$(jq -c --argjson o $offset --arg h "${sha[$i]}" '. + [[$o, 4194304, $h]]' <<<"$chunks")
    offset=$((offset + 4194304))
  done
  jq -n --argjson size "$size" --argjson chunks "$chunks" '{
    version: 1, hostname: "db1", firmware: "uefi", boot_loader: "none",
    disks: [{name: "vda", size_bytes: $size, gpt: false, partitions: [], disk_guid: "",
             model: "", serial: "", chunks: $chunks,
             regions: [{what: "disk", offset: 0, length: $size, mode: "raw", filesystem: "",
                        fs_uuid: "", used_bytes: $size}]}]}'
}

# capture NAME MACHINE MAC DISK_BYTES CHUNK_INDEX...: the agent's side of a capture; prints what
# the appliance said was missing.
capture() {
  local name=$1 machine=$2 mac=$3 size=$4 i
  shift 4
  slipway snapshots create "$name" --machine "$machine" >/dev/null || fail "snapshots create $name"
  [[ $(state_of "$machine") == snapshotting ]] || fail "$machine is not snapshotting"
  [[ $(aget "$mac" "$SLIPWAY_URL/api/v1/agent/capture?mac=$mac" | jq -r .snapshot) == "$name" ]] ||
    fail "the agent of $machine is not told to capture $name"
  local digests
  digests=$(for i in "$@"; do echo "${sha[$i]}"; done | jq -R . | jq -sc '{sha256: .}')
  local missing
  missing=$(aget "$mac" -f -X POST --data-binary "$digests" \
    "$SLIPWAY_URL/api/v1/agent/snapshots/$name/missing" | jq -r '.missing[]')
  for i in "$@"; do
    grep -qx "${sha[$i]}" <<<"$missing" || continue
    aget "$mac" -f -o /dev/null -X PUT -H 'Content-Type: application/zstd' --data-binary @"$WORK/c$i.zst" \
      "$SLIPWAY_URL/api/v1/agent/snapshots/$name/chunks/${sha[$i]}" || fail "PUT chunk $i of $name"
  done
  aget "$mac" -f -o /dev/null -X POST --data-binary "{\"mac\":\"$mac\",\"stage\":\"reading\",\"bytes_done\":1,\"bytes_total\":2}" \
    "$SLIPWAY_URL/api/v1/agent/snapshots/$name/progress" || fail "progress of $name"
  manifest "$size" "$@" >"$WORK/$name.manifest.json"
  aget "$mac" -f -o /dev/null -X POST --data-binary @"$WORK/$name.manifest.json" \
    "$SLIPWAY_URL/api/v1/agent/snapshots/$name/complete" || fail "complete $name"
  for i in "$@"; do
    if grep -qx "${sha[$i]}" <<<"$missing"; then echo "$i"; fi
  done | sort -u | tr '\n' ' '
}

# --- First snapshot, with the refusals on the way ------------------------------------------
slipway snapshots create s1 --machine "$name_a" >/dev/null || fail "snapshots create s1"
status=$(aget "$mac_a" -o /dev/null -w '%{http_code}' -X PUT --data-binary @"$WORK/c2.zst" \
  "$SLIPWAY_URL/api/v1/agent/snapshots/s1/chunks/${sha[1]}")
[[ $status == 400 ]] || fail "a chunk whose bytes are another's was answered $status"
slipway snapshots delete s1 >"$WORK/delete.out" 2>&1 && fail "a capture under way was deleted"
grep -q "being captured" "$WORK/delete.out" || fail "delete did not say why: $(cat "$WORK/delete.out")"
aget "$mac_a" -f -o /dev/null -X POST --data-binary "{\"sha256\":[\"${sha[1]}\"]}" \
  "$SLIPWAY_URL/api/v1/agent/snapshots/s1/missing"
aget "$mac_a" -f -o /dev/null -X PUT --data-binary @"$WORK/c1.zst" \
  "$SLIPWAY_URL/api/v1/agent/snapshots/s1/chunks/${sha[1]}" || fail "PUT chunk 1"
manifest 67108864 1 2 >"$WORK/s1.partial.json"
status=$(aget "$mac_a" -o "$WORK/complete.out" -w '%{http_code}' -X POST --data-binary @"$WORK/s1.partial.json" \
  "$SLIPWAY_URL/api/v1/agent/snapshots/s1/complete")
[[ $status == 409 ]] && grep -q "${sha[2]}" "$WORK/complete.out" ||
  fail "a manifest with a chunk never sent was answered $status: $(cat "$WORK/complete.out")"
pass "bad chunks, a delete under way and a manifest with a chunk never sent are refused"
# The capture resumes: `create` again gives the same snapshot, chunk 1 is not asked for again.
sent=$(capture s1 "$name_a" $mac_a 67108864 1 2 1)
[[ $sent == "2 " ]] || fail "the resumed capture was asked for chunks '$sent', not '2 '"
slipway snapshots show s1 --json >"$WORK/s1.json"
[[ $(jq -r .snapshot.state "$WORK/s1.json") == complete ]] || fail "s1 is not complete"
[[ $(state_of "$name_a") == ready ]] || fail "$name_a did not go back to ready"
[[ $(jq -r .snapshot.logical_bytes "$WORK/s1.json") == 12582912 ]] ||
  fail "s1 logical bytes: $(jq .snapshot "$WORK/s1.json")"
[[ $(jq -r .snapshot.chunk_count "$WORK/s1.json") == 3 ]] || fail "s1 chunk count"
stored1=$(jq -r .snapshot.stored_bytes "$WORK/s1.json")
expected=$(($(stat -c %s "$WORK/c1.zst") + $(stat -c %s "$WORK/c2.zst")))
[[ $stored1 == "$expected" ]] || fail "s1 stored $stored1 bytes, not $expected"
[[ $(jq -r .manifest.facts.nics[0].mac "$WORK/s1.json") == "$mac_a" ]] ||
  fail "the manifest does not carry the machine's facts"
slipway snapshots show s1 | grep -q "dedup ratio *1.50x" || fail "show does not print the dedup ratio"
pass "a capture resumes, completes, records sizes and facts; the machine is ready again"

# --- Second snapshot: only what changed -----------------------------------------------------
sent=$(capture s2 "$name_a" $mac_a 67108864 1 2 3)
[[ $sent == "3 " ]] || fail "the second snapshot was asked for chunks '$sent', not '3 '"
new2=$(slipway snapshots show s2 --json | jq -r .snapshot.new_bytes)
[[ $new2 == "$(stat -c %s "$WORK/c3.zst")" ]] || fail "s2 stored $new2 new bytes"
pass "a second snapshot sends and stores only the changed chunk ($new2 of $((stored1 + new2)) bytes)"

# --- Export, delete with garbage collection, import ----------------------------------------
chunk_file() { echo "$WORK/data/snapshots/chunks/${sha[$1]:0:2}/${sha[$1]}.zst"; }
slipway snapshots export s2 "$WORK/s2.tar" >/dev/null || fail "export s2"
[[ $(tar -tf "$WORK/s2.tar" | head -1) == manifest.json ]] || fail "the export does not start with the manifest"
[[ $(tar -tf "$WORK/s2.tar" | grep -c '^chunks/') == 3 ]] || fail "the export does not hold 3 chunks"
slipway snapshots delete s2 >/dev/null || fail "delete s2"
[[ -e $(chunk_file 3) ]] && fail "chunk 3, used by s2 only, was kept"
[[ -e $(chunk_file 1) && -e $(chunk_file 2) ]] || fail "a chunk s1 uses was removed"
slipway snapshots import "$WORK/s2.tar" >/dev/null || fail "import s2"
slipway snapshots verify s2 >/dev/null || fail "the imported s2 does not verify"
pass "export, delete (unused chunk removed, shared ones kept) and import"

# --- A target too small -------------------------------------------------------------------
capture sbig "$name_c" $mac_c $((4 << 40)) 1 >/dev/null
if slipway snapshots restore sbig --to "$name_b" >"$WORK/big.out" 2>&1; then
  fail "a 4 TiB disk was restored onto 8 GB + 1 TB disks"
fi
grep -q "cannot be restored onto machine $name_b" "$WORK/big.out" ||
  fail "the refusal does not say why: $(cat "$WORK/big.out")"
[[ $(state_of "$name_b") == ready ]] || fail "$name_b changed state after a refused restore"
pass "a snapshot larger than the target is refused: $(cat "$WORK/big.out")"

# --- Restore onto another machine ---------------------------------------------------------
slipway machines state "$name_a" retired >/dev/null || fail "retire $name_a"
slipway snapshots restore s1 --to "$name_b" >/dev/null || fail "snapshots restore s1"
[[ $(state_of "$name_b") == restoring ]] || fail "$name_b is not restoring"
aget "$mac_b" -f "$SLIPWAY_URL/api/v1/agent/restore?mac=$mac_b" >"$WORK/plan.json" || fail "restore plan"
[[ $(jq -r .snapshot "$WORK/plan.json") == s1 && $(jq -r .boot_mac "$WORK/plan.json") == "$mac_b" ]] ||
  fail "the restore plan: $(head -c 300 "$WORK/plan.json")"
jq -e --arg m "$mac_a" '.captured_macs | index($m)' "$WORK/plan.json" >/dev/null ||
  fail "the plan does not name the captured MACs"
for h in $(jq -r '.manifest.disks[0].chunks[][2]' "$WORK/plan.json" | sort -u); do
  got=$(aget "$mac_b" -f "$SLIPWAY_URL/api/v1/agent/chunks/$h" | zstd -d -q -c | sha256sum | cut -d' ' -f1)
  [[ $got == "$h" ]] || fail "chunk $h came back as $got"
done
aget "$mac_b" -f -o /dev/null -X POST --data-binary "{\"mac\":\"$mac_b\",\"stage\":\"written\",\"bytes_done\":12582912,\"bytes_total\":12582912}" \
  "$SLIPWAY_URL/api/v1/agent/restore/progress" || fail "written"
[[ $(state_of "$name_a") == deployed ]] || fail "the target did not take the name $name_a (or is not deployed)"
[[ $(state_of "$name_a-retired-1") == retired ]] || fail "the retired machine was not renamed aside"
pass "restore: plan, chunks as captured, deployed and named $name_a"
name_b=$name_a

# --- Failures end where they started ------------------------------------------------------
slipway snapshots create s3 --machine "$name_b" >/dev/null || fail "snapshots create s3"
aget "$mac_b" -f -o /dev/null -X POST --data-binary "{\"mac\":\"$mac_b\",\"stage\":\"failed\",\"message\":\"disk read error\"}" \
  "$SLIPWAY_URL/api/v1/agent/snapshots/s3/progress" || fail "failed progress"
[[ $(state_of "$name_b") == deployed ]] || fail "$name_b did not go back to deployed after a failed capture"
[[ $(slipway snapshots show s3 --json | jq -r '.snapshot.state + ": " + .snapshot.error') == "failed: disk read error" ]] ||
  fail "s3 does not say it failed and why"
slipway snapshots restore s1 --to "$name_c" >/dev/null || fail "snapshots restore s1 --to $name_c"
aget "$mac_c" -f -o /dev/null -X POST --data-binary "{\"mac\":\"$mac_c\",\"stage\":\"failed\",\"message\":\"target too small\"}" \
  "$SLIPWAY_URL/api/v1/agent/restore/progress" || fail "failed restore progress"
[[ $(state_of "$name_c") == ready ]] || fail "$name_c is not ready after a failed restore"
pass "a failed capture puts the machine back (deployed), a failed restore makes it ready"

# --- A damaged chunk ----------------------------------------------------------------------
printf 'garbage' | dd of="$(chunk_file 2)" bs=1 seek=100 conv=notrunc 2>/dev/null
slipway snapshots verify s1 >"$WORK/verify.out" 2>&1 && fail "verify passed a damaged chunk"
grep -q "${sha[2]}" "$WORK/verify.out" || fail "verify did not name the chunk: $(cat "$WORK/verify.out")"
if slipway snapshots restore s1 --to "$name_c" >"$WORK/restore.out" 2>&1; then
  fail "a snapshot with a damaged chunk was restored"
fi
grep -q "${sha[2]}" "$WORK/restore.out" || fail "the refusal does not name the chunk: $(cat "$WORK/restore.out")"
[[ $(state_of "$name_c") == ready ]] || fail "$name_c changed state after a refused restore"
pass "a damaged chunk is named by verify and stops a restore before it starts"
