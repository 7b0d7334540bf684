#!/bin/bash
# pp-join throughput and memory on a synthetic stream of mixed records (sock
# connect/close, flow start/end, TLS ClientHello, DNS responses with CNAME
# chains), with 1k and 1M flows open at once; jq and mlr doing an equivalent
# join (normalised 5-tuple, no time windows, no DNS) as peers on a slice of
# it, since they hold all of their input in memory.
#   BENCH_JOIN_N=10000000  records per run     BENCH_JOIN_PEER_N=200000  records for the peers
#   BENCH_JOIN_BASE=PATH   another pp-join (e.g. main's) run side by side, by turns
#   BENCH_JOIN_ROUNDS=3    rounds of each (medians are reported)
#   BENCH_JOIN_OPEN="1000 1000000"  flows open at once, one pass of each
# CPU seconds (user+sys) are reported next to wall time, and records/s
# both ways: by wall time (what a user waits; file mode parses on a second
# core, cmd/pp-join/ahead.c) and by CPU time (what it costs, and steadier
# when the machine is shared).
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/host-state.sh
N=${BENCH_JOIN_N:-10000000}
PN=${BENCH_JOIN_PEER_N:-200000}
JOIN=$PWD/bin/pp-join
BASE=${BENCH_JOIN_BASE:-}
ROUNDS=${BENCH_JOIN_ROUNDS:-3}
tmp=$(mktemp -d /tmp/pp-bench-join.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/gen.py" <<'PY'
import sys
n, K = int(sys.argv[1]), int(sys.argv[2])
w = sys.stdout.write
proc = '"pid":%d,"ppid":1,"uid":1000,"comm":"app%d","exe":"/usr/bin/app%d","cmdline":["app%d","--serve"],"source":"ebpf"'
def tup(i):
    return '"proto":"tcp","src":"10.%d.%d.%d","sport":%d,"dst":"198.%d.%d.%d","dport":443' % (
        (i >> 16) & 255, (i >> 8) & 255, i & 255, 1024 + (i * 7) % 60000, 18 + (i >> 16 & 1), (i >> 8) & 255, i & 255)
def pr(i):
    pid = 1000 + i % 500
    return proc % (pid, pid % 50, pid % 50, pid % 50)
recs = s = 0
t = 1763900000.0
while recs < n:
    t += 0.005
    tp = tup(s)
    if s % 16 == 0:
        d = '198.%d.%d.%d' % (18 + (s >> 16 & 1), (s >> 8) & 255, s & 255)
        w('{"type":"dns","ts":%.6f,"proto":"udp","src":"10.0.0.2","sport":%d,"dst":"10.0.0.1","dport":53,"msg":"response","id":%d,"qname":"h%d.example","qtype":"A","rcode":"NOERROR","answers":[{"name":"h%d.example","type":"CNAME","ttl":300,"data":"e%d.cdn.example"},{"name":"e%d.cdn.example","type":"A","ttl":60,"data":"%s"}],"transport":"udp"}\n' % (t, 1024 + s % 60000, s & 65535, s, s, s, s, d))
        recs += 1
    w('{"type":"sock","ts":%.6f,"event":"connect","dir":"out",%s,"state":"SYN-SENT",%s}\n' % (t, tp, pr(s)))
    w('{"type":"flow","ts":%.6f,%s,"event":"start","iface":"eth0"}\n' % (t + 0.0001, tp))
    w('{"type":"tls","ts":%.6f,%s,"msg":"client_hello","sni":"h%d.example","alpn":["h2","http/1.1"],"versions":["TLS 1.3"],"ja4":"t13d1516h2_8daaf6152771_02713d6af862"}\n' % (t + 0.0002, tp, s))
    recs += 3
    j = s - K
    if j >= 0:
        tp = tup(j)
        w('{"type":"flow","ts":%.6f,%s,"event":"end","iface":"eth0","orig_pkts":10,"orig_bytes":1200,"resp_pkts":9,"resp_bytes":5000,"reason":"fin"}\n' % (t, tp))
        w('{"type":"sock","ts":%.6f,"event":"close","dir":"out",%s,"state":"CLOSE","tx_bytes":600,"rx_bytes":4800,"duration":1.0,%s}\n' % (t, tp, pr(j)))
        recs += 2
    s += 1
PY

# run LABEL CMD...: wall s, CPU s, peak RSS; stdout to /dev/null.
run() {
    local label=$1; shift
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" nice "$@" >/dev/null 2>"$tmp/err"
    read -r wall user sys rss <"$tmp/time"
    cpu=$(echo "$user + $sys" | bc)
    printf '   %-34s wall %7.2f s  cpu %7.2f s  peak %6d MiB\n' "$label" "$wall" "$cpu" $((rss / 1024))
}
# The same with FILE piped in (live mode); only pp-join is measured.
run_pipe() {
    local label=$1 file=$2; shift 2
    cat "$file" | /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" nice "$@" >/dev/null 2>"$tmp/err"
    read -r wall user sys rss <"$tmp/time"
    cpu=$(echo "$user + $sys" | bc)
    printf '   %-34s wall %7.2f s  cpu %7.2f s  peak %6d MiB\n' "$label" "$wall" "$cpu" $((rss / 1024))
}
rate() { echo "$1 / $2" | bc; }   # records, seconds

JQ_JOIN='def k: ([[.src,(.sport|tostring)],[.dst,(.dport|tostring)]] | sort | tostring) + .proto;
  [inputs] as $all
  | ($all | map(select(.type == "sock" and .dst != null) | {key: k, value: {pid, ppid, uid, comm, exe, cmdline}}) | from_entries) as $m
  | $all[] | if .type != "sock" and .dst != null then . + ($m[k] // {}) else . end'

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
host_mark
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for K in ${BENCH_JOIN_OPEN:-1000 1000000}; do
    echo "-- $N records, $K flows open at once"
    nice python3 "$tmp/gen.py" "$N" "$K" >"$tmp/in.jsonl"
    m=$((K * 2 > 1000000 ? K * 2 : 1000000))
    bins=("$JOIN")
    [ -n "$BASE" ] && bins+=("$BASE")
    : >"$tmp/rounds"
    # By turns: this pp-join, the other one, again; file mode, then live.
    for r in $(seq "$ROUNDS"); do
        for b in "${!bins[@]}"; do
            name=pp-join; [ "$b" = 1 ] && name=base
            run "$name FILE (round $r)" "${bins[$b]}" -q -m $m "$tmp/in.jsonl"
            echo "$name file $cpu $rss $wall" >>"$tmp/rounds"
            run_pipe "cat FILE | $name (live, round $r)" "$tmp/in.jsonl" "${bins[$b]}" -q -m $m
            echo "$name live $cpu $rss $wall" >>"$tmp/rounds"
        done
    done
    for name in pp-join ${BASE:+base}; do
        for mode in file live; do
            c=$(awk -v n=$name -v m=$mode '$1 == n && $2 == m {print $3}' "$tmp/rounds" | median)
            r=$(awk -v n=$name -v m=$mode '$1 == n && $2 == m {print $4}' "$tmp/rounds" | median)
            w=$(awk -v n=$name -v m=$mode '$1 == n && $2 == m {print $5}' "$tmp/rounds" | median)
            eval "c_${name//-/_}_$mode=$c w_${name//-/_}_$mode=$w"
            echo "   $name $mode: median $(rate "$N" "$w") records/s by wall time ($w s)," \
                 "$(rate "$N" "$c") by CPU time ($c s), peak $((r / 1024)) MiB"
        done
    done
    if [ -n "$BASE" ]; then
        echo "   pp-join / base, speed by wall time: file $(echo "scale=2; $w_base_file / $w_pp_join_file" | bc)x," \
             "live $(echo "scale=2; $w_base_live / $w_pp_join_live" | bc)x; by CPU time: file" \
             "$(echo "scale=2; $c_base_file / $c_pp_join_file" | bc)x, live $(echo "scale=2; $c_base_live / $c_pp_join_live" | bc)x"
    fi
    if [ "$K" = 1000 ]; then
        head -n "$PN" "$tmp/in.jsonl" >"$tmp/peer.jsonl"
        run "pp-join on $PN" "$JOIN" -q "$tmp/peer.jsonl"
        c_pp=$cpu
        if command -v jq >/dev/null; then
            run "jq join on $PN" jq -c -n "$JQ_JOIN" "$tmp/peer.jsonl"
            echo "   jq: $(rate "$PN" "$cpu") records/s; pp-join is $(echo "scale=1; $cpu / $c_pp" | bc)x faster"
        fi
        if command -v mlr >/dev/null; then
            # mlr: an equality join of sniffed records on the sock records'
            # 4-tuple (one orientation only: mlr has no normalised key).
            grep '"type":"sock"' "$tmp/peer.jsonl" >"$tmp/socks.jsonl"
            run "mlr join on $PN" mlr --ijsonl --ojsonl join --ul -j src,sport,dst,dport -f "$tmp/socks.jsonl" "$tmp/peer.jsonl"
            echo "   mlr: $(rate "$PN" "$cpu") records/s; pp-join is $(echo "scale=1; $cpu / $c_pp" | bc)x faster"
        fi
    fi
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); the hypervisor stole $(host_steal) % of the CPU time meanwhile"
