#!/usr/bin/env bash
# Integration: installs by a distribution's installer (profiles with `installer:` instead of an
# image), against the real `slipway serve` on the loopback of a namespace made here (DHCP and TFTP
# off). The installer itself is played by curl running the very commands the rendered kickstart and
# preseed carry. Checked, for a preseed (debian-installer) and a kickstart (Anaconda) profile:
#   - `machines install NAME --profile P` moves a ready machine to installing;
#   - its iPXE script boots the profile's kernel and initrd with the command line rendered for that
#     machine (its host name, its seed URL), and the other machine's script is its own;
#   - the agent has no plan for it (409) and the runtime is not booted;
#   - the rendered preseed passes `debconf-set-selections --checkonly`; the `written` report of its
#     late_command (the kickstart's %post) makes the next netboot boot the local disk;
#   - the first-boot unit's command moves the machine to deployed;
#   - a command line with a template syntax error stops `serve --check`; one with a variable the
#     machine lacks makes its script answer 503 naming the variable (nothing is booted).
# Usage: installer_profile_test.sh BUILD_DIR
source "$(dirname "$0")/../lib/common.sh"
slipway_bins "$1"
slipway_test_init installer_profile

ns=swp-inst-$$
make_netns "$ns"
SLIPWAY_URL=http://127.0.0.1:18081
mac_di=52:54:00:71:00:01
mac_ks=52:54:00:71:00:03
mkdir -p "$WORK/assets"
config() {
  cat <<YAML
server_address: 127.0.0.1
data_dir: data
assets_dir: assets
dhcp: {enabled: false}
tftp: {enabled: false}
http: {listen: 127.0.0.1, port: 18081}
enrollment: {policy: auto}
install:
  ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 admin@example.org"]
profiles:
  - name: debian-di
    installer:
      kernel: d-i/linux
      initrd: d-i/initrd.gz
      cmdline: "auto=true priority=critical url={{SEED_URL}}preseed hostname={{HOSTNAME}} $1---"
    select:
      - macs: [$mac_di]
  - name: alma-ks
    installer:
      kernel: http://198.18.0.9/alma/vmlinuz
      initrd: http://198.18.0.9/alma/initrd.img
      cmdline: "inst.ks={{SEED_URL}}kickstart inst.repo=http://198.18.0.9/alma ip=dhcp"
    select:
      - macs: [$mac_ks]
YAML
}

# An unknown variable in a command line is fine at load (a machine may have it); a syntax error
# is not.
config "{{#BROKEN}} " >"$WORK/bad.yaml"
if "$SLIPWAY_BIN" serve --config "$WORK/bad.yaml" --check >"$WORK/check.out" 2>&1; then
  fail "a command line with a syntax error passed --check"
fi
grep -q "bad.yaml:.*profile debian-di installer.cmdline" "$WORK/check.out" ||
  fail "--check did not name the broken command line: $(cat "$WORK/check.out")"
pass "a command line with a template syntax error stops the load with its profile"

config "" >"$WORK/slipway.yaml"
start_slipway "$ns" "$WORK/slipway.yaml" "$WORK/slipway.log"
get() { in_ns "$ns" curl -s "$@"; }
slipway() { in_ns "$ns" "$SLIPWAY_BIN" "$@" --server "$SLIPWAY_URL"; }

# Two machines report their facts (as the runtime's agent does) and become ready.
report() { # MAC NIC2 UUID
  sed -e "s/52:54:00:ca:00:01/$1/g" -e "s/52:54:00:ca:00:02/$2/g" \
    -e "s/5a1e00ca-0000-4000-8000-000000000001/$3/g" \
    "$(dirname "$0")/../fuzz/seeds/agent_report/facts.json" >"$WORK/report.json"
  get -f -X POST --data-binary @"$WORK/report.json" "$SLIPWAY_URL/api/v1/agent/report" \
    -H "Authorization: Bearer $(agent_secret "$1")" |
    jq -r '.machine.name'
}
name_di=$(report "$mac_di" 52:54:00:71:00:02 5a1e0071-0000-4000-8000-000000000001)
name_ks=$(report "$mac_ks" 52:54:00:71:00:04 5a1e0071-0000-4000-8000-000000000003)
[[ -n $name_di && -n $name_ks && $name_di != null ]] || fail "the reports were refused"
for m in "$name_di" "$name_ks"; do
  [[ $(slipway machines show "$m" --json | jq -r .machine.state) == ready ]] || fail "$m is not ready"
done

# --- preseed -------------------------------------------------------------------------------------
slipway machines install "$name_di" --profile debian-di >"$WORK/install.out" 2>&1 ||
  fail "machines install --profile debian-di failed: $(cat "$WORK/install.out")"
