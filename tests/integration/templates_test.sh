#!/usr/bin/env bash
# Integration: per-machine templates from the real `slipway serve` (loopback of a namespace made
# here, DHCP and TFTP off). Checked:
#   - a template with a syntax error, or a missing file, stops `serve --check` with the YAML
#     position, the template file and the line;
#   - a profile's ipxe template replaces the generated script for its machine only;
#   - GET /boot/templates serves each machine its own rendering (the profile's template, else the
#     built-in), never cached; an unknown machine or template is 404; a missing variable is 422
#     with its name and line;
#   - `slipway profiles render` prints the same, and exits 1 with the missing variable.
# Usage: templates_test.sh BUILD_DIR
source "$(dirname "$0")/../lib/common.sh"
slipway_bins "$1"
slipway_test_init templates

ns=swp-tmpl-$$
make_netns "$ns"
SLIPWAY_URL=http://127.0.0.1:18080
mac_lab=52:54:00:70:00:01
mac_other=52:54:00:70:00:02
mkdir -p "$WORK/templates" "$WORK/assets"
cat >"$WORK/templates/user-data.tmpl" <<'TMPL'
#cloud-config
hostname: {{HOSTNAME}}
{{#UUID}}# uuid {{UUID}}
{{/UUID}}fqdn: {{HOSTNAME}}.{{DOMAIN}}
TMPL
printf '#!ipxe\necho {{HOSTNAME}} installs {{PROFILE}}\n{{#RUNTIME}}chain {{RUNTIME_KERNEL_URL}}\n{{/RUNTIME}}' \
  >"$WORK/templates/lab.ipxe"
printf '#cloud-config\n{{#SSH_AUTHORIZED_KEYS}}\n- {{SSH_KEY}}\n\n{{/SSH_KEYS}}\n' >"$WORK/templates/bad.tmpl"
config() {
  cat <<YAML
server_address: 127.0.0.1
data_dir: data
assets_dir: assets
dhcp: {enabled: false}
tftp: {enabled: false}
http: {listen: 127.0.0.1, port: 18080}
install:
  ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 admin@example.org"]
profiles:
  - name: lab
    image: debian-12
    select:
      - macs: [$mac_lab]
    templates:
      user-data: $1
      ipxe: templates/lab.ipxe
YAML
}

# Bad templates stop the load.
config templates/bad.tmpl >"$WORK/bad.yaml"
if "$SLIPWAY_BIN" serve --config "$WORK/bad.yaml" --check >"$WORK/check.out" 2>&1; then
  fail "a template with a syntax error passed --check"
fi
grep -q "bad.yaml:15:18: profiles\[0\].templates.user-data: $WORK/templates/bad.tmpl: line 5: Found end of different section" \
  "$WORK/check.out" || fail "--check did not say where the syntax error is: $(cat "$WORK/check.out")"
config templates/nope.tmpl >"$WORK/missing.yaml"
if "$SLIPWAY_BIN" serve --config "$WORK/missing.yaml" --check >"$WORK/check.out" 2>&1; then
  fail "a missing template file passed --check"
fi
grep -q "missing.yaml:15:18: .*$WORK/templates/nope.tmpl: cannot read the template file" \
  "$WORK/check.out" || fail "--check did not name the missing file: $(cat "$WORK/check.out")"
pass "a syntax error and a missing file stop the load with the YAML line, the file and the line"

config templates/user-data.tmpl >"$WORK/slipway.yaml"
start_slipway "$ns" "$WORK/slipway.yaml" "$WORK/slipway.log"
get() { in_ns "$ns" curl -s "$@"; }
cli() { in_ns "$ns" "$SLIPWAY_BIN" "$@" --server "$SLIPWAY_URL"; }

# The iPXE script: the profile's template for the lab machine, the generated one for the other.
get "$SLIPWAY_URL/boot/ipxe?mac=$mac_lab" >"$WORK/lab.ipxe"
printf '#!ipxe\necho m-525400700001 installs lab\nchain %s/assets/runtime/vmlinuz\n' "$SLIPWAY_URL" |
  diff - "$WORK/lab.ipxe" || fail "the lab machine did not get its profile's iPXE template"
get "$SLIPWAY_URL/boot/ipxe?mac=$mac_other" >"$WORK/other.ipxe"
grep -q "^# slipway: machine m-525400700002 mac $mac_other state discovered" "$WORK/other.ipxe" ||
  fail "a machine without an ipxe template did not get the generated script: $(cat "$WORK/other.ipxe")"
pass "a profile's ipxe template replaces the generated script for its machine only"

# Each machine its own rendering.
get -D "$WORK/headers" "$SLIPWAY_URL/boot/templates/$mac_other/meta-data" >"$WORK/meta-data"
printf 'instance-id: "slipway-m-525400700002"\nlocal-hostname: m-525400700002\n' |
  diff - "$WORK/meta-data" || fail "wrong built-in meta-data"
grep -qi '^cache-control: no-store' "$WORK/headers" || fail "templates may be cached"
get "$SLIPWAY_URL/boot/templates/user-data?mac=$mac_other" >"$WORK/user-data"
grep -q '^hostname: m-525400700002$' "$WORK/user-data" || fail "wrong user-data: $(cat "$WORK/user-data")"
grep -q '"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 admin@example.org"' "$WORK/user-data" ||
  fail "the install key is not in user-data"
status=$(get -o "$WORK/body" -w '%{http_code}' "$SLIPWAY_URL/boot/templates/user-data?mac=$mac_lab")
[[ $status == 422 ]] || fail "a missing variable gave $status"
grep -q "machine m-525400700001: user-data ($WORK/templates/user-data.tmpl): line 4: no value for variable DOMAIN" \
  "$WORK/body" || fail "the 422 did not name the variable and line: $(cat "$WORK/body")"
[[ $(get -o /dev/null -w '%{http_code}' "$SLIPWAY_URL/boot/templates/user-data?mac=52:54:00:70:00:99") == 404 ]] ||
  fail "an unknown machine was not 404"
[[ $(get -o /dev/null -w '%{http_code}' "$SLIPWAY_URL/boot/templates/autoyast?mac=$mac_lab") == 404 ]] ||
  fail "an unknown template was not 404"
pass "GET /boot/templates: per machine, no-store, 404 for unknown, 422 with the missing variable"

# The CLI.
cli profiles render m-525400700002 meta-data | diff - "$WORK/meta-data" ||
  fail "profiles render printed something else"
if cli profiles render m-525400700001 user-data >"$WORK/render.out" 2>&1; then
  fail "profiles render succeeded with a missing variable"
fi
grep -q "line 4: no value for variable DOMAIN" "$WORK/render.out" ||
  fail "profiles render did not say what is missing: $(cat "$WORK/render.out")"
cli profiles list >"$WORK/list.out"
grep -Eq '^lab +image debian-12 +ipxe,user-data ' "$WORK/list.out" ||
  fail "profiles list does not show the templates: $(cat "$WORK/list.out")"
pass "slipway profiles render and list"
