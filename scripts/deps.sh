#!/bin/bash
# Install the Debian packages PortPulse needs to build and test, only those
# missing (idempotent). README.md ("Dependencies") says why each is here.
#   scripts/deps.sh                    install what is missing (needs root)
#   scripts/deps.sh --check-or-install used by make: quiet when all is present
#   scripts/deps.sh --list             print the package list
set -euo pipefail

BUILD_PKGS=(gcc make pkg-config clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
            libpcap-dev libcsv-dev libjsmn-dev libssl-dev libseccomp-dev)
TEST_PKGS=(jq tshark nftables socat python3 python3-scapy iproute2 curl openssl
           tmux util-linux procps libclang-rt-14-dev openssh-client openssh-server
           dnsmasq-base bind9-dnsutils time lintian logrotate)
BENCH_PKGS=(hyperfine miller libndpi-bin python3-cryptography time tcpdump tcpreplay
            libbpf-tools)
# Screenshots of pp-fmt --top for docs/ (scripts/screenshots.sh), PP_DOCS_DEPS=1.
DOCS_PKGS=(python3-pil fonts-dejavu-core tmux)

want=("${BUILD_PKGS[@]}" "${TEST_PKGS[@]}")
[ "${PP_BENCH_DEPS:-0}" = 1 ] && want+=("${BENCH_PKGS[@]}")
[ "${PP_DOCS_DEPS:-0}" = 1 ] && want+=("${DOCS_PKGS[@]}")

if [ "${1:-}" = --list ]; then
    printf '%s\n' "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}" "${BENCH_PKGS[@]}" "${DOCS_PKGS[@]}"
    exit 0
fi

missing=()
for p in "${want[@]}"; do
    s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$s" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing missing packages: ${missing[*]}" >&2
SUDO=
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "deps: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no, non-interactively.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
# dnsmasq-base/openssh-server must not start system services: we only run them
# by hand inside test network namespaces.