[[ $(slipway machines show "$name_di" --json | jq -r '.machine.state + " " + .machine.profile') == "installing debian-di" ]] ||
  fail "$name_di is not installing debian-di"
get "$SLIPWAY_URL/boot/ipxe?mac=$mac_di" >"$WORK/di.ipxe"
seed=$SLIPWAY_URL/boot/templates/$mac_di/
grep -qx "kernel $SLIPWAY_URL/assets/d-i/linux initrd=initrd.gz auto=true priority=critical url=${seed}preseed hostname=$name_di --- || goto failed" \
  "$WORK/di.ipxe" || fail "the iPXE script does not boot the installer's kernel: $(cat "$WORK/di.ipxe")"
grep -qx "initrd $SLIPWAY_URL/assets/d-i/initrd.gz || goto failed" "$WORK/di.ipxe" ||
  fail "the iPXE script does not load the installer's initrd: $(cat "$WORK/di.ipxe")"
grep -q "runtime" "$WORK/di.ipxe" && fail "the installer script still mentions the runtime: $(cat "$WORK/di.ipxe")"
# An installer's boot has a secret too: its templates carry it (the installer has no agent).
secret_di=$(get -f "$SLIPWAY_URL/boot/templates/$mac_di/preseed" | grep -o 'Bearer [A-Za-z0-9_-]*' |
  head -n 1 | cut -d' ' -f2)
[[ $secret_di == sa1_* ]] || fail "the preseed of an installing machine carries no agent secret"
status=$(get -o "$WORK/plan.json" -w '%{http_code}' -H "Authorization: Bearer $secret_di" \
  "$SLIPWAY_URL/api/v1/agent/install?mac=$mac_di")
[[ $status == 409 ]] && grep -q "no agent plan" "$WORK/plan.json" ||
  fail "the agent plan of an installer install answered $status: $(cat "$WORK/plan.json")"
# The other machine is still ready: its script is the runtime's, not this installer.
get "$SLIPWAY_URL/boot/ipxe?mac=$mac_ks" >"$WORK/ks-ready.ipxe"
grep -q "d-i/linux\|alma" "$WORK/ks-ready.ipxe" && fail "a ready machine got an installer: $(cat "$WORK/ks-ready.ipxe")"
pass "install with a preseed profile: its kernel, initrd and rendered command line, no agent plan"

url=$(grep -o "url=[^ ]*" "$WORK/di.ipxe" | cut -d= -f2-)
get -f "$url" >"$WORK/preseed.cfg" || fail "the preseed URL of the command line answered nothing: $url"
grep -q "^d-i netcfg/get_hostname string $name_di$" "$WORK/preseed.cfg" ||
  fail "the preseed does not carry the host name: $(head -n 20 "$WORK/preseed.cfg")"
debconf-set-selections --checkonly "$WORK/preseed.cfg" 2>"$WORK/debconf.err" ||
  fail "debconf-set-selections --checkonly refused the preseed: $(cat "$WORK/debconf.err")"
# late_command: what it runs in the installed system, one command per continued line.
sed -n '/^d-i preseed\/late_command/,/[^\\]$/p' "$WORK/preseed.cfg" >"$WORK/late.txt"
written=$(grep -o "in-target curl .*PROGRESS\|in-target curl .*/api/v1/agent/install/progress" "$WORK/late.txt" |
  sed 's/^in-target //')
[[ -n $written ]] || fail "the late_command does not report to the progress URL: $(cat "$WORK/late.txt")"
in_ns "$ns" bash -c "$written" >/dev/null || fail "the late_command's report failed: $written"
[[ $(slipway machines show "$name_di" --json | jq -r .machine.install_stage) == written ]] ||
  fail "the late_command's report did not mark the install written"
get "$SLIPWAY_URL/boot/ipxe?mac=$mac_di" >"$WORK/di-after.ipxe"
grep -q "booting from local disk" "$WORK/di-after.ipxe" ||
  fail "after 'written' the netboot does not boot the disk: $(cat "$WORK/di-after.ipxe")"
pass "the preseed passes debconf's check; its late_command's report makes the next netboot boot the disk"

firstboot=$(grep -o 'ExecStart=/usr/bin/curl [^\\]*' "$WORK/late.txt" | head -n1 | sed 's/^ExecStart=//')
[[ -n $firstboot ]] || fail "no first-boot unit in the late_command"
in_ns "$ns" bash -c "$firstboot" >/dev/null || fail "the first-boot command failed: $firstboot"
[[ $(slipway machines show "$name_di" --json | jq -r .machine.state) == deployed ]] ||
  fail "$name_di is not deployed after its first-boot call"
