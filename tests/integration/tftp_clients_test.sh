#!/usr/bin/env bash
# Integration: the real `slipway serve` (TFTP only, DHCP off) against real TFTP clients, in
# network namespaces joined by a veth pair (MTU 1500, so blocks over 1468 bytes fragment).
#   - curl with blksize 8, 512, 1468, 8192 and 65464; tftp-hpa; atftp (plain, blksize 1468,
#     windowsize 16); busybox tftp (plain, -b 1468): every file arrives byte for byte, and the
#     server's log shows the blksize and windowsize each client asked for;
#   - netascii: tftp-hpa (-m ascii, -m netascii) turns the CRLF on the wire back into the LF
#     source; curl (no conversion) shows the CRLF form the server sent;
#   - a 70 MiB file at blksize 512 (the 16-bit block number wraps twice) and a 1 MiB file at
#     blksize 8 (wraps twice too) arrive intact; completed transfers and bytes are counted;
#   - escapes ("..", absolute paths, symlinks out of the root, a symlink to /dev/zero, a device,
#     a folder, a FIFO) are refused with the right ERROR code, nothing arrives, each is logged and
#     counted; a write request (tftp-hpa put, curl upload) is refused and writes nothing;
#   - 50 curl clients fetch a 4 MiB file at once, all intact;
#   - per-machine files from the boot module (pxelinux.cfg/01-<mac>, slipway/<mac>.ipxe) carry
#     that machine's MAC only, are not written to disk, and record the machine;
#   - the daemon is alive at the end, no transfer failed and no transfer is left running.
# Usage: tftp_clients_test.sh BUILD_DIR
source "$(dirname "$0")/../lib/common.sh"
slipway_bins "$1"
slipway_test_init tftp-clients
for tool in tftp atftp busybox curl cmp; do
  command -v "$tool" >/dev/null || fail "$tool missing (scripts/deps.sh test installs it)"
done

srv=swt-srv-$$
cli=swt-cli-$$
netns_pair "$srv" "$cli" 198.18.50.1/24 198.18.50.2/24
host=198.18.50.1

# The assets root, and things next to it that must never be served.
assets=$WORK/assets
out=$WORK/out
mkdir -p "$assets/sub" "$WORK/data" "$out" "$WORK/load"
secret_text="slipway-secret-$$-$RANDOM"
echo "$secret_text" >"$WORK/secret"
head -c $((3 * 1024 * 1024 + 123)) /dev/urandom >"$assets/blob.bin"
head -c $((1024 * 1024)) /dev/urandom >"$assets/small.bin"
head -c $((4 * 1024 * 1024)) /dev/urandom >"$assets/load.bin"
head -c $((70 * 1024 * 1024)) /dev/urandom >"$assets/big.bin"
head -c 1000 /dev/urandom >"$assets/sub/inner.bin"
# LF line ends only; lines of varying length so CRLF pairs land across block boundaries.
for ((i = 1; i <= 3000; i++)); do
  printf 'line %d %*s\tend\n' "$i" $((i % 97)) ''
done >"$assets/text.txt"
ln -s "$WORK/secret" "$assets/link-out"
ln -s ../../secret "$assets/sub/link-rel"
ln -s /dev/zero "$assets/link-zero"
mknod "$assets/zero-dev" c 1 5
mkfifo "$assets/fifo"
echo "local file that must not be written" >"$WORK/upload.txt"

cat >"$WORK/slipway.yaml" <<YAML
server_address: $host
data_dir: $WORK/data
assets_dir: $assets
log_level: debug
dhcp:
  enabled: false
YAML
export SLIPWAY_URL=http://$host:8080
slog=$WORK/slipway.log
start_slipway "$srv" "$WORK/slipway.yaml" "$slog"
grep -q "tftp=0.0.0.0:69" "$slog" || fail "slipway does not report TFTP on port 69"

# same FILE OUT WHAT: OUT is byte for byte FILE (a path inside the assets root).
same() {
  [[ -f "$2" ]] || fail "$3: no output file"
  cmp -s "$assets/$1" "$2" || fail "$3: content differs from $1 ($(stat -c %s "$2") of $(stat -c %s "$assets/$1") bytes)"
}
# log_has_since MARK PATTERN: a line after line MARK of slipway's log matches the ERE PATTERN.
log_has_since() { tail -n +$(($1 + 1)) "$slog" | grep -Eq "$2"; }
log_mark() { wc -l <"$slog"; }
# expect_sent MARK FILE BLKSIZE WINDOWSIZE WHAT: slipway logged a completed transfer of FILE
# with these parameters after MARK (waits: the final ACK may still be on its way).
expect_sent() {
  wait_until 5 "$5: slipway to log the transfer of $2 with blksize=$3 windowsize=$4" \
    log_has_since "$1" "info tftp: sent file=\"$2\" .* blksize=$3 windowsize=$4 ms="
}
completed_expected=0

