#!/bin/bash
# make bench BENCH=kdns: the cost of pp-trace's packet programs, whose
# DNS part (bpf/dns.h) looks at every packet, on traffic that is not DNS, which is all they see
# most of the time: a loopback UDP ping-pong (scripts/udp-pingpong.c, two
# egress and two ingress packets per round trip). In one run, alternating
# rounds: ping-pong alone, under `pp-trace --no-dns` and under `pp-trace`,
# median round trips/s of each; and, which the machine's other load does
# not blur, the kernel's own account of the packet programs (bpf_stats,
# switched on for the run and restored after): runs and ns per run of
# cgroup_skb/egress and ingress. Needs root. ROUNDS, SECS tune it.
set -uo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-3}
TRACE=bin/pp-trace
OUT=build/bench
mkdir -p "$OUT"

if [ "$(id -u)" != 0 ]; then
    echo "bench-kdns: needs root (skipped)"
    exit 0
fi
cc -O2 -Wall -Wextra -Werror scripts/udp-pingpong.c -o "$OUT/udp-pingpong" || exit 1

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# pong_under MODE (none, nodns, dns): one round; prints "rate runs ns"
# (runs of the DNS programs in the round, ns of theirs per run).
pong_under() {
    local mode=$1 tpid= res ids= id runs=0 ns=0 r0=0 n0=0 j
    rm -f "$OUT/kdns.err"
    case $mode in
        nodns) "$TRACE" -v --no-dns >/dev/null 2>"$OUT/kdns.err" & tpid=$! ;;
        dns) "$TRACE" -v >/dev/null 2>"$OUT/kdns.err" & tpid=$! ;;
    esac
    if [ -n "$tpid" ]; then
        for _ in $(seq 1 100); do grep -q 'eBPF attached' "$OUT/kdns.err" 2>/dev/null && break; sleep 0.1; done
        ids=$(grep -h '^prog_id:' /proc/$tpid/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -u)
    fi
    stats() { # the DNS skb programs' run count and time, summed
        local r=0 n=0
        for id in $ids; do
            j=$(bpftool prog show id "$id" -j 2>/dev/null) || continue
            case $(jq -r .name <<<"$j") in cg_skb_egress|cg_skb_ingress)
                r=$((r + $(jq '.run_cnt // 0' <<<"$j"))); n=$((n + $(jq '.run_time_ns // 0' <<<"$j"))) ;;
            esac
        done
        echo "$r $n"
    }
    read -r r0 n0 < <(stats)
    res=$("$OUT/udp-pingpong" "$SECS")
    read -r runs ns < <(stats)
    if [ -n "$tpid" ]; then
        kill -INT $tpid
        wait $tpid
    fi
    runs=$((runs - r0)); ns=$((ns - n0))
    awk -v r="$(jq -r '(.round_trips / .seconds) | floor' <<<"$res")" -v c="$runs" -v t="$ns" \
        'BEGIN { printf "%d %d %.1f\n", r, c, c ? t / c : 0 }'
}

old_stats=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo 0)
sysctl -q -w kernel.bpf_stats_enabled=1
trap 'sysctl -q -w kernel.bpf_stats_enabled=$old_stats' EXIT

declare -A rates
nsl= runl=
echo "   loopback UDP ping-pong (scripts/udp-pingpong.c), $ROUNDS x ${SECS}s rounds: round trips/s"
for r in $(seq 1 "$ROUNDS"); do
    line="   round $r:"
    for mode in none nodns dns; do
        read -r rate runs ns < <(pong_under $mode)
        rates[$mode]+="$rate "
        case $mode in
            none) line+=" alone $rate" ;;
            nodns) line+=", pp-trace --no-dns $rate" ;;
            dns) line+=", pp-trace $rate (DNS programs: $runs runs, $ns ns/run)"; nsl+="$ns "; runl+="$runs " ;;
        esac
    done
    echo "$line"
done
med() { tr ' ' '\n' <<<"$1" | grep . | median; }
awk -v n="$(med "${rates[none]}")" -v a="$(med "${rates[nodns]}")" -v d="$(med "${rates[dns]}")" \
    -v ns="$(med "$nsl")" 'BEGIN {
    printf "   median: alone %d/s, pp-trace --no-dns %d/s (%.3f), pp-trace %d/s (%.3f; %.3f of --no-dns)\n",
        n, a, a / n, d, d / n, d / a
    printf "   DNS programs on non-DNS packets: median %.1f ns per packet (bpf_stats)\n", ns
}'
