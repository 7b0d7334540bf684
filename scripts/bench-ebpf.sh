#!/bin/bash
# make bench BENCH=ebpf: the cost of pp-trace's eBPF mode on the busiest
# thing it watches, loopback connect/accept/close churn (scripts/churn.c).
# In one run, alternating so that the machine's other load hits all sides
# alike: churn alone, churn under `pp-trace` (eBPF), and churn under
# `pp-trace --no-ebpf` (polling, the peer: what a tool without kernel hooks
# costs, and what it sees). Prints connections per second of each round,
# the throughput ratios (median of rounds), the eBPF mode's dropped events
# at the default ring buffer, and how many of the churned connections each
# mode reported; and, as a measure the machine's other load does not blur,
# the CPU time per connection: of the churn itself, of the pp-trace process,
# and of the BPF programs (the kernel's bpf_stats, switched on for the run
# and restored after). Needs root. ROUNDS and SECS tune it (default 5 x 3 s).
set -uo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-3}
TRACE=bin/pp-trace
OUT=build/bench
mkdir -p "$OUT"

if [ "$(id -u)" != 0 ]; then
    echo "bench-ebpf: needs root (skipped)"
    exit 0
fi
cc -O2 -Wall -Wextra -Werror -pthread scripts/churn.c -o "$OUT/churn" || exit 1

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
rate() { jq -r '(.connections / .seconds) | floor' <<<"$1"; }

# churn_under MODE: one churn round, with pp-trace in MODE (none, ebpf, poll)
# attached; prints "rate seen dropped connections churn_us trace_us bpf_ns"
# (the last three per connection).
churn_under() {
    local mode=$1 tpid= res port seen=0 dropped=0 n ids= tticks=0 bpf_ns=0 u s
    rm -f "$OUT/trace.err" # no stale "attached" from the last round
    case $mode in
        ebpf) nice -n 5 "$TRACE" -v --stats --tcp >"$OUT/trace.out" 2>"$OUT/trace.err" & tpid=$! ;;
        poll) nice -n 5 "$TRACE" --no-ebpf --tcp >"$OUT/trace.out" 2>"$OUT/trace.err" & tpid=$! ;;
    esac
    if [ -n "$tpid" ]; then
        for _ in $(seq 1 100); do
            [ $mode = poll ] && { sleep 1; break; }
            grep -q 'eBPF attached' "$OUT/trace.err" 2>/dev/null && break
            sleep 0.1
        done
        [ $mode = ebpf ] && ids=$(grep -h '^prog_id:' /proc/$tpid/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -u)
        tticks=$(awk '{print $14 + $15}' /proc/$tpid/stat)
    fi
    res=$(nice -n 5 /usr/bin/time -f '%U %S' -o "$OUT/churn.time" "$OUT/churn" "$SECS")
    port=$(jq .port <<<"$res")
    n=$(jq .connections <<<"$res")
    read -r u s <"$OUT/churn.time"
    if [ -n "$tpid" ]; then
        tticks=$(( $(awk '{print $14 + $15}' /proc/$tpid/stat) - tticks ))
        local id
        for id in $ids; do
            bpf_ns=$((bpf_ns + $(bpftool prog show id "$id" -j 2>/dev/null | jq '.run_time_ns // 0')))
        done
        sleep 1
        kill -INT $tpid
        wait $tpid
        seen=$(jq -c "select(.event==\"connect\" and .dport==$port)" "$OUT/trace.out" | wc -l)
        [ $mode = ebpf ] && dropped=$(jq -s '[.[]|select(.type=="stats")]|last|.dropped' "$OUT/trace.out")
    fi
    awk -v r="$(rate "$res")" -v seen="$seen" -v d="$dropped" -v n="$n" -v u="$u" -v s="$s" \
        -v tt="$tticks" -v hz="$(getconf CLK_TCK)" -v b="$bpf_ns" \
        'BEGIN { printf "%d %d %d %d %.1f %.1f %.0f\n", r, seen, d, n, (u + s) * 1e6 / n, tt / hz * 1e6 / n, b / n }'
}

old_stats=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo 0)
sysctl -q -w kernel.bpf_stats_enabled=1
trap 'sysctl -q -w kernel.bpf_stats_enabled=$old_stats' EXIT

declare -A rates cpu
echo "   loopback churn (scripts/churn.c), $ROUNDS x ${SECS}s rounds: connections/s; connect records seen/connections"
drops=0
for r in $(seq 1 "$ROUNDS"); do
    line="   round $r:"
    for mode in none ebpf poll; do
        read -r cps seen dropped total cus tus bns < <(churn_under $mode)
        rates[$mode]+="$cps "
        cpu[$mode]+="$cus "
        case $mode in
            none) line+=" alone $cps" ;;
            ebpf) line+=", eBPF $cps ($seen/$total)"; drops=$((drops + dropped))
                  cpu[trace]+="$tus "; cpu[bpf]+="$bns " ;;
            poll) line+=", polling $cps ($seen/$total)" ;;
        esac
    done
    echo "$line"
done
med() { tr ' ' '\n' <<<"$1" | grep . | median; }
awk -v n="$(med "${rates[none]}")" -v e="$(med "${rates[ebpf]}")" -v p="$(med "${rates[poll]}")" \
    -v cn="$(med "${cpu[none]}")" -v ce="$(med "${cpu[ebpf]}")" -v ct="$(med "${cpu[trace]}")" \
    -v cb="$(med "${cpu[bpf]}")" -v d="$drops" 'BEGIN {
    printf "   median throughput: alone %d/s, under eBPF %d/s (ratio %.3f, %+.1f%%), under polling %d/s (ratio %.3f, %+.1f%%)\n",
        n, e, e / n, (e / n - 1) * 100, p, p / n, (p / n - 1) * 100
    printf "   median CPU per connection: churn alone %.1f us, churn under eBPF %.1f us; BPF programs %.2f us; pp-trace (4 records) %.1f us\n",
        cn, ce, cb / 1000, ct
    printf "   eBPF events dropped at the default ring buffer: %d\n", d
}'
rm -f "$OUT/trace.out" "$OUT/churn.time"
