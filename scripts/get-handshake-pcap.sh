#!/bin/bash
# The handshake capture of scripts/bench-sniff.sh and bench-live.sh:
# prints its path, making it first (scripts/make-handshake-pcap.sh, needs
# root) when it is missing or its scripts changed. BENCH_HS_PACKETS
# (default 600000). Exit status 1 (and a reason on stderr) if it cannot be.
set -uo pipefail
cd "$(dirname "$0")/.."
n=${BENCH_HS_PACKETS:-600000}
pcap=build/bench/handshake-$n.pcap
stamp=${pcap%.pcap}.stamp
mkdir -p build/bench
sum=$(cat scripts/make-handshake-pcap.sh scripts/replicate-pcap.py | cksum | cut -d' ' -f1)
if [ -s "$pcap" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ]; then
    echo "$pcap"
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "making it needs root for network namespaces" >&2
    exit 1
fi
echo "   making the handshake capture from real clients (scripts/make-handshake-pcap.sh)" >&2
nice bash scripts/make-handshake-pcap.sh "$pcap" "$n" >&2 || { echo "scripts/make-handshake-pcap.sh failed" >&2; exit 1; }
echo "$sum" >"$stamp"
echo "$pcap"
