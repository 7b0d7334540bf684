#!/bin/bash
# make bench BENCH=flows: pp-sniff's flow table from 1k to 1M open flows
# (scripts/bench-flowtab.c, linked with pp-sniff's engine): ns per packet
# to create a flow (its lookup misses, start record to /dev/null), to find
# one (lookup hits), and the longest single packet. Goal (issue 15): insert
# and lookup stay flat up to 1M flows, and no packet waits for the table to
# grow. BENCH_FLOWS overrides the sizes.
set -uo pipefail
cd "$(dirname "$0")/.."
dir=build/bench
mkdir -p "$dir"
srcs=$(ls cmd/pp-sniff/*.c | grep -v '/main\.c$')
# shellcheck disable=SC2086 # a list of sources
cc -O2 -std=gnu11 -D_GNU_SOURCE -Icommon -Icmd/pp-sniff -o "$dir/bench-flowtab" scripts/bench-flowtab.c $srcs \
    build/rel/libppcommon.a -lpcap -lcsv -lcrypto -lm || exit 1
echo "   load: $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086
nice "$dir/bench-flowtab" ${BENCH_FLOWS:-}
