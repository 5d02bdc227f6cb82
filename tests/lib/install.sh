# Helpers for tests and benchmarks that install machines from the test image. Source after
# common.sh and lab.sh; needs BUILD_DIR (slipway_bins).

# install_test_image: sets INSTALL_IMAGE (disk.raw.zst of image/build-test-image.sh, built into
# BUILD_DIR/test-image the first time, about 11 minutes here; later runs reuse it) and
# INSTALL_IMAGE_SHA (its SHA-256). Tests running at once build it once: the first holds a lock
# while it builds, the others wait for it.
install_test_image() {
  local src dir
  src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  dir=$BUILD_DIR/test-image
  (
    flock -w 1800 9 || fail "timed out waiting for another test to build the test image"
    if [[ ! -s "$dir/disk.raw.zst" || ! -s "$dir/SHA256SUMS" ]]; then
      log "building the test image into $dir (log: $WORK/build-test-image.log)"
      "$src/image/build-test-image.sh" --out "$dir" --cache "$BUILD_DIR/test-image-cache" \
        >"$WORK/build-test-image.log" 2>&1 ||
        fail "image/build-test-image.sh failed: $(tail -n 20 "$WORK/build-test-image.log")"
    fi
  ) 9>"$BUILD_DIR/test-image.lock" || exit 1
  INSTALL_IMAGE=$dir/disk.raw.zst
  INSTALL_IMAGE_SHA=$(sha256sum "$INSTALL_IMAGE" | cut -d' ' -f1)
}

# install_config FILE: appends what an install needs to a lab_config file: auto enrollment with
# label kind=vm for the lab's MACs (52:54:00:...), WoL on the bridge, and profile `debian`
# (image debian-12) selected by that label.
install_config() {
  cat >>"$1" <<YAML
enrollment:
  policy: auto
  rules:
    - match: {mac_prefix: "52:54:00"}
      labels: {kind: vm}
power:
  wol: {mode: udp, interface: br0, broadcast: 198.18.0.255}
  confirm_timeout_s: 300
profiles:
  - name: debian
    description: the test image (Debian 12) from the library
    image: debian-12
    select:
      - labels: {kind: vm}
YAML
}

# install_import NS: imports INSTALL_IMAGE as debian-12 with its SHA-256.
install_import() {
  local out
  out=$(in_ns "$1" "$SLIPWAY_BIN" images import "$INSTALL_IMAGE" --name debian-12 \
    --sha256 "$INSTALL_IMAGE_SHA" 2>&1) || fail "images import $INSTALL_IMAGE failed: $out"
  log "imported $INSTALL_IMAGE ($(stat -c %s "$INSTALL_IMAGE") bytes): $(tail -n1 <<<"$out")"
}

# machine_state NS KEY: the machine's lifecycle state ("" when unknown).
machine_state() {
  in_ns "$1" "$SLIPWAY_BIN" machines show "$2" --json 2>/dev/null | jq -r '.machine.state'
}
is_machine_state() { [[ $(machine_state "$1" "$2") == "$3" ]]; }
