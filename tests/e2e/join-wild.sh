#!/bin/bash
# The servers' end of a veth, a client with a wildcard-bound UDP socket
# (issue 13's last gap): python DNS clients in namespace C, each one query
# from an unconnected socket bound to 0.0.0.0 (tests/udp_wild_peers.py
# dns), to dnsmasq in namespace S, itself bound to the wildcard, across a
# veth. pp-trace (eBPF, on the host) and `pp-sniff -i` on S's end of the
# veth write into one pipe into pp-join. The clients' sockets live in C,
# the capture is in S: only the datagrams' real source addresses in
# pp-trace's records (bpf/udp_wild.h) let them meet. Every sniffed record
# of a client's query (flow start and end, query, response) must carry
# that client's pid and comm, none another, none without; dnsmasq, whose
# records say the address each query came to, goes into resp_pid.
source "$(dirname "$0")/../lib.sh"
CASES=("every record of the clients' queries carries the client's pid and comm"
       "none carries another process" "none without a pid" "dnsmasq as the responder (resp_pid)"
       "no sanitizer report")
skip_all() { local c; for c in "${CASES[@]}"; do skip "$c: $1"; done; exit 0; }
need_root || skip_all "needs root (eBPF, capture, netns)"
for c in /usr/bin/python3 dnsmasq; do have $c || skip_all "$c not installed"; done
pp_tmpdir
T=$PP_TMP
N=12
pp_veth_pair j 10.78.0 || skip_all "cannot make two namespaces and a veth pair"

{ "$PP_BIN/pp-trace" -v 2>"$T/trace.err" & echo $! >"$T/trace.pid"
  ip netns exec $S "$PP_BIN/pp-sniff" -i "$PP_VETH_S" 2>"$T/sniff.err"; } | tee "$T/all.jsonl" |
    "$PP_BIN/pp-join" >"$T/joined.jsonl" 2>"$T/join.err" &
jpid=$!
for _ in $(seq 150); do
    grep -q "eBPF attached" "$T/trace.err" 2>/dev/null &&
        [ "$(grep -c '"producer":"pp-' "$T/all.jsonl" 2>/dev/null)" -ge 6 ] && break
    sleep 0.2
done
# dnsmasq after pp-trace: its wildcard socket's table from its bind on
ip netns exec $S dnsmasq --keep-in-foreground --conf-file=/dev/null --user=root --port=53 \
    --no-resolv --no-hosts --address=/web.wild.test/10.78.0.1 \
    2>"$T/dnsmasq.err" &
sleep 1
: >"$T/clients"
for i in $(seq $N); do
    ip netns exec $C sh -c 'echo $$ >>"$1"; shift; exec "$@"' sh "$T/pids" /usr/bin/python3 \
        "$PP_ROOT/tests/udp_wild_peers.py" dns 10.78.0.1 web.wild.test >>"$T/clients" 2>>"$T/clients.err"
    [ $((i % 4)) = 0 ] && sleep 0.3
done
sleep 2
kill -TERM "$(cat "$T/trace.pid")"
for p in $(ip netns pids $S); do [ "$(cat /proc/$p/comm)" = pp-sniff ] && kill -TERM $p; done
wait $jpid
DNSMASQ=0
# the dnsmasq in S: the one process named so in the namespace
for p in $(ip netns pids $S); do [ "$(cat /proc/$p/comm 2>/dev/null)" = dnsmasq ] && DNSMASQ=$p; done
res=$(/usr/bin/python3 - "$T" "$DNSMASQ" <<'EOF'
import json, sys
T, dnsmasq = sys.argv[1], int(sys.argv[2])
port = {}  # client port -> pid
for line in open(T + "/clients"):
    pid, p = line.split()
    port[int(p)] = int(pid)
right = wrong = none = resp = n = 0
for line in open(T + "/joined.jsonl"):
    r = json.loads(line)
    if r.get("type") == "sock" or r.get("proto") != "udp":
        continue
    if r.get("src") == "10.78.0.2" and r.get("sport") in port:
        pid = port[r["sport"]]
    elif r.get("dst") == "10.78.0.2" and r.get("dport") in port:
        pid = port[r["dport"]]
    else:
        continue
    n += 1
    if r.get("pid") is None:
        none += 1
    elif r["pid"] == pid and r.get("comm") == "python3":
        right += 1
    else:
        wrong += 1
        print("WRONG", line.strip(), file=sys.stderr)
    resp += r.get("resp_pid") == dnsmasq
print(right, wrong, none, resp, n, len(port))
EOF
)
echo "INFO right wrong none resp_dnsmasq records clients: $res"
set -- $res
# each query: flow start, query, response, flow end (at pp-sniff's exit)
check "every record of the clients' queries carries the client's pid and comm" \
    [ "${1:-0}" = "${5:-x}" -a "${6:-0}" = $N -a "${5:-0}" -ge $((4 * N)) ]
check "none carries another process" [ "${2:-x}" = 0 ]
check "none without a pid" [ "${3:-x}" = 0 ]
check "dnsmasq as the responder (resp_pid)" [ "${4:-x}" = "${5:-y}" ]
all_clean() { san_clean "$T/trace.err" && san_clean "$T/sniff.err" && san_clean "$T/join.err"; }
check "no sanitizer report" all_clean
