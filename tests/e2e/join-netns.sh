#!/bin/bash
# Two network namespaces using the same 5-tuple at the same time: curl in
# each fetches http://127.0.0.2:8080/ from the same local port, with its
# own Host header, at once. pp-trace on the host and a pp-sniff -i lo in
# each namespace write into one pipe (three producers) into pp-join.
# Nothing may cross: every sniffed record of a namespace carries that
# namespace's curl, every sock record at most its own curl's http_host.
source "$(dirname "$0")/../lib.sh"
CASES=("each namespace's records carry its own curl" "no http_host from the other namespace"
       "every flow of the clients matched" "no sanitizer report")
skip_all() { local c; for c in "${CASES[@]}"; do skip "$c: $1"; done; exit 0; }
need_root || skip_all "needs root (eBPF, capture, netns)"
for c in curl /usr/bin/python3; do have $c || skip_all "$c not installed"; done
pp_tmpdir
T=$PP_TMP
pp_netns nsa || skip_all "cannot create a network namespace"
A=$PP_NS
pp_netns nsb || skip_all "cannot create a network namespace"
B=$PP_NS
PP_CLEANUP_CMDS=("ip netns pids $A | xargs -r kill" "ip netns pids $B | xargs -r kill" "${PP_CLEANUP_CMDS[@]}")
mkdir -p "$T/www" && echo hi >"$T/www/index.html"
for ns in $A $B; do
    ip -n $ns addr add 127.0.0.2/8 dev lo
    ip netns exec $ns /usr/bin/python3 -m http.server --bind 127.0.0.2 8080 --directory "$T/www" \
        >/dev/null 2>&1 &
done
{ "$PP_BIN/pp-trace" 2>"$T/trace.err" & echo $! >"$T/trace.pid"
  ip netns exec $A "$PP_BIN/pp-sniff" -i lo 2>"$T/sniffa.err" &
  ip netns exec $B "$PP_BIN/pp-sniff" -i lo 2>"$T/sniffb.err"; } | tee "$T/all.jsonl" |
    "$PP_BIN/pp-join" >"$T/joined.jsonl" 2>"$T/join.err" &
jpid=$!
for i in $(seq 100); do
    [ "$(grep -c '"producer":"pp-' "$T/all.jsonl" 2>/dev/null)" -ge 9 ] && break
    sleep 0.2
done
sleep 1
: >"$T/pids"
for port in 45001 45002 45003 45004 45005; do
    for ns in $A $B; do
        ip netns exec $ns sh -c 'echo "$$ $1 $2" >>"$3"; exec curl -s --max-time 5 -o /dev/null \
            --local-port $2 -H "Host: $1.pp.test" http://127.0.0.2:8080/' sh $ns $port "$T/pids" &
    done
    wait $(jobs -p | tail -2)
    sleep 1.2 # the port's TIME-WAIT is the client's; the next round takes another
done
sleep 6
kill -TERM "$(cat "$T/trace.pid")"
for ns in $A $B; do
    for p in $(ip netns pids $ns); do [ "$(cat /proc/$p/comm)" = pp-sniff ] && kill -TERM $p; done
done
wait $jpid
NSA=$(ip netns exec $A stat -Lc %i /proc/self/ns/net) NSB=$(ip netns exec $B stat -Lc %i /proc/self/ns/net)
res=$(/usr/bin/python3 - "$T" "$A" "$B" "$NSA" "$NSB" <<'EOF'
import json, sys
T, A, B, nsa, nsb = sys.argv[1:6]
ino = {A: int(nsa), B: int(nsb)}
want = {}  # (netns, port) -> (pid, host)
for line in open(T + "/pids"):
    pid, ns, port = line.split()
    want[(ino[ns], int(port))] = (int(pid), ns)
right = wrong = none = host_wrong = 0
for line in open(T + "/joined.jsonl"):
    r = json.loads(line)
    if r.get("proto") != "tcp":
        continue
    port = r.get("sport") if r.get("dport") == 8080 else r.get("dport")
    k = (r.get("netns"), port)
    if k not in want:
        continue
    pid, ns = want[k]
    if r["type"] == "sock":
        h = r.get("http_host")
        if r.get("pid") == pid and h is not None and h != '"%s.pp.test"' % ns and h != "%s.pp.test" % ns:
            host_wrong += 1
        continue
    if r.get("pid") is None:
        none += 1
    elif r["pid"] == pid:
        right += 1
    else:
        wrong += 1
print(right, wrong, none, host_wrong, len(want))
EOF
)
echo "INFO right wrong none host_wrong clients: $res"
set -- $res
check "each namespace's records carry its own curl" [ "${2:-x}" = 0 -a "${1:-0}" -gt 0 ]
check "no http_host from the other namespace" [ "${4:-x}" = 0 ]
check "every flow of the clients matched" [ "${3:-x}" = 0 -a "${5:-0}" = 10 ]
check "no sanitizer report" san_clean "$T/join.err"
