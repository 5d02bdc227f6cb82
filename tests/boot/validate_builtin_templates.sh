#!/usr/bin/env bash
# The built-in templates (boot/templates/*.tmpl), rendered for two sample machines by
# render_builtin_templates, checked by the real tools:
#   offline     preseed: debconf-set-selections --checkonly; kickstart: a structural check
#               (pykickstart's ksvalidator is not packaged in Debian 12): the required commands
#               are there, %packages/%post sections are closed by %end, no variable marker is
#               left; meta-data: the two keys. Fast and hermetic (label unit).
#   cloud-init  user-data and meta-data: `cloud-init schema --config-file`, with Debian's
#               cloud-init package unpacked (never installed: its boot-time services would
#               reconfigure this machine) under BUILD_DIR/tests/cache/cloud-init; the first run
#               downloads it with `apt-get download` (label integration). Its Python libraries
#               come from scripts/deps.sh (test_pkgs).
# Usage: validate_builtin_templates.sh BUILD_DIR offline|cloud-init
set -euo pipefail
BUILD_DIR=$(cd "$1" && pwd)
MODE=$2
CLOUD_INIT=$BUILD_DIR/tests/cache/cloud-init
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
WORK=$(mktemp -d /tmp/slipway-templates-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
"$BUILD_DIR/tests/boot/render_builtin_templates" "$WORK" || fail "rendering the built-ins"

check_preseed() {
  local f=$1
  debconf-set-selections --checkonly "$f" 2>"$WORK/debconf.err" ||
    fail "$f: debconf-set-selections: $(cat "$WORK/debconf.err")"
  # --checkonly accepts any line it can split; also refuse the warnings it prints.
  [[ ! -s "$WORK/debconf.err" ]] || fail "$f: debconf-set-selections: $(cat "$WORK/debconf.err")"
  grep -q '^d-i netcfg/get_hostname string ' "$f" || fail "$f: no host name"
  echo "ok: $f passes debconf-set-selections --checkonly"
}

check_kickstart() {
  local f=$1 cmd
  for cmd in lang keyboard timezone rootpw network bootloader; do
    grep -Eq "^$cmd( |$)" "$f" || fail "$f: required command '$cmd' is missing"
  done
  grep -Eq '^(autopart|part) ' "$f" || grep -Eq '^autopart$' "$f" ||
    fail "$f: no partitioning (autopart or part)"
  # Every %packages/%pre/%post/%pre-install/%onerror/%addon section is closed by %end before the
  # next one opens, and every %end closes one.
  awk -v f="$f" '
    /^%(packages|pre|post|pre-install|onerror|traceback|addon|anaconda)([ \t]|$)/ {
      if (open) { printf "%s:%d: %s opens inside %s\n", f, NR, $1, open; bad = 1 }
      open = $1; next }
    /^%end[ \t]*$/ {
      if (!open) { printf "%s:%d: %%end closes nothing\n", f, NR; bad = 1 }
      open = ""; next }
    /^%/ { printf "%s:%d: unknown section %s\n", f, NR, $1; bad = 1 }
    END { if (open) { printf "%s: %s is never closed by %%end\n", f, open; bad = 1 }
          exit bad }' "$f" || fail "$f: sections are not balanced"
  grep -q '^%packages' "$f" || fail "$f: no %packages section"
  echo "ok: $f has the required commands and balanced sections"
}

check_no_markers() {
  local f=$1
  if grep -n '{{' "$f"; then fail "$f: a template marker was left in the output"; fi
}

check_meta_data() {
  local f=$1
  grep -Eq '^instance-id: "slipway-[a-z0-9-]+"$' "$f" || fail "$f: no instance-id"
  grep -Eq '^local-hostname: [a-z0-9-]+$' "$f" || fail "$f: no local-hostname"
}

# Debian's cloud-init, unpacked once into the build folder (downloaded on the first run).
fetch_cloud_init() {
  [[ -x "$CLOUD_INIT/root/usr/bin/cloud-init" ]] && return 0
  rm -rf "$CLOUD_INIT"
  mkdir -p "$CLOUD_INIT/download"
  (cd "$CLOUD_INIT/download" && apt-get download -q cloud-init >/dev/null 2>../download.err) ||
    fail "apt-get download cloud-init: $(cat "$CLOUD_INIT/download.err")"
  dpkg-deb -x "$CLOUD_INIT"/download/cloud-init_*.deb "$CLOUD_INIT/root"
  [[ -x "$CLOUD_INIT/root/usr/bin/cloud-init" ]] || fail "no cloud-init in the unpacked package"
}

cloud_init() {
  # Debian's interpreter, whose dist-packages hold the libraries cloud-init imports.
  PYTHONPATH=$CLOUD_INIT/root/usr/lib/python3/dist-packages /usr/bin/python3 \
    "$CLOUD_INIT/root/usr/bin/cloud-init" "$@"
}

check_cloud_config() {
  local f=$1
  cloud_init schema --config-file "$f" >"$WORK/schema.out" 2>&1 ||
    fail "$f: cloud-init schema: $(cat "$WORK/schema.out")"
  grep -q '^Valid cloud-config' "$WORK/schema.out" ||
    fail "$f: cloud-init schema: $(cat "$WORK/schema.out")"
  echo "ok: $f is valid cloud-config"
}

check_meta_data_yaml() {
  local f=$1
  /usr/bin/python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1]));
assert isinstance(d, dict) and set(d) == {"instance-id", "local-hostname"}, d' "$f" ||
    fail "$f: meta-data is not the YAML mapping cloud-init expects"
  echo "ok: $f parses as cloud-init meta-data"
}

[[ "$MODE" != cloud-init ]] || fetch_cloud_init
for machine in full minimal; do
  dir=$WORK/$machine
  for f in "$dir"/*; do check_no_markers "$f"; done
  case "$MODE" in
    offline)
      check_preseed "$dir/preseed"
      check_kickstart "$dir/kickstart"
      check_meta_data "$dir/meta-data"
      ;;
    cloud-init)
      check_cloud_config "$dir/user-data"
      check_meta_data_yaml "$dir/meta-data"
      ;;
    *) fail "unknown mode '$MODE' (offline or cloud-init)" ;;
  esac
done
# The sample keys reach the output intact, the one with YAML indicators (': #', '{') too.
if [[ "$MODE" == cloud-init ]]; then
  /usr/bin/python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1]));
assert d["ssh_authorized_keys"][1] == "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 ops key: #1 {a}", d' \
    "$WORK/full/user-data" || fail "the SSH keys do not survive YAML parsing"
  echo "ok: SSH keys round-trip through YAML"
fi