pass "the first-boot unit's call deploys the machine"

# --- kickstart -----------------------------------------------------------------------------------
slipway machines install "$name_ks" --profile alma-ks >"$WORK/install.out" 2>&1 ||
  fail "machines install --profile alma-ks failed: $(cat "$WORK/install.out")"
get "$SLIPWAY_URL/boot/ipxe?mac=$mac_ks" >"$WORK/ks.ipxe"
grep -qx "kernel http://198.18.0.9/alma/vmlinuz initrd=initrd.img inst.ks=$SLIPWAY_URL/boot/templates/$mac_ks/kickstart inst.repo=http://198.18.0.9/alma ip=dhcp || goto failed" \
  "$WORK/ks.ipxe" || fail "the kickstart machine's script is wrong: $(cat "$WORK/ks.ipxe")"
get -f "$SLIPWAY_URL/boot/templates/$mac_ks/kickstart" >"$WORK/ks.cfg" || fail "no kickstart"
grep -q -- "--hostname=$name_ks " "$WORK/ks.cfg" || fail "the kickstart does not carry the host name"
written=$(sed -n '/^%post/,/^%end/p' "$WORK/ks.cfg" | grep '^curl .*"stage":"written"')
[[ -n $written ]] || fail "the kickstart's %post does not report 'written'"
in_ns "$ns" bash -c "$written" >/dev/null || fail "the %post report failed: $written"
grep -q "booting from local disk" <(get "$SLIPWAY_URL/boot/ipxe?mac=$mac_ks") ||
  fail "after the %post report the netboot does not boot the disk"
firstboot=$(grep -o '^ExecStart=/usr/bin/curl .*' "$WORK/ks.cfg" | sed 's/^ExecStart=//')
# Forgery: the first boot of this machine with the other machine's secret, and with none.
secret_ks=$(grep -o 'Bearer [A-Za-z0-9_-]*' <<<"$firstboot" | cut -d' ' -f2)
[[ $secret_ks == sa1_* && $secret_ks != "$secret_di" ]] ||
  fail "the kickstart's first-boot call does not carry its own machine's secret: $firstboot"
status=$(get -o "$WORK/forged.out" -w '%{http_code}' -X POST -H "Authorization: Bearer $secret_di" \
  -d "mac=$mac_ks" "$SLIPWAY_URL/api/v1/agent/firstboot")
[[ $status == 403 ]] && grep -q "issued to $mac_di" "$WORK/forged.out" ||
  fail "a first boot with another machine's secret was answered $status: $(cat "$WORK/forged.out")"
status=$(get -o /dev/null -w '%{http_code}' -X POST -d "mac=$mac_ks" "$SLIPWAY_URL/api/v1/agent/firstboot")
[[ $status == 401 ]] || fail "a first boot without a secret was answered $status"
[[ $(slipway machines show "$name_ks" --json | jq -r .machine.state) == installing ]] ||
  fail "a refused first boot changed $name_ks"
in_ns "$ns" bash -c "$firstboot" >/dev/null || fail "the first-boot command failed: $firstboot"
[[ $(slipway machines show "$name_ks" --json | jq -r .machine.state) == deployed ]] ||
  fail "$name_ks is not deployed after its first-boot call"
grep -q -e "$secret_ks" -e "$secret_di" "$WORK/slipway.log" && fail "an agent secret is in the daemon's log"
pass "kickstart: the installer's command line, %post's report, first boot deployed; another machine's secret or none refused"

# --- a variable the machine lacks ----------------------------------------------------------------
stop_pid "$SLIPWAY_PID"
config "domain={{DOMAIN}} " >"$WORK/slipway.yaml"
start_slipway "$ns" "$WORK/slipway.yaml" "$WORK/slipway.log"
slipway machines install "$name_di" --profile debian-di >"$WORK/install.out" 2>&1 ||
  fail "a reinstall with debian-di failed: $(cat "$WORK/install.out")"
status=$(get -o "$WORK/missing.ipxe" -w '%{http_code}' "$SLIPWAY_URL/boot/ipxe?mac=$mac_di")
[[ $status == 503 ]] && grep -q "machine $name_di: .*no value for variable DOMAIN" "$WORK/missing.ipxe" ||
  fail "a missing variable in the command line was not named (HTTP $status): $(cat "$WORK/missing.ipxe")"
grep -q "d-i/linux" "$WORK/missing.ipxe" && fail "a command line with a missing variable was booted"
pass "a command line with a variable the machine lacks is answered 503 naming the variable"
