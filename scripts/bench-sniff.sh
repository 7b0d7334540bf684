#!/bin/bash
# make bench BENCH=sniff: pp-sniff on a large mixed capture (made by
# scripts/make-bench-pcap.py; BENCH_SNIFF_MB, default 300), side by side
# in the same run with tshark -T fields extracting the same metadata (SNI,
# ALPN, DNS names and answers, HTTP host/method/URI/user agent, SSH
# banners), ndpiReader, and a bare pcap_next_ex loop. Prints wall time,
# throughput, peak memory and ratios. Goals: >= 25x tshark, >= 2x
# ndpiReader, <= 2x the bare read.
set -uo pipefail
cd "$(dirname "$0")/.."
MB=${BENCH_SNIFF_MB:-300}
dir=build/bench
mkdir -p "$dir"
pcap=$dir/sniff-$MB.pcap
stamp=$dir/sniff-$MB.stamp
sum=$(cat scripts/make-bench-pcap.py | cksum | cut -d' ' -f1)
if [ ! -s "$pcap" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
    echo "   making a $MB MB capture (scripts/make-bench-pcap.py)"
    nice /usr/bin/python3 scripts/make-bench-pcap.py "$pcap" "$MB" || exit 1
    echo "$sum" >"$stamp"
fi
cc -O2 -o "$dir/bench-pcap-read" scripts/bench-pcap-read.c -lpcap || exit 1
size=$(stat -c %s "$pcap")
packets=$("$dir/bench-pcap-read" "$pcap" | cut -d' ' -f1)
echo "   capture: $((size / 1000000)) MB, $packets packets"

# measure NAME RUNS CMD...: best wall time and best CPU time (user+sys)
# of RUNS, and peak RSS (KB). On a shared machine CPU time is the steadier
# of the two; both are shown.
declare -A secs cpu rss
measure() {
    local name=$1 runs=$2; shift 2
    local best= bcpu= m= i t u s k c
    for ((i = 0; i < runs; i++)); do
        /usr/bin/time -f '%e %U %S %M' -o "$dir/time.out" nice "$@" >/dev/null 2>"$dir/$name.err" || {
            echo "   $name failed: $(tail -2 "$dir/$name.err")"; return 1; }
        read -r t u s k <"$dir/time.out"
        c=$(awk "BEGIN{print $u + $s}")
        if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
        if [ -z "$bcpu" ] || awk "BEGIN{exit !($c < $bcpu)}"; then bcpu=$c; fi
        m=$k
    done
    secs[$name]=$best cpu[$name]=$bcpu rss[$name]=$m
}

measure bare-read 3 "$dir/bench-pcap-read" "$pcap"
measure pp-sniff 3 bin/pp-sniff -r "$pcap"
have_ndpi=0
if command -v ndpiReader >/dev/null; then
    measure ndpiReader 1 ndpiReader -q -i "$pcap" && have_ndpi=1
fi
have_tshark=0
if command -v tshark >/dev/null; then
    measure tshark 1 tshark -n -r "$pcap" -o tcp.desegment_tcp_streams:TRUE \
        -Y 'tls.handshake.type == 1 || dns || http.request || ssh.protocol' -T fields \
        -e tls.handshake.extensions_server_name -e tls.handshake.extensions_alpn_str \
        -e dns.qry.name -e dns.a -e dns.aaaa -e dns.cname -e http.host -e http.request.method \
        -e http.request.uri -e http.user_agent -e ssh.protocol && have_tshark=1
fi

printf '   %-12s %8s %8s %8s %9s %12s %11s\n' tool 'wall s' 'cpu s' 'MB/s' 'peak MB' 'wall/pp-sniff' 'cpu/pp-sniff'
for n in bare-read pp-sniff ndpiReader tshark; do
    [ -n "${secs[$n]:-}" ] || continue
    awk -v n="$n" -v t="${secs[$n]}" -v c="${cpu[$n]}" -v p="${secs[pp-sniff]}" -v pc="${cpu[pp-sniff]}" \
        -v m="${rss[$n]}" -v s="$size" 'BEGIN {
        printf "   %-12s %8.2f %8.2f %8.0f %9.1f %12.2f %11.2f\n", n, t, c, s / 1e6 / (t > 0 ? t : 0.01),
            m / 1024, t / (p > 0 ? p : 0.01), c / (pc > 0 ? pc : 0.01) }'
done
ratio() { awk "BEGIN { printf \"%.1f\", $1 / ($2 > 0 ? $2 : 0.01) }"; }
both() { echo "$(ratio "${secs[$1]}" "${secs[pp-sniff]}")x wall, $(ratio "${cpu[$1]}" "${cpu[pp-sniff]}")x cpu"; }
echo "   pp-sniff vs the bare read: it takes $(ratio "${secs[pp-sniff]}" "${secs[bare-read]}")x wall, $(ratio "${cpu[pp-sniff]}" "${cpu[bare-read]}")x cpu of its time (goal <= 2x)"
[ $have_ndpi = 1 ] && echo "   pp-sniff vs ndpiReader: $(both ndpiReader) faster (goal >= 2x)"
[ $have_tshark = 1 ] && echo "   pp-sniff vs tshark -T fields: $(both tshark) faster (goal >= 25x)"
