#!/bin/bash
# make bench BENCH=sniff: pp-sniff -r on two captures, side by side in the
# same run with ndpiReader, tshark -T fields extracting the same metadata
# (SNI, ALPN, DNS names and answers, HTTP host/method/URI/user agent, SSH
# banners) and a bare pcap_next_ex loop (the floor; bare-mmap is the same
# loop reading the file through mmap, as pp-sniff -r does):
#   handshake  real clients' short TLS, HTTP, DNS and SSH sessions, repeated
#              (scripts/make-handshake-pcap.sh, needs root for namespaces;
#              BENCH_HS_PACKETS, default 600000)
#   bulk       a synthetic mix with bulk transfers, big packets
#              (scripts/make-bench-pcap.py; BENCH_SNIFF_MB, default 300)
# BENCH_SNIFF_ROUNDS rounds (default 5; tshark in the first
# BENCH_TSHARK_ROUNDS, default 3); each round runs every tool once, in an
# order that rotates from round to round; CPU time (user + sys, from
# wait4, scripts/bench-cputime.c) and wall time are the medians over the
# rounds. Goals (issue 15): on the handshake
# capture pp-sniff >= 1.5x ndpiReader, >= 25x tshark, <= 3x the bare read;
# on the bulk capture >= 2x ndpiReader, >= 25x tshark, <= 2x the bare read.
set -uo pipefail
cd "$(dirname "$0")/.."
dir=build/bench
mkdir -p "$dir"
ROUNDS=${BENCH_SNIFF_ROUNDS:-5}
TROUNDS=${BENCH_TSHARK_ROUNDS:-3}
cc -O2 -o "$dir/bench-pcap-read" scripts/bench-pcap-read.c -lpcap || exit 1
cc -O2 -o "$dir/bench-cputime" scripts/bench-cputime.c || exit 1

# cached CAPTURE-PATH SCRIPT... : (re)make a capture when its scripts changed.
cached() {
    local pcap=$1; shift
    local sum stamp=${pcap%.pcap}.stamp
    sum=$(cat "$@" | cksum | cut -d' ' -f1)
    [ -s "$pcap" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ] && return 0
    return 1
}
stamp() { local pcap=$1; shift; cat "$@" | cksum | cut -d' ' -f1 >"${pcap%.pcap}.stamp"; }

median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

tshark_cmd() {
    tshark -n -r "$1" -o tcp.desegment_tcp_streams:TRUE \
        -Y 'tls.handshake.type == 1 || dns || http.request || ssh.protocol' -T fields \
        -e tls.handshake.extensions_server_name -e tls.handshake.extensions_alpn_str \
        -e dns.qry.name -e dns.a -e dns.aaaa -e dns.cname -e http.host -e http.request.method \
        -e http.request.uri -e http.user_agent -e ssh.protocol
}

# run1 NAME PCAP: one timed run, appending "cpu wall rss" to $dir/NAME.times
run1() {
    local name=$1 pcap=$2 c t k
    case $name in
    bare-read) set -- "$dir/bench-pcap-read" "$pcap" ;;
    bare-mmap) set -- "$dir/bench-pcap-read" -m "$pcap" ;;
    pp-sniff) set -- bin/pp-sniff -r "$pcap" ;;
    ndpiReader) set -- ndpiReader -q -i "$pcap" ;;
    tshark) set -- bash -c "$(declare -f tshark_cmd); tshark_cmd '$pcap'" ;;
    esac
    if ! nice "$dir/bench-cputime" "$dir/time.out" "$@" >/dev/null 2>"$dir/$name.err"; then
        echo "   $name failed: $(tail -2 "$dir/$name.err")"
        return 1
    fi
    read -r c t k <"$dir/time.out"
    echo "$c $t $k" >>"$dir/$name.times"
}

