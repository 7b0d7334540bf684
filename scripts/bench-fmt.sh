#!/bin/bash
# pp-fmt benchmark (not a test): NDJSON -> CSV of 7 fields of 300k sock
# records, side by side in the same run with jq (-r '[...] | @csv') and
# Miller (--ijson --ocsv cut), then the same with a regex filter term.
# ROUNDS rounds alternate the tools (pp-fmt, jq, mlr, pp-fmt, ...) so that
# the machine's load falls on all of them alike; the medians of wall and
# CPU (user+sys) seconds and their ratios are printed, with the load. The
# input is generated once (seeded, so every run sees the same bytes) into
# build/bench/.
#   BENCH_RECORDS=N  records to generate (default 300000)
#   BENCH_ROUNDS=N   rounds (default 3)
#   BENCH_FMT_BASE=PATH  another pp-fmt (e.g. main's) in the same rounds,
#                    as "base" (its rows must be pp-fmt's)
set -uo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_RECORDS:-300000}
ROUNDS=${BENCH_ROUNDS:-3}
dir=build/bench
in=$dir/fmt-$N.jsonl
mkdir -p "$dir"
FMT=bin/pp-fmt
BASE=${BENCH_FMT_BASE:-}
FIELDS=ts,event,src,sport,dst,dport,comm
JQ_ARR='[.ts,.event,.src,.sport,.dst,.dport,.comm]'

if [ ! -s "$in" ]; then
    echo "   generating $N records into $in"
    python3 - "$N" "$in" <<'PY'
import json, random, sys
n, path = int(sys.argv[1]), sys.argv[2]
random.seed(7)
procs = [("curl", "/usr/bin/curl"), ("firefox-bin", "/usr/lib/firefox/firefox-bin"),
         ("ssh", "/usr/bin/ssh"), ("nginx", "/usr/sbin/nginx"),
         ("python3", "/usr/bin/python3.11"), ("systemd-resolve", "/usr/lib/systemd/systemd-resolved")]
events = ["connect", "accept", "close", "udp"]
t = 1763884800.0
with open(path, "w") as f:
    for i in range(n):
        comm, exe = random.choice(procs)
        t += random.random() * 0.01
        d = {"type": "sock", "ts": round(t, 6), "event": random.choice(events), "dir": "out",
             "proto": "tcp", "src": "10.0.%d.%d" % (random.randint(0, 3), random.randint(1, 254)),
             "sport": random.randint(32768, 60999),
             "dst": "93.184.%d.%d" % (random.randint(0, 255), random.randint(1, 254)),
             "dport": random.choice([443, 80, 22, 53]), "state": "ESTAB",
             "pid": random.randint(100, 50000), "ppid": 1, "uid": 1000, "comm": comm, "exe": exe,
             "source": "ebpf", "community_id": "1:LQU9qZlK+B5F3KDmev6m5PMibrg="}
        if d["event"] == "close":
            d.update(tx_bytes=random.randint(0, 10**6), rx_bytes=random.randint(0, 10**7),
                     duration=round(random.random() * 100, 3))
        f.write(json.dumps(d, separators=(",", ":")) + "\n")
PY
fi
echo "   input: $N records, $(($(stat -c %s "$in") / 1048576)) MiB; $(nproc) CPUs (shared)"

