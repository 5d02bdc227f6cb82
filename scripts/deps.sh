#!/usr/bin/env bash
# Installs the Debian packages that Slipway's build, tests and virtual lab need.
# Only packages that are missing are installed, so a second run costs a second.
# Usage: scripts/deps.sh [build|test|all|bench|image]
#   (default: all; bench adds the benchmarks' peers; image: only what image/build-test-image.sh needs)
set -euo pipefail

build_pkgs=(
  cmake ninja-build g++ pkg-config clang-format
  libboost1.81-dev libyaml-cpp-dev libsqlite3-dev libarchive-dev libssl-dev
  libcurl4-openssl-dev libpcap-dev libzstd-dev libspdlog-dev libcli11-dev
  nlohmann-json3-dev libgtest-dev libgmock-dev libctemplate-dev
  clang libclang-rt-14-dev
)
# What the tests, the runtime image and the virtual lab use at run time.
test_pkgs=(
  iproute2 curl jq sqlite3 cpio gzip kmod fdisk zstd
  # The runtime carries mke2fs and mkfs.fat for tarball deploys (image/build-runtime.sh).
  e2fsprogs dosfstools
  isc-dhcp-client udhcpc tftp-hpa atftp
  qemu-system-x86 qemu-utils ipxe-qemu ipxe ovmf busybox-static
  kea-dhcp4-server kea-admin tcpdump isc-dhcp-relay xorriso python3
  # e2e.http_boot reads its capture of the lab bridge with tshark.
  tshark
  # Template validation: debconf-set-selections checks preseeds; cloud-init (unpacked from its
  # .deb by the test, never installed) checks user-data with these libraries.
  debconf python3-yaml python3-jsonschema python3-jinja2 python3-configobj python3-requests
  python3-jsonpatch
)
# What image/build-test-image.sh uses (the e2e test image): mmdebstrap builds the tree from the
# host's Debian mirrors, GPT with sgdisk (partx for loop partitions: util-linux), ext4 and FAT
# (the ESP is written with mtools), GRUB images for BIOS and UEFI made with grub-mkimage.
image_pkgs=(
  mmdebstrap gdisk dosfstools mtools e2fsprogs util-linux
  grub-common grub-pc-bin grub-efi-amd64-bin zstd tar
)

# Peers and load tools of tests/bench (tftpd-hpa's and atftpd's servers are unpacked from their
# .debs by the benchmark itself; libwrap0 is what they link against). nginx is the HTTP peer: the
# benchmark runs its own instance with its own configuration (where systemd runs, installing the
# package also starts the distribution's instance on port 80, which the benchmark does not use).
bench_pkgs=(atftp dnsmasq-base libwrap0 wrk nginx)

case "${1:-all}" in
  build) wanted=("${build_pkgs[@]}") ;;
  test | all) wanted=("${build_pkgs[@]}" "${test_pkgs[@]}" "${image_pkgs[@]}") ;;
  bench) wanted=("${build_pkgs[@]}" "${test_pkgs[@]}" "${image_pkgs[@]}" "${bench_pkgs[@]}") ;;
  image) wanted=("${image_pkgs[@]}") ;;
  *) echo "usage: $0 [build|test|all|bench|image]" >&2; exit 2 ;;
esac

missing=()
for p in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "deps: missing packages: ${missing[*]}; run this script as root (or with sudo)" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
