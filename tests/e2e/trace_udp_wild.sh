#!/bin/bash
# pp-trace (eBPF) and wildcard-bound UDP sockets in network namespaces that
# are not its own: the local address of each datagram is the one on the
# wire, from the packet (the cgroup_skb programs' packet mode; without them
# the sendmsg/recvmsg hooks report the wildcard), not another datagram's.
# Namespaces C (10.77.0.2, fd77::2) and S (10.77.0.1, fd77::1) joined by a
# veth. tests/udp_wild_peers.py servers on 0.0.0.0 and :: port 5300 in both,
# started under pp-trace, log per datagram the sender and the address it
# came to (IP_PKTINFO); one more in C on port 5301, started before pp-trace
# (its sockets are older than pp-trace). Clients in C, each one unconnected
# socket bound to 0.0.0.0 or :: (dual stack), send to S across the veth and
# to C's own servers on lo from the same socket (two source addresses,
# IPv6, v4-mapped), and to an address without a route between two
# datagrams to S; one more through a destination NAT in C's OUTPUT chain,
# and one with a hop-by-hop header longer than pkt.h follows.
# Judged: every client's udp record has the source the server saw; every
# server's udp record the address the datagram came to; the older server's
# records a right address or the wildcard, never another; the datagram
# without a route claims no source (not the next datagram's); udp_wild.h
# unused in packet mode; the NAT'd client's one record has the destination
# it sent to; the long header's datagram counted as unread and its flow's
# records directed by their ports; nothing dropped.
source "$(dirname "$0")/../lib.sh"
CASES=("clients' records: the source address the server saw" "clients' records: every datagram reported"
       "servers' records: the address the datagram came to" "older server: never a wrong address"
       "packet mode: no socket armed, no table (udp_wild.h stays out)"
       "a datagram without a route: no source address claimed"
       "without the programs: every datagram reported, the wildcard source"
       "without the iterator: the stand-in hooks, with the packet programs' help: the real source"
       "IPv6 with a destination options header: reported, never a wrong source"
       "a destination NAT on the way out: the destination the process sent to, its answer no new flow"
       "past the headers followed: counted and said, then both ends' records by their ports, not as started by the other"
       "nothing dropped"
       "no sanitizer report")
skip_all() { local c; for c in "${CASES[@]}"; do skip "$c: $1"; done; exit 0; }
need_root || skip_all "needs root (eBPF, netns)"
for c in /usr/bin/python3 bpftool jq; do have $c || skip_all "$c not installed"; done
pp_tmpdir
T=$PP_TMP
PEERS=$PP_ROOT/tests/udp_wild_peers.py
pp_veth_pair w 10.77.0 fd77 || skip_all "cannot make two namespaces and a veth pair"

ip netns exec $C /usr/bin/python3 "$PEERS" server 5301 "$T/old.log" &
sleep 0.5
"$PP_BIN/pp-trace" -v --stats >"$T/trace.jsonl" 2>"$T/trace.err" &
tpid=$!
for _ in $(seq 150); do grep -q "eBPF attached" "$T/trace.err" && break; sleep 0.1; done
grep -q "cgroup_skb/egress, cgroup_skb/ingress" "$T/trace.err" ||
    { kill $tpid; skip_all "the cgroup_skb hooks did not attach: $(grep -m1 attached "$T/trace.err")"; }
ip netns exec $S /usr/bin/python3 "$PEERS" server 5300 "$T/srv.log" &
ip netns exec $C /usr/bin/python3 "$PEERS" server 5300 "$T/srv.log" &
ip netns exec $S /usr/bin/python3 "$PEERS" server 5302 "$T/dstopts.log" &
sleep 1
: >"$T/clients"
: >"$T/unrouted"
for _ in 1 2 3 4 5; do
    ip netns exec $C /usr/bin/python3 "$PEERS" client 4 10.77.0.1:5300 127.0.0.1:5300 \
        127.0.0.1:5301 10.77.0.2:5301 >>"$T/clients" &
    ip netns exec $C /usr/bin/python3 "$PEERS" client 6 [fd77::1]:5300 [::1]:5300 10.77.0.1:5300 \
        127.0.0.1:5300 [::1]:5301 >>"$T/clients" &
    ip netns exec $C /usr/bin/python3 "$PEERS" client 4 10.77.0.1:5300 10.99.0.1:5300 10.77.0.1:5300 \
        >>"$T/unrouted" &
    wait $(jobs -p | tail -3)
done
# IPv6 extension headers before the UDP header (pkt.h follows them): the
# real source, as without them.
dstopts=$(ip netns exec $C /usr/bin/python3 "$PEERS" client 6d [fd77::1]:5302)
hopdst=$(ip netns exec $C /usr/bin/python3 "$PEERS" client 6hd [fd77::1]:5302)
# A hop-by-hop header of 640 bytes, past the 512 that pkt.h follows: the
# datagram is not seen either way; the answer, which has none, is.
big=$(ip netns exec $C /usr/bin/python3 "$PEERS" client 6big [fd77::1]:5302)
# A destination NAT in C's OUTPUT chain, as Docker's embedded DNS server has
# one: a datagram to port 5398 goes to S's server on 5300, its answer comes
# back (conntrack rewrites it) from 5398.
natc=
if ip netns exec $C nft -f - <<'NFT' 2>"$T/nft.err"
table ip pp_wild_nat {
    chain out { type nat hook output priority -100; ip daddr 10.77.0.1 udp dport 5398 dnat to 10.77.0.1:5300; }
}
NFT
then
    natc=$(ip netns exec $C /usr/bin/python3 "$PEERS" client 4 10.77.0.1:5398)
    ip netns exec $C nft delete table ip pp_wild_nat
