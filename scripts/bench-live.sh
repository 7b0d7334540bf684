#!/bin/bash
# make bench BENCH=live: pp-sniff live at rising packet rates. The
# handshake capture (scripts/make-handshake-pcap.sh, made by bench-sniff.sh)
# is replayed with tcpreplay onto one end of a veth pair in a network
# namespace; on the other end, in another namespace, pp-sniff -i and
# `tcpdump -w /dev/null` capture at the same time. For each rate: the
# packets sent, and the kernel drops of each (pcap_stats, as both report
# them at exit). pp-sniff runs with its defaults and with the other capture
# settings compared (BENCH_LIVE_CONFIGS), one replay each.
#   BENCH_LIVE_RATES  packets/s, 0 = as fast as tcpreplay can (default
#                     "25000 50000 100000 200000 0")
#   BENCH_LIVE_SECS   seconds per replay (default 3)
# Goal (issue 15): pp-sniff drops no more than tcpdump at every rate.
set -uo pipefail
cd "$(dirname "$0")/.."
dir=build/bench
RATES=${BENCH_LIVE_RATES:-"25000 50000 100000 200000 0"}
SECS=${BENCH_LIVE_SECS:-3}
# name:options, ";"-separated; the first is pp-sniff's defaults.
CONFIGS=${BENCH_LIVE_CONFIGS:-"default:;buffer 2 MiB:--buffer-size 2048;buffer 32 MiB:--buffer-size 32768"}
[ "$(id -u)" = 0 ] || { echo "   SKIP: needs root for network namespaces"; exit 0; }
for t in tcpreplay tcpdump ip; do
    command -v $t >/dev/null || { echo "   SKIP: $t not installed (scripts/deps.sh with PP_BENCH_DEPS=1)"; exit 0; }
done
pcap=$(bash scripts/get-handshake-pcap.sh 2>"$dir/hs.err") || { echo "   SKIP: no handshake capture ($(tail -1 "$dir/hs.err"))"; exit 0; }
[ -x "$dir/bench-pcap-read" ] || cc -O2 -o "$dir/bench-pcap-read" scripts/bench-pcap-read.c -lpcap || exit 1

tx=pp-lvt-$$ rx=pp-lvr-$$
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    ip netns del "$tx" 2>/dev/null
    ip netns del "$rx" 2>/dev/null
}
trap cleanup EXIT
ip netns add "$tx" && ip netns add "$rx" || exit 1
ip link add lvt$$ netns "$tx" type veth peer name lvr$$ netns "$rx" || exit 1
ip -n "$tx" link set lvt$$ up
ip -n "$rx" link set lvr$$ up
total=$("$dir/bench-pcap-read" "$pcap" 2>/dev/null | cut -d' ' -f1)

# replay RATE PP-OPTIONS: prints "sent pp_drops tcpdump_drops achieved_pps"
replay() {
    local rate=$1 opts=$2 n sp st sent pd td pps
    n=$((rate > 0 ? rate * SECS : total))
    [ "$n" -gt "$total" ] && n=$total
    # shellcheck disable=SC2086 # opts are words
    ip netns exec "$rx" bin/pp-sniff -i lvr$$ $opts >/dev/null 2>"$dir/live-pp.err" &
    sp=$!
    ip netns exec "$rx" tcpdump -n -i lvr$$ -w /dev/null 2>"$dir/live-td.err" &
    st=$!
    pids=("$sp" "$st")
    for i in $(seq 50); do grep -q listening "$dir/live-td.err" && break; sleep 0.1; done
    sleep 1 # pp-sniff says nothing when it is ready
    if [ "$rate" -gt 0 ]; then
        ip netns exec "$tx" tcpreplay -q -i lvt$$ --pps="$rate" --limit="$n" "$pcap" >"$dir/live-tr.out" 2>&1
    else
        ip netns exec "$tx" tcpreplay -q -i lvt$$ --topspeed --limit="$n" "$pcap" >"$dir/live-tr.out" 2>&1
    fi
    sleep 1
    kill -INT "$sp" "$st"
    wait "$sp" "$st" 2>/dev/null
    pids=()
    sent=$(sed -n 's/.*Actual: \([0-9]*\) packets.*/\1/p' "$dir/live-tr.out" | head -1)
    pps=$(sed -n 's/.*Rated: [0-9.]* Bps, [0-9.]* Mbps, \([0-9.]*\) pps.*/\1/p' "$dir/live-tr.out" | head -1)
    pd=$(sed -n 's/.* \([0-9]*\) dropped by kernel.*/\1/p' "$dir/live-pp.err" | tail -1)
    td=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$dir/live-td.err" | tail -1)
    echo "${sent:-?} ${pd:-?} ${td:-?} ${pps:-?}"
}

echo "   replaying $pcap ($total packets) onto a veth pair, ${SECS} s per rate; load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '   %-14s %10s %10s %10s %12s %12s\n' 'pp-sniff' 'rate' 'achieved' 'sent' 'pp drops' 'tcpdump drops'
worse=0
IFS=';' read -ra cfgs <<<"$CONFIGS"
for cfg in "${cfgs[@]}"; do
    name=${cfg%%:*} opts=${cfg#*:}
    for rate in $RATES; do
        read -r sent pd td pps < <(replay "$rate" "$opts")
        printf '   %-14s %10s %10.0f %10s %12s %12s\n' "$name" "$([ "$rate" = 0 ] && echo max || echo "$rate")" \
            "${pps/\?/0}" "$sent" "$pd" "$td"
        if [ "$name" = default ] && [ "$pd" != "?" ] && [ "$td" != "?" ] && [ "$pd" -gt "$td" ]; then
            worse=$((worse + 1))
        fi
    done
done
if [ $worse -eq 0 ]; then
    echo "   pp-sniff (defaults) dropped no more than tcpdump at every rate (goal met)"
else
    echo "   pp-sniff (defaults) dropped more than tcpdump at $worse rate(s) (goal NOT met)"
fi
