#!/usr/bin/env bash
# Integration: `slipway images import` against the real daemon and a local HTTP server
# (image_server.py) on 127.0.0.1, inside a namespace of its own (only loopback). Checked:
#   - a download the server cuts halfway is resumed with a Range request and stored under
#     data_dir/images/sha256/<hex> with the right digest; it is served back with Range;
#   - a server that answers a Range request with a 200 or a 206 from the wrong offset makes the
#     download start over from zero, and it still ends with the right digest;
#   - a wrong --sha256 is refused, the library is unchanged and nothing is kept to resume;
#   - a server that always cuts is refused after the retries, the partial file is kept, and the
#     next import of the same URL resumes from it;
#   - HTTP 404, a refused connection, a bad digest, a taken name and an unknown image are clear;
#   - a FILE import (relative path, made absolute by the CLI) shares the content of the same
#     digest; rm keeps content another name uses and removes it with the last name;
#   - a SHA256SUMS file verifies an import; an installer ISO (xorriso) gets its kernel and initrd
#     found and served.
# Usage: image_import_test.sh BUILD_DIR
source "$(dirname "$0")/../lib/common.sh"
slipway_bins "$1"
command -v xorriso >/dev/null || fail "xorriso is missing (scripts/deps.sh test)"
slipway_test_init images

ns=swp-img-$$
make_netns "$ns"
mkdir -p "$WORK/assets" "$WORK/data" "$WORK/www"
cat >"$WORK/slipway.yaml" <<YAML
server_address: 127.0.0.1
data_dir: $WORK/data
assets_dir: $WORK/assets
dhcp:
  enabled: false
tftp:
  enabled: false
http:
  listen: 127.0.0.1
profiles:
  - name: installer
    image: debian-test
    select:
      - labels: {role: installer}
YAML
export SLIPWAY_URL=http://127.0.0.1:8080
start_slipway "$ns" "$WORK/slipway.yaml" "$WORK/slipway.log"
spawn_in_ns "$ns" "$WORK/server-stdout.log" python3 "$(dirname "$0")/image_server.py" \
  "$WORK/www" 8000 "$WORK/server.log"
wait_until 10 "the image server to listen" in_ns "$ns" curl -s -o /dev/null http://127.0.0.1:8000/
slipway() { in_ns "$ns" "$SLIPWAY_BIN" "$@"; }
images_json() { slipway images list --json | jq -c '[.images[] | {name, sha256}]'; }
store=$WORK/data/images

# A 4 MiB raw disk (an MBR signature, random sectors), zstd-compressed: ~4 MiB that does not
# compress, so the cut lands mid-transfer.
head -c $((4 * 1024 * 1024)) /dev/urandom >"$WORK/disk.raw"
printf '\x55\xaa' | dd of="$WORK/disk.raw" bs=1 seek=510 conv=notrunc status=none
zstd -q -1 "$WORK/disk.raw" -o "$WORK/www/disk.raw.zst"
sum=$(sha256sum "$WORK/www/disk.raw.zst" | cut -d' ' -f1)
cp "$WORK/www/disk.raw.zst" "$WORK/www/other.raw.zst"

# --- resumed after the server cuts the first transfer ---------------------------------------------
slipway images import http://127.0.0.1:8000/cut-once/disk.raw.zst --name disk --sha256 "$sum" \
  >"$WORK/import1.txt" 2>&1 || fail "the import exited non-zero: $(cat "$WORK/import1.txt")"
grep -q "^GET /cut-once/disk.raw.zst range=bytes=[1-9][0-9]*-$" "$WORK/server.log" ||
  fail "the server saw no Range request: $(cat "$WORK/server.log")"
grep -q "resuming at byte" "$WORK/import1.txt" || fail "the CLI did not say it resumed: $(cat "$WORK/import1.txt")"
grep -q "^imported 'disk': raw.zst, .* sha256 $sum, verified" "$WORK/import1.txt" ||
  fail "no success line: $(cat "$WORK/import1.txt")"
[[ $(sha256sum "$store/sha256/$sum" | cut -d' ' -f1) == "$sum" ]] || fail "the stored file's digest differs"
slipway images show disk --json | jq -e --arg s "$sum" \
  '.image.sha256 == $s and .image.format == "raw.zst" and .image.verified == true and .image.url == "/images/sha256/" + $s' \
  >/dev/null || fail "show disk: $(slipway images show disk --json)"
pass "a download cut halfway resumed with a Range request; stored as sha256/$sum, verified"

in_ns "$ns" curl -sf -r 100-199 -o "$WORK/range.bin" -w '%{http_code}' "$SLIPWAY_URL/images/sha256/$sum" >"$WORK/code.txt"
[[ $(cat "$WORK/code.txt") == 206 ]] || fail "a Range request for the image got $(cat "$WORK/code.txt")"
cmp -s "$WORK/range.bin" <(tail -c +101 "$WORK/www/disk.raw.zst" | head -c 100) || fail "the served range differs"
pass "the image is served at /images/sha256/<hex> with Range (206)"