fi
sleep 1

# udp_wild.h's counts: pp-trace's .bss, as bpftool prints it.
bss() { # NAME
    local id
    for id in $(awk '/^map_id:/ { print $2 }' /proc/$tpid/fdinfo/* 2>/dev/null | sort -u); do
        bpftool map dump id $id -j 2>/dev/null |
            jq -e --arg n "$1" '.[0].formatted.value[".bss"][]? | select(has($n)) | .[$n]' 2>/dev/null &&
            return 0
    done
    echo "?"
}
pend=$(bss pend_n) rloc0=$(bss rloc_n)
# stand_in NAME HOOKS: a second pp-trace with HOOKS refused, as long as one
# client in C sends to S and to its own lo; prints that client's sources.
stand_in() {
    local fpid c
    PP_TRACE_NO_HOOK=$2 "$PP_BIN/pp-trace" -v >"$T/$1.jsonl" 2>"$T/$1.err" &
    fpid=$!
    for _ in $(seq 150); do grep -q "eBPF attached" "$T/$1.err" && break; sleep 0.1; done
    c=$(ip netns exec $C /usr/bin/python3 "$PEERS" client 4 10.77.0.1:5300 127.0.0.1:5300)
    sleep 0.5
    kill -TERM $fpid
    wait $fpid
    jq -r --argjson pid "${c%% *}" 'select(.event == "udp" and .pid == $pid) | .src' "$T/$1.jsonl" |
        sort | tr '\n' ' '
}
# Without the two programs: as before them, the hooks report with the wildcard.
fbn=$(stand_in fb cg_skb_egress,cg_skb_ingress)
echo "INFO without the programs, the client's sources: $fbn"
# Without the iterator that names older sockets' owners, no packet mode:
# the sendmsg/recvmsg hooks, and both packet programs find them the source
# (bpf/udp_wild.h).
nsn=$(stand_in ns seed_udp)
echo "INFO without the iterator, the client's sources: $nsn; $(grep -m1 'instead of iter' "$T/ns.err")"
for p in $(ip netns pids $S) $(ip netns pids $C); do kill $p; done
sleep 1
rloc=$(bss rloc_n)
kill -TERM $tpid
wait $tpid
echo "INFO pend_n $pend, rloc_n $rloc0 with the servers, $rloc after them"

res=$(/usr/bin/python3 - "$T" <<'EOF'
import json, sys
T = sys.argv[1]
seen = {}  # (server pid, peer, peer port, server port) -> local address
for name in ("srv.log", "old.log"):
    for line in open("%s/%s" % (T, name)):
        pid, peer, pport, local, port = line.split()
        seen[(int(pid), peer, int(pport), int(port))] = local
old = {int(l.split()[0]) for l in open(T + "/old.log")}
unrouted = {int(l.split()[0]) for l in open(T + "/unrouted")}
clients = {}
for line in open(T + "/clients"):
    pid, port = line.split()
    clients[int(pid)] = int(port)
# a v4-mapped peer as the v6 server would log it; the records write them as IPv4
def norm(a):
    return a[7:] if a.startswith("::ffff:") else a
by_client = {(norm(p), pp, norm(l), port) for (_, p, pp, port), l in seen.items()}
cr = cw = crun = sr = sw = sn = ow = uw = 0
wrong = []
for line in open(T + "/trace.jsonl"):
    r = json.loads(line)
    if r.get("type") != "sock" or r.get("event") != "udp" or r.get("proto") != "udp":
        continue
    pid = r.get("pid")
    if pid in unrouted and r.get("dir") == "out":
        # to S: as any client's; to the unrouted address (which nothing
        # received): no source address claimed, the next datagram's least of all
        ok = (r["src"], r["sport"], r["dst"], r["dport"]) in by_client if r["dst"] == "10.77.0.1" \
            else r["src"] == "0.0.0.0"
        uw += not ok
        if not ok:
            wrong.append(r)
    elif pid in clients and r.get("dir") == "out":
        crun += 1
        if (r["src"], r["sport"], r["dst"], r["dport"]) in by_client:
            cr += 1
        else:
            cw += 1
            wrong.append(r)
    elif r.get("dir") == "in" and any(k[0] == pid for k in seen):
        k = (pid, r["src"], r["sport"], r["dport"])
        k6 = (pid, "::ffff:" + r["src"], r["sport"], r["dport"])
        local = seen.get(k, seen.get(k6))
        if local is None:
            continue
        ok = norm(local) == r["dst"]
        if pid in old:
            if not ok and r["dst"] not in ("0.0.0.0", "::"):
                ow += 1
                wrong.append(r)
            continue
        if ok:
            sr += 1
        else:
            sw += 1
            wrong.append(r)
sent = 4 * 5 + 5 * 5  # datagrams the clients sent with an answer
for r in wrong[:5]:
    print("WRONG", json.dumps(r), file=sys.stderr)
print(cr, cw, crun, sent, sr, sw, ow, uw)
EOF
)
echo "INFO clients right wrong records expected, servers right wrong, older server wrong, unrouted wrong: $res"
set -- $res
check "clients' records: the source address the server saw" [ "${2:-x}" = 0 -a "${1:-0}" -gt 0 ]
check "clients' records: every datagram reported" [ "${3:-x}" = "${4:-y}" ]
# 7 datagrams a round: to S (v4, v6, v4-mapped, the unrouted client's) and
# to C's lo (v4, v6, v4-mapped); 2 more of the client under each of the
# second and third pp-trace, 1 through the destination NAT
nsrv=39
[ -n "$natc" ] && nsrv=40
check "servers' records: the address the datagram came to" [ "${6:-x}" = 0 -a "${5:-0}" = $nsrv ]
check "older server: never a wrong address" [ "${7:-x}" = 0 ]
check "a datagram without a route: no source address claimed" [ "${8:-x}" = 0 ]
# Both packet programs attached: the datagrams are seen there, and the
# sendmsg/recvmsg hooks' wildcard help (udp_wild.h) is never used.
check "packet mode: no socket armed, no table (udp_wild.h stays out)" \
    [ "$pend" = 0 -a "$rloc0" = 0 -a "$rloc" = 0 ]
echo "INFO stats at exit: $(grep '"type":"stats"' "$T/trace.jsonl" | tail -1)"
check "without the programs: every datagram reported, the wildcard source" [ "$fbn" = "0.0.0.0 0.0.0.0 " ]
check "without the iterator: the stand-in hooks, with the packet programs' help: the real source" \
    sh -c '[ "$1" = "10.77.0.2 127.0.0.1 " ] && grep -q "cgroup/sendmsg4" "$2"' sh "$nsn" "$T/ns.err"
srcs_of() { # CLIENT-LINE: the sources of its udp records
    jq -r --argjson pid "${1%% *}" \
        'select(.event == "udp" and .dir == "out" and .pid == $pid) | .src' "$T/trace.jsonl" | tr '\n' ' '
}
dsrc=$(srcs_of "$dstopts") hsrc=$(srcs_of "$hopdst")
dpeer=$(awk '{ print $2 }' "$T/dstopts.log" | sort -u | tr '\n' ' ')
echo "INFO with extension headers: sources $dsrc (destination options), $hsrc (hop-by-hop too), the server saw $dpeer"
check "IPv6 with a destination options header: the real source" \
    eval '[ -n "$dsrc" ] && [ "$dsrc" = "$dpeer" ]'
check "IPv6 with hop-by-hop and destination options: the real source" \
    eval '[ -n "$hsrc" ] && [ "$hsrc" = "$dpeer" ]'
if [ -n "$natc" ]; then
    nat=$(jq -r --argjson pid "${natc%% *}" \
        'select(.event == "udp" and .pid == $pid) | "\(.dir) \(.src) \(.dst):\(.dport)"' "$T/trace.jsonl" |
        tr '\n' ' ')
    echo "INFO behind a destination NAT, the client's udp records: $nat"
    check "a destination NAT on the way out: the destination the process sent to, its answer no new flow" \
        [ "$nat" = "out 10.77.0.2 10.77.0.1:5398 " ]
else
    skip "a destination NAT on the way out: the destination the process sent to, its answer no new flow: nft: $(head -1 "$T/nft.err")"
fi
bigr=$(jq -r --argjson port "${big##* }" \
    'select(.event == "udp" and (.sport == $port or .dport == $port)) | "\(.dir) \(.src):\(.sport) \(.dst):\(.dport)"' \
    "$T/trace.jsonl" | sort | tr '\n' ' ')
unread=$(jq -r 'select(.type == "stats") | .udp_unread' "$T/trace.jsonl" | tail -1)
echo "INFO past the headers followed: $unread datagrams unread; the records of its flow: $bigr"
check "past the headers followed: counted and said, then both ends' records by their ports, not as started by the other" \
    sh -c '[ "${1:-0}" -ge 2 ] && grep -q "UDP datagrams* not seen" "$2" &&
        [ "$3" = "in fd77::2:$4 fd77::1:5302 out fd77::2:$4 fd77::1:5302 " ]' \
    sh "$unread" "$T/trace.err" "$bigr" "${big##* }"
check "nothing dropped" sh -c 'grep -q " 0 dropped" "$1" && ! grep -qE "[1-9][0-9]* dropped" "$1" &&
    grep -q "\"dropped\":0," "$2"' sh "$T/trace.err" "$T/trace.jsonl"
all_clean() { san_clean "$T/trace.err" && san_clean "$T/fb.err" && san_clean "$T/ns.err"; }
check "no sanitizer report" all_clean