# --- 1. curl at every block size --------------------------------------------------------------
for bs in 8 512 1468 8192 65464; do
  # blksize 8 on the 3 MiB file would take 400 000 round trips; 1 MiB is 131 073 blocks, enough
  # for two wraps of the block number.
  file=blob.bin
  ((bs == 8)) && file=small.bin
  mark=$(log_mark)
  in_ns "$cli" timeout 30 curl -sS --tftp-blksize "$bs" -o "$out/curl-$bs.bin" "tftp://$host/$file" ||
    fail "curl --tftp-blksize $bs failed to fetch $file"
  same "$file" "$out/curl-$bs.bin" "curl blksize $bs"
  expect_sent "$mark" "$file" "$bs" 1 "curl blksize $bs"
  completed_expected=$((completed_expected + 1))
  rm -f "$out/curl-$bs.bin"
done
pass "curl blksize 8 (1 MiB, two block-number wraps), 512, 1468, 8192, 65464 (3 MiB): intact"

# --- 2. tftp-hpa, atftp, busybox tftp ---------------------------------------------------------
# tftp-hpa exits 0 even when the server answers ERROR; its output says so instead.
hpa_get() { # hpa_get MODE FILE OUT: prints tftp-hpa's output
  in_ns "$cli" timeout 30 tftp -m "$1" "$host" -c get "$2" "$3" 2>&1
}
mark=$(log_mark)
msg=$(hpa_get binary blob.bin "$out/hpa.bin") || fail "tftp-hpa get failed: $msg"
[[ -z "$msg" ]] || fail "tftp-hpa get printed: $msg"
same blob.bin "$out/hpa.bin" "tftp-hpa binary"
expect_sent "$mark" blob.bin 512 1 "tftp-hpa"

mark=$(log_mark)
in_ns "$cli" timeout 30 atftp -g -r blob.bin -l "$out/atftp.bin" "$host" >"$WORK/atftp.out" 2>&1 ||
  fail "atftp failed: $(cat "$WORK/atftp.out")"
same blob.bin "$out/atftp.bin" "atftp"
expect_sent "$mark" blob.bin 512 1 "atftp"

mark=$(log_mark)
in_ns "$cli" timeout 30 atftp --option "blksize 1468" -g -r blob.bin -l "$out/atftp-1468.bin" "$host" \
  >"$WORK/atftp.out" 2>&1 || fail "atftp blksize 1468 failed: $(cat "$WORK/atftp.out")"
same blob.bin "$out/atftp-1468.bin" "atftp blksize 1468"
expect_sent "$mark" blob.bin 1468 1 "atftp blksize 1468"

mark=$(log_mark)
in_ns "$cli" timeout 30 atftp --option "windowsize 16" --option "blksize 1468" -g -r blob.bin \
  -l "$out/atftp-w16.bin" "$host" >"$WORK/atftp.out" 2>&1 ||
  fail "atftp windowsize 16 blksize 1468 failed: $(cat "$WORK/atftp.out")"
same blob.bin "$out/atftp-w16.bin" "atftp windowsize 16 blksize 1468"
expect_sent "$mark" blob.bin 1468 16 "atftp windowsize 16"

mark=$(log_mark)
in_ns "$cli" timeout 30 busybox tftp -g -r blob.bin -l "$out/bb.bin" "$host" >"$WORK/busybox.out" 2>&1 ||
  fail "busybox tftp failed: $(cat "$WORK/busybox.out")"
same blob.bin "$out/bb.bin" "busybox tftp"
expect_sent "$mark" blob.bin 512 1 "busybox tftp"

mark=$(log_mark)
in_ns "$cli" timeout 30 busybox tftp -b 1468 -g -r blob.bin -l "$out/bb-1468.bin" "$host" \
  >"$WORK/busybox.out" 2>&1 || fail "busybox tftp -b 1468 failed: $(cat "$WORK/busybox.out")"
same blob.bin "$out/bb-1468.bin" "busybox tftp -b 1468"
expect_sent "$mark" blob.bin 1468 1 "busybox tftp -b 1468"

