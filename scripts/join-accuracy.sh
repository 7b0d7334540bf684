#!/bin/bash
# The figures of pp-join(1) and docs/testing.md: scripts/join-truth.sh at
# a dense and a sparse rate, through FIFOs and the single pipe, idle and
# with the machine loaded (two busy loops plus a loopback connection churn
# on top of whatever else runs), and with pp-trace polling. One markdown
# table row per case on stdout.
#   scripts/join-accuracy.sh [-d DENSE_RUNS] [-s SPARSE_RUNS]
set -u
D=300 S=100
while getopts d:s: o; do case $o in d) D=$OPTARG ;; s) S=$OPTARG ;; *) exit 2 ;; esac; done
HERE=$(cd "$(dirname "$0")" && pwd)
LOAD=()
load_on() {
    for i in 1 2; do (while :; do :; done) & LOAD+=($!); done
    cc -O2 -pthread -o "${TMPDIR:-/tmp}/pp-churn.$$" "$HERE/churn.c" && {
        "${TMPDIR:-/tmp}/pp-churn.$$" 100000 >/dev/null 2>&1 & LOAD+=($!); }
}
load_off() { [ ${#LOAD[@]} -gt 0 ] && kill "${LOAD[@]}" 2>/dev/null; wait "${LOAD[@]}" 2>/dev/null; LOAD=(); rm -f "${TMPDIR:-/tmp}/pp-churn.$$"; }
trap load_off EXIT
echo "| pp-trace | rate | input | load | clients | client records | right pid+comm | wrong | no pid | live = file | random replays = file |"
echo "|---|---|---|---|---:|---:|---:|---:|---:|---|---|"
row() { # label-of-trace load args...
    local tr=$1 ld=$2; shift 2
    local r; r=$("$HERE/join-truth.sh" "$@" 2>/dev/null | tail -1)
    /usr/bin/python3 -c '
import json, sys
r = json.loads(sys.argv[1]); tr, ld = sys.argv[2:4]
n = r["records"]
print("| %s | %s | %s | %s | %d | %d | %.1f %% | %d | %d | %s | %s |" % (tr, r["rate"], r["mode"], ld,
      r["clients"], n, 100.0 * r["right"] / n if n else 0, r["wrong"], r["none"],
      "yes" if r["live_eq_file"] else "NO (%d lines)" % r["live_file_diff_lines"], r["replays_eq_file"]))
' "$r" "$tr" "$ld" || echo "| $tr | $* | failed: $r |"
}
for m in fifo pipe; do
    row eBPF idle -n "$D" -r dense -m $m -R 1
    row eBPF idle -n "$S" -r sparse -m $m
done
load_on
row eBPF loaded -n "$D" -r dense -m fifo -R 1
row eBPF loaded -n "$S" -r sparse -m pipe
load_off
row polling idle -n "$D" -r dense -m fifo -P
row polling idle -n "$S" -r sparse -m fifo -P
