#!/bin/bash
# make bench BENCH=live: pp-sniff live at rising packet rates. The
# handshake capture (scripts/make-handshake-pcap.sh, made by bench-sniff.sh)
# is replayed with tcpreplay onto one end of a veth pair in a network
# namespace; on the other end, in another namespace, pp-sniff -i (its
# records into a pipe, so that it writes marks as it does for pp-join) and
# `tcpdump -w /dev/null` capture. For each rate: the packets sent, and the
# kernel drops of each (pcap_stats, as both report them at exit), in two
# modes: "together" (both capture the same replay) and "alone" (one replay
# each, by turns, the order alternating), each mode BENCH_LIVE_REPEATS times.
# pp-sniff runs with its defaults and with the other capture settings
# compared (BENCH_LIVE_CONFIGS).
#   BENCH_LIVE_RATES    packets/s, 0 = as fast as tcpreplay can (default
#                       "25000 50000 100000 200000 0")
#   BENCH_LIVE_SECS     seconds per replay (default 3)
#   BENCH_LIVE_REPEATS  rounds of each mode (default 2)
#   BENCH_LIVE_MODES    "together alone" (default both)
#   BENCH_LIVE_CONFIGS  name:options, ";"-separated; the first is pp-sniff's
#                       defaults (default: defaults, then 8 MiB, the default
#                       before, and 128 MiB buffers)
#   PP_SNIFF            the pp-sniff binary (default bin/pp-sniff)
# Goal (issue 15): pp-sniff (defaults) drops no more than tcpdump at every
# rate, in every round of both modes.
set -uo pipefail
cd "$(dirname "$0")/.."
dir=build/bench
RATES=${BENCH_LIVE_RATES:-"25000 50000 100000 200000 0"}
SECS=${BENCH_LIVE_SECS:-3}
REPEATS=${BENCH_LIVE_REPEATS:-2}
MODES=${BENCH_LIVE_MODES:-"together alone"}
CONFIGS=${BENCH_LIVE_CONFIGS:-"default:;buffer 8 MiB:--buffer-size 8192;buffer 128 MiB:--buffer-size 131072"}
SNIFF=${PP_SNIFF:-bin/pp-sniff}
[ "$(id -u)" = 0 ] || { echo "   SKIP: needs root for network namespaces"; exit 0; }
for t in tcpreplay tcpdump ip; do
    command -v $t >/dev/null || { echo "   SKIP: $t not installed (scripts/deps.sh with PP_BENCH_DEPS=1)"; exit 0; }
done
mkdir -p "$dir"
pcap=$(bash scripts/get-handshake-pcap.sh 2>"$dir/hs.err") || { echo "   SKIP: no handshake capture ($(tail -1 "$dir/hs.err"))"; exit 0; }
[ -x "$dir/bench-pcap-read" ] || cc -O2 -o "$dir/bench-pcap-read" scripts/bench-pcap-read.c -lpcap || exit 1