# bench CAPTURE-LABEL PCAP GOAL-NDPI GOAL-TSHARK GOAL-BARE
bench() {
    local label=$1 pcap=$2 gn=$3 gt=$4 gb=$5 r i n tools=(bare-read bare-mmap pp-sniff) size packets records
    command -v ndpiReader >/dev/null && tools+=(ndpiReader)
    command -v tshark >/dev/null && tools+=(tshark)
    size=$(stat -c %s "$pcap")
    packets=$("$dir/bench-pcap-read" "$pcap" | cut -d' ' -f1)
    records=$(bin/pp-sniff -r "$pcap" 2>/dev/null | wc -l)
    echo "   $label capture: $((size / 1000000)) MB, $packets packets, $records records from pp-sniff"
    for n in "${tools[@]}"; do rm -f "$dir/$n.times"; done
    for ((r = 0; r < ROUNDS; r++)); do
        for ((i = 0; i < ${#tools[@]}; i++)); do
            n=${tools[(i + r) % ${#tools[@]}]}
            [ "$n" = tshark ] && [ "$r" -ge "$TROUNDS" ] && continue
            run1 "$n" "$pcap" || return 1
        done
    done
    declare -A cpu wall rss
    local ran=()
    for n in "${tools[@]}"; do [ -s "$dir/$n.times" ] && ran+=("$n"); done
    tools=("${ran[@]}")
    for n in "${tools[@]}"; do
        cpu[$n]=$(cut -d' ' -f1 "$dir/$n.times" | median)
        wall[$n]=$(cut -d' ' -f2 "$dir/$n.times" | median)
        rss[$n]=$(cut -d' ' -f3 "$dir/$n.times" | median)
    done
    printf '   %-11s %7s %7s %8s %8s %14s\n' tool 'cpu s' 'wall s' 'peak MB' 'kpkt/s' 'cpu/pp-sniff'
    for n in "${tools[@]}"; do
        awk -v n="$n" -v c="${cpu[$n]}" -v t="${wall[$n]}" -v m="${rss[$n]}" -v pc="${cpu[pp-sniff]}" \
            -v p="$packets" 'BEGIN {
            printf "   %-11s %7.3f %7.3f %8.1f %8.0f %14.2f\n", n, c, t, m / 1024, p / 1e3 / (c > 0 ? c : 0.001),
                c / (pc > 0 ? pc : 0.001) }'
    done
    ratio() { awk "BEGIN { printf \"%.1f\", $1 / ($2 > 0 ? $2 : 0.001) }"; }
    verdict() { awk "BEGIN { exit !($1) }" && echo met || echo NOT met; }
    local rb rn rt
    rb=$(ratio "${cpu[pp-sniff]}" "${cpu[bare-read]}")
    echo "   $label: pp-sniff takes ${rb}x the CPU time of the bare read (goal <= ${gb}x: $(verdict "$rb <= $gb"))," \
        "$(ratio "${cpu[pp-sniff]}" "${cpu[bare-mmap]}")x that of the mmap read"
    if [ -n "${cpu[ndpiReader]:-}" ]; then
        rn=$(ratio "${cpu[ndpiReader]}" "${cpu[pp-sniff]}")
        echo "   $label: pp-sniff ${rn}x faster than ndpiReader (goal >= ${gn}x: $(verdict "$rn >= $gn"))"
    fi
    if [ -n "${cpu[tshark]:-}" ]; then
        rt=$(ratio "${cpu[tshark]}" "${cpu[pp-sniff]}")
        echo "   $label: pp-sniff ${rt}x faster than tshark -T fields (goal >= ${gt}x: $(verdict "$rt >= $gt"))"
    fi
}

echo "   $ROUNDS rounds (tshark $TROUNDS), CPU time medians; load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"

if hs=$(bash scripts/get-handshake-pcap.sh 2>"$dir/hs.err"); then
    bench handshake "$hs" 1.5 25 3
else
    echo "   handshake capture: SKIP ($(tail -1 "$dir/hs.err"))"
fi

MB=${BENCH_SNIFF_MB:-300}
bulk=$dir/sniff-$MB.pcap
if ! cached "$bulk" scripts/make-bench-pcap.py; then
    echo "   making a $MB MB bulk capture (scripts/make-bench-pcap.py)"
    nice /usr/bin/python3 scripts/make-bench-pcap.py "$bulk" "$MB" || exit 1
    stamp "$bulk" scripts/make-bench-pcap.py
fi
bench bulk "$bulk" 2 25 2