# run NAME OUTFILE CMD...: one round of a tool; wall and CPU seconds are
# appended to its lists.
declare -A WALLS CPUS
run() {
    local name=$1 out=$2; shift 2
    local t0 t1 cpu
    t0=$(date +%s.%N)
    # bash's own time keyword: user and system CPU of the command.
    cpu=$( { TIMEFORMAT='%U %S'; time nice "$@" >"$out" 2>/dev/null; } 2>&1 | tail -1 |
           awk '{printf "%.3f", $1 + $2}')
    t1=$(date +%s.%N)
    WALLS[$name]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b - a}') "
    CPUS[$name]+="$cpu "
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR] = $1} END {printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.1fx", a / b; else print "n/a" }'; }
declare -A WALL CPU
report() {  # NAME...: medians of each
    local n
    for n in "$@"; do
        WALL[$n]=$(echo "${WALLS[$n]}" | median)
        CPU[$n]=$(echo "${CPUS[$n]}" | median)
        printf '   %-28s %7ss wall %7ss cpu  (median of %d; walls: %s)\n' "$n" "${WALL[$n]}" "${CPU[$n]}" "$ROUNDS" "${WALLS[$n]% }"
    done
}
have_mlr=0
command -v mlr >/dev/null && have_mlr=1
echo "   load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "-- NDJSON -> CSV ($FIELDS), $ROUNDS alternating rounds"
for ((i = 0; i < ROUNDS; i++)); do
    run pp-fmt "$dir/pp.csv" "$FMT" --csv -f "$FIELDS" "$in"
    [ -n "$BASE" ] && run base "$dir/base.csv" "$BASE" --csv -f "$FIELDS" "$in"
    run jq "$dir/jq.csv" jq -r "$JQ_ARR | @csv" "$in"
    [ $have_mlr = 1 ] && run mlr "$dir/mlr.csv" mlr --ijson --ocsv cut -o -f "$FIELDS" "$in"
done
names=(pp-fmt jq); [ $have_mlr = 1 ] && names+=(mlr); [ -n "$BASE" ] && names+=(base)
report "${names[@]}"
if [ -n "$BASE" ]; then
    cmp -s "$dir/pp.csv" "$dir/base.csv" && echo "   outputs agree (pp-fmt = base)" || echo "   WARNING: pp-fmt and base outputs differ"
    echo "   base / pp-fmt: $(ratio "${CPU[base]}" "${CPU[pp-fmt]}") (cpu)"
fi
# Same rows: pp-fmt and mlr agree byte for byte but for pp-fmt's CRLF.
if [ $have_mlr = 1 ]; then
    if tr -d '\r' <"$dir/pp.csv" | cmp -s - "$dir/mlr.csv"; then echo "   outputs agree (pp-fmt = mlr)"
    else echo "   WARNING: pp-fmt and mlr outputs differ"; fi
fi
echo "   pp-fmt vs jq:  $(ratio "${WALL[jq]}" "${WALL[pp-fmt]}") faster (wall), $(ratio "${CPU[jq]}" "${CPU[pp-fmt]}") (cpu)"
[ $have_mlr = 1 ] &&
    echo "   pp-fmt vs mlr: $(ratio "${WALL[mlr]}" "${WALL[pp-fmt]}") faster (wall), $(ratio "${CPU[mlr]}" "${CPU[pp-fmt]}") (cpu)"

echo "-- filtered: comm matching /^(curl|ssh)\$/ and dport 443"
for ((i = 0; i < ROUNDS; i++)); do
    run "pp-fmt filter" "$dir/ppf.csv" "$FMT" --csv -f "$FIELDS" 'comm:/^(curl|ssh)$/' dport:443 "$in"
    [ -n "$BASE" ] && run "base filter" "$dir/basef.csv" "$BASE" --csv -f "$FIELDS" 'comm:/^(curl|ssh)$/' dport:443 "$in"
    run "jq select" "$dir/jqf.csv" jq -r "select((.comm | test(\"^(curl|ssh)$\")) and .dport == 443) | $JQ_ARR | @csv" "$in"
    [ $have_mlr = 1 ] &&
        run "mlr filter" "$dir/mlrf.csv" mlr --ijson --ocsv filter '$comm =~ "^(curl|ssh)$" && $dport == 443' then cut -o -f "$FIELDS" "$in"
done
names=("pp-fmt filter" "jq select"); [ $have_mlr = 1 ] && names+=("mlr filter"); [ -n "$BASE" ] && names+=("base filter")
report "${names[@]}"
if [ -n "$BASE" ]; then
    cmp -s "$dir/ppf.csv" "$dir/basef.csv" && echo "   outputs agree (pp-fmt = base)" || echo "   WARNING: pp-fmt and base outputs differ"
    echo "   base / pp-fmt: $(ratio "${CPU[base filter]}" "${CPU[pp-fmt filter]}") (cpu)"
fi
echo "   rows: pp-fmt $(($(wc -l <"$dir/ppf.csv") - 1)), jq $(wc -l <"$dir/jqf.csv")$([ $have_mlr = 1 ] && echo ", mlr $(($(wc -l <"$dir/mlrf.csv") - 1))")"
echo "   pp-fmt vs jq:  $(ratio "${WALL[jq select]}" "${WALL[pp-fmt filter]}") faster (wall), $(ratio "${CPU[jq select]}" "${CPU[pp-fmt filter]}") (cpu)"
[ $have_mlr = 1 ] &&
    echo "   pp-fmt vs mlr: $(ratio "${WALL[mlr filter]}" "${WALL[pp-fmt filter]}") faster (wall), $(ratio "${CPU[mlr filter]}" "${CPU[pp-fmt filter]}") (cpu)"

echo "-- pp-fmt only: table, grouping, sorting (one round)"
ROUNDS=1
for t in "pp-fmt --table" "pp-fmt -g comm" "pp-fmt --sort -rx_bytes -c 10"; do
    # shellcheck disable=SC2086
    run "$t" /dev/null $FMT ${t#pp-fmt } "$in"
    report "$t"
done
echo "   load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -f "$dir"/*.csv
