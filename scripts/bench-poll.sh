#!/bin/bash
# Benchmark (not a test): the cost of one pp-trace poll with 10,000
# established loopback TCP connections (20,000 sockets, both ends held by one
# process) in a network namespace of its own, side by side with `ss -tanp`
# in the same run, which does the same work: a sock_diag dump and a scan of
# /proc/*/fd for the owners.
#   one poll:     pp-trace --once --tcp     vs  ss -tanp       (hyperfine)
#   steady state: pp-trace --no-ebpf --stats, the mean of the polls after the
#                 first (nothing new: no fd scan), vs the same ss -tanp
# Goal: one poll <= 1.5x ss -tanp.
set -uo pipefail
cd "$(dirname "$0")/.."
N=${PP_BENCH_CONNS:-10000}
BIN=${PP_BIN:-$PWD/bin}
PEERS=$PWD/tests/data/trace-poll/peers.py

if [ "$(id -u)" != 0 ]; then echo "   skipped: needs root for a network namespace"; exit 0; fi
for t in hyperfine ss jq /usr/bin/python3; do
    command -v "$t" >/dev/null || { echo "   skipped: $t missing"; exit 0; }
done
NS=pp-bench-poll-$$
tmp=$(mktemp -d)
cleanup() {
    [ -n "${holder:-}" ] && kill "$holder" 2>/dev/null
    [ -n "${holder2:-}" ] && kill "$holder2" 2>/dev/null
    ip netns del "$NS" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$NS" && ip -n "$NS" link set lo up || exit 1
NSX=(ip netns exec "$NS")

# Two holders (server ends, client ends): each stays under the usual
# 20,000-descriptor limit.
lim=$(ulimit -Hn)
[ "$lim" = unlimited ] || [ "$lim" -gt $((N + 100)) ] || { echo "   skipped: ulimit -Hn $lim is too low for $N connections"; exit 0; }
"${NSX[@]}" bash -c "ulimit -n $((N + 100)); exec /usr/bin/python3 '$PEERS' accept-many pp-bench-srv '$tmp/ready' 7000 $N" &
holder=$!
for _ in $(seq 100); do [ -e "$tmp/ready.listening" ] && break; sleep 0.1; done
"${NSX[@]}" bash -c "ulimit -n $((N + 100)); exec /usr/bin/python3 '$PEERS' connect-many pp-bench-cli '$tmp/ready2' 7000 $N" &
holder2=$!
for _ in $(seq 600); do [ -s "$tmp/ready2" ] && break; sleep 0.1; done
for _ in $(seq 600); do [ -s "$tmp/ready" ] && break; sleep 0.1; done
est=$("${NSX[@]}" ss -Htn state established | wc -l)
echo "   $est established TCP sockets in the namespace ($N connections)"
[ "$est" -ge "$N" ] || { echo "   (failed: the connections did not come up)"; exit 1; }

"${NSX[@]}" nice hyperfine -N --warmup 3 --runs "${PP_BENCH_RUNS:-20}" --style none \
    --export-json "$tmp/h.json" \
    -n "ss -tanp" "ss -tanp" \
    -n "pp-trace --once --tcp" "$BIN/pp-trace --once --tcp" \
    -n "pp-trace --once" "$BIN/pp-trace --once" >/dev/null 2>&1 || { echo "   (failed: hyperfine)"; exit 1; }
ms() { jq -r --arg n "$1" '.results[] | select(.command==$n) | .mean * 1000' "$tmp/h.json"; }
ss_ms=$(ms "ss -tanp")
pp_ms=$(ms "pp-trace --once --tcp")
all_ms=$(ms "pp-trace --once")

"${NSX[@]}" nice "$BIN/pp-trace" --no-ebpf --tcp -I 200ms -d 3 --stats 2>"$tmp/stats" >/dev/null
steady=$(sed -n 's/.*later polls mean \([0-9.]*\) ms.*/\1/p' "$tmp/stats")

div() { awk -v a="$1" -v b="$2" 'BEGIN { print (b > 0 ? a / b : 0) }'; }
printf '   %-34s %9.1f ms\n' "ss -tanp" "$ss_ms"
printf '   %-34s %9.1f ms   ratio %.2fx ss -tanp (goal <= 1.5x)\n' "pp-trace --once --tcp (one poll)" "$pp_ms" "$(div "$pp_ms" "$ss_ms")"
printf '   %-34s %9.1f ms   ratio %.2fx ss -tanp\n' "pp-trace --once (tcp+udp)" "$all_ms" "$(div "$all_ms" "$ss_ms")"
printf '   %-34s %9.1f ms   ratio %.2fx ss -tanp\n' "pp-trace poll, steady state" "${steady:-0}" "$(div "${steady:-0}" "$ss_ms")"
