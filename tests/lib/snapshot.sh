# shellcheck shell=bash
# Helpers for the snapshot test and benchmark (issue 7). Source after common.sh, lab.sh and
# install.sh; needs WORK (slipway_test_init) and INSTALL_IMAGE (install_test_image).

# snapshot_root_offset DISK: the byte offset of partition 3 (the test image's root filesystem).
snapshot_root_offset() {
  local first
  first=$(sgdisk -i 3 "$1" | awk '/^First sector:/ { print $3 }')
  [[ $first =~ ^[0-9]+$ ]] || fail "no partition 3 on $1"
  echo $((first * 512))
}

# snapshot_debugfs DISK CMD: one debugfs request on DISK's root filesystem (read-only); prints its
# output. The disk must not be in use by a running VM (or be a copy).
snapshot_debugfs() {
  debugfs -R "$2" "$1?offset=$(snapshot_root_offset "$1")" 2>/dev/null
}

# snapshot_source_disk DISK SIZE MAC HOSTNAME: the source machine's disk, as a machine installed
# from the test image would have it, plus what a restore must bring back:
#   - the test image (INSTALL_IMAGE, decompressed) at the start of a raw file of SIZE, the backup
#     GPT moved to the end (as the installer does; partition 3 keeps its size);
#   - /etc/hostname = HOSTNAME (and /etc/hosts);
#   - /root/known.bin, 8 MiB of random bytes; SNAPSHOT_KNOWN_SHA is set to their SHA-256;
#   - slipway-digest.service, enabled in multi-user.target, which prints
#     `slipway-digest: <sha256>  /root/known.bin` on the console at every boot;
#   - /etc/systemd/network/10-boot.network, DHCP on the interface with MAC only (a restore onto
#     other hardware must rewrite the MAC).
# Written with debugfs -w: no loop device, no mount.
snapshot_source_disk() {
  local disk=$1 size=$2 mac=$3 hostname=$4 stage=$WORK/source-files
  rm -f "$disk"
  zstd -qdf --sparse -o "$disk" "$INSTALL_IMAGE"
  truncate -s "$size" "$disk"
  sgdisk -e "$disk" >/dev/null || fail "sgdisk -e $disk"
  mkdir -p "$stage"
  head -c $((8 << 20)) /dev/urandom >"$stage/known.bin"
  SNAPSHOT_KNOWN_SHA=$(sha256sum "$stage/known.bin" | cut -d' ' -f1)
  echo "$hostname" >"$stage/hostname"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
    "$hostname" >"$stage/hosts"
  cat >"$stage/slipway-digest" <<'SCRIPT'
#!/bin/sh
# Slipway snapshot test: the digest of a known file, on the console at every boot.
echo "slipway-digest: $(sha256sum /root/known.bin 2>&1)"
SCRIPT
  cat >"$stage/slipway-digest.service" <<'UNIT'
# Slipway snapshot test: one line with the SHA-256 of /root/known.bin on the console at every boot.
[Unit]
Description=Slipway snapshot test: digest of /root/known.bin
After=local-fs.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/slipway-digest
StandardOutput=journal+console
StandardError=journal+console

[Install]
WantedBy=multi-user.target
UNIT
  cat >"$stage/10-boot.network" <<NET
# Slipway snapshot test: bound to the source machine's NIC. A restore onto other hardware
# rewrites the MAC.
[Match]
MACAddress=$mac

[Network]
DHCP=ipv4
NET
  chmod 0755 "$stage/slipway-digest"
  chmod 0644 "$stage"/*.service "$stage/10-boot.network" "$stage/hostname" "$stage/hosts"
  chmod 0600 "$stage/known.bin"
  cat >"$stage/debugfs.cmds" <<CMDS
rm /etc/hostname
write $stage/hostname /etc/hostname
rm /etc/hosts
write $stage/hosts /etc/hosts
write $stage/known.bin /root/known.bin
write $stage/slipway-digest /usr/local/sbin/slipway-digest
write $stage/slipway-digest.service /etc/systemd/system/slipway-digest.service
symlink /etc/systemd/system/multi-user.target.wants/slipway-digest.service /etc/systemd/system/slipway-digest.service
write $stage/10-boot.network /etc/systemd/network/10-boot.network
CMDS
  local offset
  offset=$(snapshot_root_offset "$disk")
  debugfs -w -f "$stage/debugfs.cmds" "$disk?offset=$offset" >"$WORK/debugfs-source.log" 2>&1 ||
    fail "debugfs could not write into $disk (see debugfs-source.log)"
  # Read back what a boot depends on.
  [[ $(snapshot_debugfs "$disk" "cat /etc/hostname") == "$hostname" ]] ||
    fail "$disk: /etc/hostname was not written"
  [[ $(snapshot_debugfs "$disk" "dump /root/known.bin /dev/stdout" | sha256sum | cut -d' ' -f1) == "$SNAPSHOT_KNOWN_SHA" ]] ||
    fail "$disk: /root/known.bin does not read back"
  snapshot_debugfs "$disk" "stat /etc/systemd/system/multi-user.target.wants/slipway-digest.service" |
    grep -q "Fast link dest: \"/etc/systemd/system/slipway-digest.service\"\|Type: symlink" ||
    fail "$disk: slipway-digest.service is not enabled"
  grep -q "MACAddress=$mac" <(snapshot_debugfs "$disk" "cat /etc/systemd/network/10-boot.network") ||
    fail "$disk: 10-boot.network was not written"
  # The filesystem is still clean (-n: never changes anything).
  e2fsck -fn "$disk?offset=$offset" >"$WORK/e2fsck-source.log" 2>&1 ||
    fail "e2fsck finds errors in $disk's root filesystem: $(tail -5 "$WORK/e2fsck-source.log")"
  log "source disk $disk: $size, hostname $hostname, known.bin $SNAPSHOT_KNOWN_SHA, 10-boot.network for $mac"
}

# snapshot_epoch VALUE: seconds since the epoch of an API timestamp (an integer, or RFC 3339).
snapshot_epoch() {
  if [[ $1 =~ ^[0-9]+$ ]]; then echo "$1"; else date -u -d "$1" +%s; fi
}

# snapshot_record NS NAME: the snapshot's record (JSON), or nothing.
snapshot_record() {
  in_ns "$1" "$SLIPWAY_BIN" snapshots show "$2" --json 2>/dev/null | jq -c '.snapshot // empty'
}
# snapshot_state_is NS NAME STATE
snapshot_state_is() { [[ $(snapshot_record "$1" "$2" | jq -r '.state // empty') == "$3" ]]; }
# snapshot_finished NS NAME: the capture ended (complete or failed).
snapshot_finished() {
  local s
  s=$(snapshot_record "$1" "$2" | jq -r '.state // empty')
  [[ $s == complete || $s == failed ]]
}

# snapshot_chunks NS NAME: the SHA-256 of every chunk of a complete snapshot, one a line, in
# manifest order (the manifest's chunks are [offset, length, sha256]).
snapshot_chunks() {
  in_ns "$1" "$SLIPWAY_BIN" snapshots show "$2" --json |
    jq -r '.manifest.disks[].chunks[] | if type == "array" then .[2] else .sha256 end'
}

# snapshot_lines_in FILE PATTERN: how many lines of FILE (a serial console log) match PATTERN.
snapshot_lines_in() { grep -ac -- "$2" "$1" 2>/dev/null || true; }

# The VMs of a snapshot test sit behind the virtual BMC; the caller keeps `ns` and the associative
# arrays `pidfile` (VM -> the pid file lab_vm gave it) and `vm_pid` (VM -> its running QEMU).
# power_on VM KEY: wakes the machine and tracks its QEMU as the BMC starts it.
# shellcheck disable=SC2154,SC2004  # ns, pidfile, vm_pid: the caller's (associative arrays)
power_on() {
  local vm=$1 key=$2 out
  rm -f "${pidfile[$vm]}"
  out=$(in_ns "$ns" "$SLIPWAY_BIN" power on "$key" --timeout 300 2>&1) || fail "power on $key: $out"
  wait_until 30 "the BMC to start $vm" test -s "${pidfile[$vm]}"
  vm_pid[$vm]=$(cat "${pidfile[$vm]}")
  track_pid "${vm_pid[$vm]}"
}
powered_off() { ! kill -0 "${vm_pid[$1]}" 2>/dev/null; }
# wait_off VM [SECONDS]: until its QEMU has ended (default 300 s).
wait_off() {
  wait_until "${2:-300}" "$1 to power off" powered_off "$1"
  forget_pid "${vm_pid[$1]}"
}