# A server that ignores the range (200) or answers from the wrong offset: started over from zero.
for kind in norange badrange; do
  slipway images import "http://127.0.0.1:8000/$kind/disk.raw.zst" --name "$kind" --sha256 "$sum" \
    >"$WORK/$kind.txt" 2>&1 || fail "the $kind import failed: $(cat "$WORK/$kind.txt")"
  [[ $(grep -c "^GET /$kind/disk.raw.zst range=bytes=[1-9]" "$WORK/server.log") == 1 ]] ||
    fail "$kind: expected one resume attempt: $(grep "/$kind/" "$WORK/server.log")"
done
grep -q "the server ignored the range request: restarted from zero" "$WORK/norange.txt" ||
  fail "no restart reported for a 200 to a Range request: $(cat "$WORK/norange.txt")"
grep -q "answered a range request from byte [0-9]* with HTTP/1.1 206 .*restarting from zero" "$WORK/badrange.txt" ||
  fail "no restart reported for a 206 from the wrong offset: $(cat "$WORK/badrange.txt")"
[[ $(grep -c "^GET /badrange/disk.raw.zst range=-" "$WORK/server.log") == 2 ]] ||
  fail "badrange: the restart did not ask for the whole file: $(grep "/badrange/" "$WORK/server.log")"
slipway images rm norange >/dev/null && slipway images rm badrange >/dev/null || fail "rm failed"
pass "a 200 or a 206 from the wrong offset to a Range request restarts from zero; digest right"

# --- refusals that leave the library as it was ------------------------------------------------------
before=$(images_json)
bad=$(printf '0%.0s' {1..64})
if slipway images import http://127.0.0.1:8000/other.raw.zst --name wrong --sha256 "$bad" >"$WORK/wrong.txt" 2>&1; then
  fail "an import with a wrong digest exited 0"
fi
grep -q "SHA-256 mismatch: expected $bad, got $sum" "$WORK/wrong.txt" || fail "unclear mismatch: $(cat "$WORK/wrong.txt")"
[[ "$(images_json)" == "$before" ]] || fail "a refused import changed the library"
[[ -z "$(ls -A "$store/partial")" ]] || fail "a mismatched download was kept: $(ls "$store/partial")"
pass "a wrong --sha256 is refused; library unchanged; nothing kept to resume"

touch "$WORK/www/flaky.on"
start=$SECONDS
if slipway images import http://127.0.0.1:8000/flaky/other.raw.zst --name flaky --sha256 "$sum" >"$WORK/flaky.txt" 2>&1; then
  fail "an import from a server that always cuts exited 0"
fi
grep -q "import failed: cannot fetch .* after 5 attempts: " "$WORK/flaky.txt" ||
  fail "unclear truncation failure: $(cat "$WORK/flaky.txt")"
((SECONDS - start < 60)) || fail "the retries took $((SECONDS - start)) s"
[[ $(grep -c "^GET /flaky/other.raw.zst range=bytes=" "$WORK/server.log") == 4 ]] ||
  fail "expected 4 resumed attempts: $(cat "$WORK/server.log")"
[[ "$(images_json)" == "$before" ]] || fail "a truncated import changed the library"
partial=$(ls "$store/partial")
[[ -n "$partial" ]] || fail "no partial file kept after a transport failure"
kept=$(stat -c %s "$store/partial/$partial")
pass "a server that always cuts is refused after 5 attempts; $kept bytes kept to resume"

rm "$WORK/www/flaky.on"
requests_before=$(grep -c "^GET /flaky/" "$WORK/server.log")
slipway images import http://127.0.0.1:8000/flaky/other.raw.zst --name flaky --sha256 "$sum" \
  >"$WORK/flaky2.txt" 2>&1 || fail "the second import of the flaky URL failed: $(cat "$WORK/flaky2.txt")"
first_new=$(grep "^GET /flaky/" "$WORK/server.log" | sed -n "$((requests_before + 1))p")
[[ "$first_new" == "GET /flaky/other.raw.zst range=bytes=$kept-" ]] ||
  fail "the next import did not resume from the kept $kept bytes: $first_new"
[[ -z "$(ls -A "$store/partial")" ]] || fail "the partial file outlived a successful import"
pass "the next import of the same URL resumed at byte $kept"

