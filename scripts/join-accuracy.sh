#!/bin/bash
# The figures of pp-join(1) and docs/testing.md: scripts/join-truth.sh at
# a dense and a sparse rate, through FIFOs and the single pipe, idle and
# with the machine loaded (two busy loops plus a loopback connection churn
# on top of whatever else runs), on a veth pair between two namespaces
# (both ends sniffed), in two namespaces using the same 5-tuples at once,
# and with pp-trace polling. One markdown table row per case on stdout
# (the veth case gives two: the clients' end and the servers' end).
#   scripts/join-accuracy.sh [-d DENSE_RUNS] [-s SPARSE_RUNS]
#   scripts/join-accuracy.sh -L LOG        the table again from a kept log
# Each case's counts ("result TRACE LOAD" and join-truth's JSON line) and
# its examples of wrong or missing answers are appended to
# $JOIN_ACCURACY_LOG (default: not kept).
set -u
D=300 S=100 FROM_LOG=
while getopts d:s:L: o; do
    case $o in d) D=$OPTARG ;; s) S=$OPTARG ;; L) FROM_LOG=$OPTARG ;; *) exit 2 ;; esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
LOG=${JOIN_ACCURACY_LOG:-/dev/null}
LOAD=()
load_on() {
    for i in 1 2; do (while :; do :; done) & LOAD+=($!); done
    cc -O2 -pthread -o "${TMPDIR:-/tmp}/pp-churn.$$" "$HERE/churn.c" && {
        "${TMPDIR:-/tmp}/pp-churn.$$" 100000 >/dev/null 2>&1 & LOAD+=($!); }
}
load_off() { [ ${#LOAD[@]} -gt 0 ] && kill "${LOAD[@]}" 2>/dev/null; wait "${LOAD[@]}" 2>/dev/null; LOAD=(); rm -f "${TMPDIR:-/tmp}/pp-churn.$$"; }
trap load_off EXIT
header() {
    echo "| pp-trace | sniffed on | rate | input | load | clients | client records | right pid+comm | wrong | no pid | live = file | random replays = file |"
    echo "|---|---|---|---|---|---:|---:|---:|---:|---:|---|---|"
}
# table-row: lines "TRACE LOAD JSON" (join-truth's result) on stdin, the
# table's rows out (-L LOG prints them again from an earlier run's log).
table_rows() {
    /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    tr, ld, js = line.split(" ", 2)
    try:
        r = json.loads(js)
    except ValueError:
        print("| %s | failed: %s |" % (tr, js.strip()[:200]))
        continue
    rows = [({"lo": "lo", "veth": "veth, client end",
              "twin": "lo of two netns, %d 5-tuples in both at once" % r.get("shared_tuples", 0)}[r["topo"]], "")]
    if r["topo"] == "veth":
        rows.append(("veth, server end", "far_"))
    for where, p in rows:
        n = r[p + "right"] + r[p + "wrong"] + r[p + "none"]
        print("| %s | %s | %s | %s | %s | %d | %d | %.1f %% | %d | %d | %s | %s |" % (tr, where, r["rate"],
              {"fifo": "FIFOs", "pipe": "one pipe"}[r["mode"]], ld, r["clients"], n,
              100.0 * r[p + "right"] / n if n else 0, r[p + "wrong"], r[p + "none"],
              "yes" if r["live_eq_file"] else "NO (%d lines)" % r["live_file_diff_lines"],
              r["replays_eq_file"] if r["replays_eq_file"] != "0/0" else "-"))
'
}
header
if [ -n "$FROM_LOG" ]; then
    sed -n 's/^result //p' "$FROM_LOG" | table_rows
    exit
fi
row() { # label-of-trace load args...
    local tr=$1 ld=$2; shift 2
    echo "case scripts/join-truth.sh $*" >>"$LOG"
    local r; r=$("$HERE/join-truth.sh" "$@" 2>>"$LOG" | tail -1)
    echo "result $tr $ld ${r:-none}" >>"$LOG"
    echo "$tr $ld ${r:-none}" | table_rows
}
for m in fifo pipe; do
    row eBPF idle -n "$D" -r dense -m $m -R 1
    row eBPF idle -n "$S" -r sparse -m $m
done
for t in veth twin; do
    row eBPF idle -n "$D" -r dense -m pipe -t $t -R 1
    row eBPF idle -n "$S" -r sparse -m fifo -t $t
done
load_on
row eBPF loaded -n "$D" -r dense -m fifo -R 1
row eBPF loaded -n "$S" -r sparse -m pipe
load_off
row polling idle -n "$D" -r dense -m fifo -P
row polling idle -n "$S" -r sparse -m fifo -P