mark=$(log_mark)
msg=$(hpa_get binary sub/inner.bin "$out/inner.bin") || fail "tftp-hpa get sub/inner.bin failed: $msg"
same sub/inner.bin "$out/inner.bin" "tftp-hpa sub/inner.bin"
expect_sent "$mark" sub/inner.bin 512 1 "tftp-hpa sub/inner.bin"
completed_expected=$((completed_expected + 7))
rm -f "$out"/*.bin
pass "tftp-hpa, atftp (plain, blksize 1468, windowsize 16), busybox (plain, -b 1468): intact"

# --- 3. netascii ----------------------------------------------------------------------------
for mode in ascii netascii; do
  mark=$(log_mark)
  msg=$(hpa_get "$mode" text.txt "$out/text-$mode.txt") || fail "tftp-hpa -m $mode failed: $msg"
  [[ -z "$msg" ]] || fail "tftp-hpa -m $mode printed: $msg"
  same text.txt "$out/text-$mode.txt" "tftp-hpa -m $mode (CRLF back to LF)"
  log_has_since "$mark" "debug tftp: start file=\"text.txt\" .* mode=netascii " ||
    fail "tftp-hpa -m $mode: slipway did not start a netascii transfer"
done
# curl asks for netascii but converts nothing: what it saves is what was on the wire.
in_ns "$cli" timeout 30 curl -sS -o "$out/text-wire.txt" "tftp://$host/text.txt;mode=netascii" ||
  fail "curl ;mode=netascii failed"
sed 's/$/\r/' "$assets/text.txt" >"$WORK/text-crlf.txt"
cmp -s "$WORK/text-crlf.txt" "$out/text-wire.txt" || fail "netascii on the wire is not the CRLF form of the file"
completed_expected=$((completed_expected + 3))
pass "netascii: tftp-hpa -m ascii and -m netascii give back the LF file; CRLF on the wire"

# --- 4. a 70 MiB file at blksize 512: the block number wraps ----------------------------------
big_size=$(stat -c %s "$assets/big.bin")
completed_before=$(metric "$srv" 'slipway_tftp_transfers_total{outcome="completed"}')
bytes_before=$(metric "$srv" 'slipway_tftp_bytes_sent_total')
mark=$(log_mark)
started=$SECONDS
in_ns "$cli" timeout 40 curl -sS -o "$out/big.bin" "tftp://$host/big.bin" ||
  fail "curl could not fetch the 70 MiB file at blksize 512 (block number wrap)"
same big.bin "$out/big.bin" "curl 70 MiB at blksize 512"
expect_sent "$mark" big.bin 512 1 "curl 70 MiB"
completed_expected=$((completed_expected + 1))
wait_until 5 "the big transfer to be counted as completed" \
  test "$(metric "$srv" 'slipway_tftp_transfers_total{outcome="completed"}')" -gt "$completed_before"
bytes_after=$(metric "$srv" 'slipway_tftp_bytes_sent_total')
((bytes_after - bytes_before >= big_size)) ||
  fail "slipway_tftp_bytes_sent_total grew by $((bytes_after - bytes_before)), fetched $big_size"
rm -f "$out/big.bin"
pass "70 MiB at blksize 512 ($((big_size / 512 + 1)) blocks, two wraps) intact in $((SECONDS - started)) s; counted"

# --- 5. escapes and things that are not regular files ----------------------------------------
av_before=$(metric "$srv" 'slipway_tftp_errors_total{code="access_violation"}')
nf_before=$(metric "$srv" 'slipway_tftp_errors_total{code="file_not_found"}')
av_sent=0
nf_sent=0
# nothing_arrived OUT WHAT: no byte reached OUT (tftp-hpa leaves an empty file behind).
nothing_arrived() {
  [[ ! -s "$1" ]] || fail "$2: data arrived ($(stat -c %s "$1") bytes): $(head -c 200 "$1" | tr -cd '[:print:]\n')"
}
# refused_hpa PATH CODE REASON: tftp-hpa gets ERROR CODE; for CODE 2 slipway logs the refusal
# with REASON as a warning.
refused_hpa() {
  local path=$1 code=$2 reason=${3:-} o=$out/refused-$RANDOM mark msg
  mark=$(log_mark)
  msg=$(hpa_get binary "$path" "$o") || true
  [[ "$msg" == "Error code $code:"* ]] || fail "tftp-hpa get '$path': expected ERROR $code, got: '$msg'"
  nothing_arrived "$o" "tftp-hpa get '$path'"
  if ((code == 2)); then
    wait_until 5 "a warning for '$path'" log_has_since "$mark" \
      "warning tftp: refused path=\"$(sed 's/[.]/[.]/g' <<<"$path")\" client=198[.]18[.]50[.]2:[0-9]+ reason=\"$reason\""
    av_sent=$((av_sent + 1))
  else
    nf_sent=$((nf_sent + 1))
  fi
  rm -f "$o"
}
# refused_curl PATH RC: curl (--path-as-is, so it sends PATH as written) exits RC: 68 for
# ERROR 1 (not found), 69 for ERROR 2 (access violation).
refused_curl() {
  local path=$1 want=$2 o=$out/refused-$RANDOM rc=0
  in_ns "$cli" timeout 30 curl -sS --path-as-is -o "$o" "tftp://$host/$path" 2>"$WORK/curl.err" || rc=$?
  ((rc == want)) || fail "curl get '$path': exit $rc, expected $want ($(cat "$WORK/curl.err"))"
  nothing_arrived "$o" "curl get '$path'"
  if ((want == 69)); then av_sent=$((av_sent + 1)); else nf_sent=$((nf_sent + 1)); fi
  rm -f "$o"
}
refused_hpa ../etc/passwd 2 "'[.][.]' in path"
refused_hpa ../../../../etc/passwd 2 "'[.][.]' in path"
refused_hpa sub/../../secret 2 "'[.][.]' in path"
refused_hpa link-out 2 "path leaves the root folder"
refused_hpa sub/link-rel 2 "path leaves the root folder"
refused_hpa link-zero 2 "path leaves the root folder"
refused_hpa zero-dev 2 "not a regular file"
refused_hpa sub 2 "not a regular file"
refused_hpa fifo 2 "not a regular file"
# An absolute path names a file under the root, and there is none: not found, not the host's.
refused_hpa /etc/passwd 1
wait_until 5 "the not-found line for /etc/passwd" log_has_since 0 'debug tftp: not found file="/etc/passwd"'
refused_curl ../etc/passwd 69
refused_curl sub/../../secret 69
refused_curl /etc/passwd 68
refused_curl link-out 69
refused_curl link-zero 69
refused_curl fifo 69
# Nothing anywhere under the output folder holds the outside files' content.
! grep -rqF "$secret_text" "$out" || fail "the secret next to the assets root reached the client"
! grep -rqF "$(head -n1 /etc/passwd)" "$out" || fail "the host's /etc/passwd reached the client"
av_after=$(metric "$srv" 'slipway_tftp_errors_total{code="access_violation"}')
nf_after=$(metric "$srv" 'slipway_tftp_errors_total{code="file_not_found"}')
((av_after - av_before == av_sent)) ||
  fail "access_violation errors counted $((av_after - av_before)), sent $av_sent refusals"
((nf_after - nf_before == nf_sent)) ||
  fail "file_not_found errors counted $((nf_after - nf_before)), sent $nf_sent"
kill -0 "$SLIPWAY_PID" || fail "slipway died on escape attempts"
pass "$av_sent escapes / non-regular files refused (ERROR 2, logged), $nf_sent absolute paths not found; nothing leaked"

# --- 6. write requests ------------------------------------------------------------------------
av_before=$(metric "$srv" 'slipway_tftp_errors_total{code="access_violation"}')
mark=$(log_mark)
msg=$(in_ns "$cli" timeout 30 tftp -m binary "$host" -c put "$WORK/upload.txt" remote.txt 2>&1) || true
[[ "$msg" == "Error code 2:"* ]] || fail "tftp-hpa put: expected ERROR 2, got: '$msg'"
wait_until 5 "the refused write to be logged" log_has_since "$mark" 'info tftp: refused write file="remote[.]txt"'
rc=0
in_ns "$cli" timeout 30 curl -sS -T "$WORK/upload.txt" "tftp://$host/remote2.txt" 2>"$WORK/curl.err" || rc=$?
((rc == 69)) || fail "curl upload: exit $rc, expected 69 ($(cat "$WORK/curl.err"))"
[[ ! -e "$assets/remote.txt" && ! -e "$assets/remote2.txt" ]] || fail "a write request created a file"
[[ -z "$(find "$assets" "$WORK/data" -newer "$WORK/upload.txt" -name 'remote*')" ]] ||
  fail "a write request left a file behind"
av_after=$(metric "$srv" 'slipway_tftp_errors_total{code="access_violation"}')
((av_after - av_before == 2)) || fail "access_violation errors counted $((av_after - av_before)) for 2 writes"
pass "writes (tftp-hpa put, curl -T) refused with ERROR 2; nothing written"

# --- 7. 50 clients at once --------------------------------------------------------------------
started=$SECONDS
pids=()
for ((i = 0; i < 50; i++)); do
  spawn_in_ns "$cli" "$WORK/load/$i.log" timeout 40 curl -sS -o "$WORK/load/$i.bin" "tftp://$host/load.bin"
  pids+=("$SPAWNED_PID")
done
for ((i = 0; i < 50; i++)); do
  wait "${pids[$i]}" || fail "concurrent client $i failed: $(cat "$WORK/load/$i.log")"
done
for ((i = 0; i < 50; i++)); do
  same load.bin "$WORK/load/$i.bin" "concurrent client $i"
done
completed_expected=$((completed_expected + 50))
pass "50 concurrent curl clients, 4 MiB each: all intact in $((SECONDS - started)) s"

# --- 7b. per-machine files generated by the boot module, never written to disk ----------------
msg=$(hpa_get binary pxelinux.cfg/01-52-54-00-aa-00-01 "$out/pxe.cfg") || fail "pxelinux config fetch: $msg"
grep -q '^  KERNEL runtime/vmlinuz$' "$out/pxe.cfg" || fail "pxelinux config has no runtime kernel: $(cat "$out/pxe.cfg")"
grep -q 'APPEND initrd=runtime/initrd.gz .*slipway.mac=52:54:00:aa:00:01' "$out/pxe.cfg" ||
  fail "pxelinux config does not boot the runtime for 52:54:00:aa:00:01: $(cat "$out/pxe.cfg")"
rc=0
in_ns "$cli" timeout 20 curl -sS -o "$out/other.ipxe" "tftp://$host/slipway/52-54-00-aa-00-02.ipxe" || rc=$?
((rc == 0)) || fail "curl of slipway/52-54-00-aa-00-02.ipxe failed (exit $rc)"
head -n1 "$out/other.ipxe" | grep -q '^#!ipxe' || fail "the generated iPXE script is not one: $(head -c 200 "$out/other.ipxe")"
grep -q '52:54:00:aa:00:02' "$out/other.ipxe" || fail "the iPXE script is not 52:54:00:aa:00:02's"
! grep -q '52:54:00:aa:00:01' "$out/other.ipxe" || fail "52:54:00:aa:00:02's script names another machine"
[[ ! -e "$assets/pxelinux.cfg" && ! -e "$assets/slipway" ]] || fail "generated files were written to the assets folder"
machines=$(in_ns "$cli" curl -sf "${SLIPWAY_AUTH[@]}" "$SLIPWAY_URL/api/v1/machines")
for m in 52:54:00:aa:00:01 52:54:00:aa:00:02; do
  grep -q "$m" <<<"$machines" || fail "machine $m asked for its boot file but is not in the inventory"
done
completed_expected=$((completed_expected + 2))
pass "pxelinux.cfg/01-<mac> and slipway/<mac>.ipxe generated per machine (nothing on disk); both machines recorded"

# --- 8. still alive, nothing left running -----------------------------------------------------
kill -0 "$SLIPWAY_PID" || fail "slipway is not running at the end"
in_ns "$cli" curl -sf --max-time 5 "$SLIPWAY_URL/healthz" >/dev/null || fail "slipway /healthz does not answer"
wait_until 10 "slipway_tftp_active_transfers to return to 0" \
  test "$(metric "$srv" slipway_tftp_active_transfers)" -eq 0
failed=$(metric "$srv" 'slipway_tftp_transfers_total{outcome="failed"}')
((failed == 0)) || fail "$failed transfers ended as failed"
completed=$(metric "$srv" 'slipway_tftp_transfers_total{outcome="completed"}')
((completed == completed_expected)) || fail "$completed transfers counted as completed, expected $completed_expected"
msg=$(hpa_get binary sub/inner.bin "$out/after.bin") || fail "tftp-hpa get after the load failed: $msg"
same sub/inner.bin "$out/after.bin" "tftp-hpa after the load"
pass "slipway alive; $completed transfers completed, none failed, none running"
log "tftp metrics: $(in_ns "$cli" curl -sf "$SLIPWAY_URL/metrics" | grep '^slipway_tftp' | tr '\n' ' ')"