tx=pp-lvt-$$ rx=pp-lvr-$$
tmp=$(mktemp -d)
cleanup() {
    local f
    # Each capture's own pid (ip netns exec forks), then the namespaces.
    for f in "$tmp"/*.pid; do [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
    wait 2>/dev/null
    ip netns del "$tx" 2>/dev/null
    ip netns del "$rx" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$tx" && ip netns add "$rx" || exit 1
ip link add lvt$$ netns "$tx" type veth peer name lvr$$ netns "$rx" || exit 1
ip -n "$tx" link set lvt$$ up
ip -n "$rx" link set lvr$$ up
total=$("$dir/bench-pcap-read" "$pcap" 2>/dev/null | cut -d' ' -f1)

# start NAME COMMAND...: COMMAND in the receiving namespace, in the
# background, its pid in $tmp/NAME.pid, stderr in $tmp/NAME.err, stdout
# into a pipe that is read and thrown away.
start() {
    local name=$1
    shift
    : >"$tmp/$name.pid"
    ip netns exec "$rx" sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$tmp/$name.pid" "$@" \
        2>"$tmp/$name.err" | cat >/dev/null &
}
# ready NAME WORD: until NAME's stderr says WORD (at most 5 s)
ready() {
    local i
    for i in $(seq 50); do grep -q "$2" "$tmp/$1.err" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}
# stop NAME...: SIGINT to each, its CPU seconds (user + system, from
# /proc) in $tmp/NAME.cpu first
stop() {
    local name f
    for name; do
        f=$tmp/$name.pid
        [ -s "$f" ] || continue
        awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f\n", ($14 + $15) / hz}' "/proc/$(cat "$f")/stat" \
            >"$tmp/$name.cpu" 2>/dev/null
        kill -INT "$(cat "$f")" 2>/dev/null
    done
    wait
    for name; do : >"$tmp/$name.pid"; done
}

# replay RATE WHO PP-OPTIONS: WHO is pp, td or both; prints
# "sent pp_drops tcpdump_drops achieved_pps pp_cpu td_cpu" ("-" for who
# did not run)
replay() {
    local rate=$1 who=$2 opts=$3 n sent pd=- td=- pps pc=- tc=-
    n=$((rate > 0 ? rate * SECS : total))
    [ "$n" -gt "$total" ] && n=$total
    if [ "$who" != td ]; then
        # -v: the sandbox's lines once the capture is open, counts at exit
        # shellcheck disable=SC2086 # opts are words
        start pp "$SNIFF" -v -i lvr$$ $opts
        ready pp 'sandbox: seccomp'
    fi
    if [ "$who" != pp ]; then
        start td tcpdump -n -i lvr$$ -w /dev/null
        ready td listening
    fi
    sleep 0.5
    if [ "$rate" -gt 0 ]; then
        ip netns exec "$tx" tcpreplay -q -i lvt$$ --pps="$rate" --limit="$n" "$pcap" >"$tmp/tr.out" 2>&1
    else
        ip netns exec "$tx" tcpreplay -q -i lvt$$ --topspeed --limit="$n" "$pcap" >"$tmp/tr.out" 2>&1
    fi
    sleep 1
    stop pp td
    sent=$(sed -n 's/.*Actual: \([0-9]*\) packets.*/\1/p' "$tmp/tr.out" | head -1)
    pps=$(sed -n 's/.*Rated: [0-9.]* Bps, [0-9.]* Mbps, \([0-9.]*\) pps.*/\1/p' "$tmp/tr.out" | head -1)
    if [ "$who" != td ]; then
        pd=$(sed -n 's/.* \([0-9]*\) dropped by kernel.*/\1/p' "$tmp/pp.err" | tail -1)
        pc=$(cat "$tmp/pp.cpu" 2>/dev/null)
    fi
    if [ "$who" != pp ]; then
        td=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$tmp/td.err" | tail -1)
        tc=$(cat "$tmp/td.cpu" 2>/dev/null)
    fi
    # A promise pp-sniff had to widen (pp-sniff(1) CAPTURE BUFFER): shown.
    [ "$who" != td ] && grep -h 'after a mark' "$tmp/pp.err" | sed 's/^/   note: /' >&2
    echo "${sent:-?} ${pd:-?} ${td:-?} ${pps:-0} ${pc:-?} ${tc:-?}"
}

echo "   replaying $pcap ($total packets) onto a veth pair, ${SECS} s per rate, $REPEATS round(s) per mode;"
echo "   load average at start: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; pp-sniff's records into a pipe (marks on)"
printf '   %-14s %-8s %5s %5s %8s %13s %9s %9s %6s %6s %5s\n' 'pp-sniff' mode round rate 'sent/s' sent \
    'pp drops' 'td drops' 'pp cpu' 'td cpu' load
worse=0 rows=0
IFS=';' read -ra cfgs <<<"$CONFIGS"
for cfg in "${cfgs[@]}"; do
    name=${cfg%%:*} opts=${cfg#*:}
    for mode in $MODES; do
        for round in $(seq "$REPEATS"); do
            for rate in $RATES; do
                if [ "$mode" = together ]; then
                    read -r sent pd td pps pc tc < <(replay "$rate" both "$opts")
                else
                    # alone: by turns, who goes first alternating by round
                    if [ $((round % 2)) = 1 ]; then
                        read -r sent pd _ pps pc _ < <(replay "$rate" pp "$opts")
                        read -r sent2 _ td _ _ tc < <(replay "$rate" td "$opts")
                    else
                        read -r sent2 _ td _ _ tc < <(replay "$rate" td "$opts")
                        read -r sent pd _ pps pc _ < <(replay "$rate" pp "$opts")
                    fi
                    [ "$sent2" != "$sent" ] && sent="$sent/$sent2"
                fi
                printf '   %-14s %-8s %5s %5s %8.0f %13s %9s %9s %6s %6s %5s\n' "$name" "$mode" "$round" \
                    "$([ "$rate" = 0 ] && echo max || echo "$((rate / 1000))k")" "${pps/\?/0}" "$sent" \
                    "$pd" "$td" "$pc" "$tc" "$(cut -d' ' -f1 /proc/loadavg)"
                if [ "$name" = default ]; then
                    rows=$((rows + 1))
                    if [ "$pd" = "?" ] || [ "$td" = "?" ] || [ "$pd" -gt "$td" ]; then
                        worse=$((worse + 1))
                    fi
                fi
            done
        done
    done
done
if [ $worse -eq 0 ]; then
    echo "   pp-sniff (defaults) dropped no more than tcpdump in all $rows rows (goal met)"
else
    echo "   pp-sniff (defaults) dropped more than tcpdump (or a count is missing) in $worse of $rows rows (goal NOT met)"
fi