# --- clear errors -------------------------------------------------------------------------------
expect_error() {  # expect_error WHAT PATTERN ARGS...: the command fails and says PATTERN
  local what=$1 pattern=$2
  shift 2
  if slipway "$@" >"$WORK/err.txt" 2>&1; then fail "$what: exited 0"; fi
  grep -q -- "$pattern" "$WORK/err.txt" || fail "$what: expected '$pattern', got: $(cat "$WORK/err.txt")"
}
expect_error "404" "404" images import http://127.0.0.1:8000/missing.raw
expect_error "refused connection" "Failed to connect to 127.0.0.1 port 9" images import http://127.0.0.1:9/x.raw
expect_error "bad digest syntax" "'sha256' must be 64 hex digits" images import http://127.0.0.1:8000/disk.raw.zst --name x --sha256 abc
expect_error "name taken" "'disk' is taken" images import http://127.0.0.1:8000/disk.raw.zst --name disk
expect_error "unknown image" "no image 'nope'" images show nope
expect_error "unknown image rm" "no image 'nope'" images rm nope
expect_error "missing file" "no regular file at $WORK/nope.raw" images import "$WORK/nope.raw"
[[ "$(slipway images list --json | jq -c '[.images[].name]')" == '["disk","flaky"]' ]] ||
  fail "refused requests changed the library: $(images_json)"
[[ -z "$(ls -A "$store/partial")" ]] || fail "failed imports left partial files: $(ls "$store/partial")"
pass "404, refused connection, bad digest, taken name, unknown image, missing file: clear errors"

# --- a local file, shared content, rm --------------------------------------------------------------
# A relative path: the CLI makes it absolute (ip netns exec keeps the working folder).
(cd "$WORK" && in_ns "$ns" "$SLIPWAY_BIN" images import www/disk.raw.zst --name local) >"$WORK/local.txt" 2>&1 ||
  fail "the FILE import failed: $(cat "$WORK/local.txt")"
grep -q "unverified" "$WORK/local.txt" || fail "an import without a digest did not say unverified: $(cat "$WORK/local.txt")"
slipway images show local --json | jq -e --arg s "$sum" --arg src "$WORK/www/disk.raw.zst" \
  '.image.sha256 == $s and .image.verified == false and .image.source == $src' >/dev/null ||
  fail "show local: $(slipway images show local --json)"
slipway images rm local >/dev/null || fail "rm local failed"
[[ -f "$store/sha256/$sum" ]] || fail "rm removed content that 'disk' and 'flaky' still use"
slipway images rm disk >/dev/null && slipway images rm flaky >/dev/null || fail "rm failed"
[[ ! -e "$store/sha256/$sum" ]] || fail "the content outlived its last name"
code=$(in_ns "$ns" curl -s -o /dev/null -w '%{http_code}' "$SLIPWAY_URL/images/sha256/$sum")
[[ $code == 404 ]] || fail "a removed image is still served ($code)"
pass "FILE import (relative path) shares the digest; rm keeps shared content, removes it with the last name"

# --- SHA256SUMS and an installer ISO ------------------------------------------------------------
mkdir -p "$WORK/iso/install.amd" "$WORK/iso/pool"
echo "kernel of the test ISO" >"$WORK/iso/install.amd/vmlinuz"
echo "initrd of the test ISO" >"$WORK/iso/install.amd/initrd.gz"
echo "a package" >"$WORK/iso/pool/base.deb"
xorriso -as mkisofs -quiet -R -J -V SLIPWAYTEST -o "$WORK/www/debian-test.iso" "$WORK/iso" 2>"$WORK/xorriso.log" ||
  fail "xorriso failed: $(cat "$WORK/xorriso.log")"
(cd "$WORK/www" && sha256sum debian-test.iso disk.raw.zst >SHA256SUMS)
slipway images import http://127.0.0.1:8000/debian-test.iso --sha256sums http://127.0.0.1:8000/SHA256SUMS \
  >"$WORK/iso.txt" 2>&1 || fail "the ISO import failed: $(cat "$WORK/iso.txt")"
iso=$(slipway images show debian-test --json)
echo "$iso" | jq -e '.image.format == "iso" and .image.verified == true and .image.kernel == "install.amd/vmlinuz" and .image.initrd == "install.amd/initrd.gz"' \
  >/dev/null || fail "show debian-test: $iso"
kernel_url=$(echo "$iso" | jq -r .image.kernel_url)
in_ns "$ns" curl -sf "$SLIPWAY_URL$kernel_url" | grep -q "kernel of the test ISO" || fail "the kernel is not served at $kernel_url"
grep -q "found a debian kernel and initrd" "$WORK/iso.txt" || fail "the CLI did not report the boot files: $(cat "$WORK/iso.txt")"
pass "an ISO verified by SHA256SUMS: kernel and initrd found (install.amd/) and served at $kernel_url"

# --- the library survives a restart ---------------------------------------------------------------
stop_pid "$SLIPWAY_PID"
start_slipway "$ns" "$WORK/slipway.yaml" "$WORK/slipway.log"
slipway images list | grep -q "^debian-test  *iso" || fail "after a restart: $(slipway images list)"
[[ $(grep -c "profile installer names image debian-test, which is not in the library" "$WORK/slipway.log") == 1 ]] ||
  fail "expected one warning about the profile's missing image (first start only): $(grep profile "$WORK/slipway.log")"
pass "the library survives a restart; a profile's missing image is warned about until it is imported"
