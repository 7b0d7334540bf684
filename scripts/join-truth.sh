#!/bin/bash
# Is every joined record's process the right one, live as from files?
#
#   scripts/join-truth.sh [-n RUNS] [-r dense|sparse] [-m fifo|pipe] [-t lo|veth|twin] [-R N] [-P] [-k]
#
# In a network namespace of its own: a DNS server (dnsmasq), a TLS server
# (openssl s_server), an HTTP server (python3 http.server), sshd; pp-trace
# on the host and pp-sniff in the namespace run into pp-join (FIFOs, or the
# README's single pipe { pp-trace & pp-sniff; } | pp-join). RUNS clients
# run, a mix of: curl by name (DNS over connected UDP, then TLS), curl of
# HTTP, openssl s_client -servername, a python client with an unconnected
# UDP DNS query and an HTTP request, ssh (banner and key exchange), and a C
# client that connects, sends a request and exits within a millisecond.
# dense: four at a time, back to back; sparse: one every 0.6 s.
# -t: where the servers are and what is sniffed:
#   lo    (default) clients and servers on the namespace's lo, pp-sniff -i lo;
#   veth  the servers in a second namespace behind a veth pair, a pp-sniff
#         on each end; the servers' end sees the clients' connections from
#         another netns than their sockets' (as a capture on a container
#         bridge does), counted apart as far_right / far_wrong / far_none
#         (far_*_wildcard: of those, the ones of a client's wildcard-bound
#         UDP socket);
#   twin  two namespaces alike (same addresses, same servers), each client
#         run in both at once, from the same source port where the client
#         lets one choose it (curl, python, the C client): the same
#         5-tuples at the same time ("shared_tuples"); a pp-sniff -i lo in
#         each.
#
# Each client's pid is known (its shell writes $$, then execs it); its
# connections are the 5-tuples pp-trace reported for that pid in its
# namespace. Every record of pp-sniff (not pp-trace's own dns records,
# which carry "source") on those connections in pp-join's output is then
#   right   pid and comm are the client's,
#   wrong   it carries another pid or comm,
#   none    it carries no pid.
# Sniffed records of the clients' namespaces on no client's 5-tuple count
# as "unknown". Then pp-join runs in file mode on the recorded streams: its
# records, sorted, must equal the live ones ("live_eq_file"). -R N: then
# N replays of the recorded streams into a live pp-join, cut and
# interleaved at random with random pauses, each through FIFOs and through
# one pipe (the producers' lines shuffled together, each in its own
# order): "replays_eq_file" counts those equal to file mode. -P: pp-trace
# polls (--no-ebpf, in the clients' namespace: polling sees its own
# namespace's tables) instead of eBPF; an eBPF pp-trace beside it, not
# joined, says which connection was whose (not with -t twin).
# Prints one JSON line of counts; -k keeps the work directory.
# Needs root, dnsmasq, openssl, curl, python3 (/usr/bin), ssh, sshd, cc.
set -u
RUNS=60 RATE=dense MODE=fifo TOPO=lo KEEP=0 REPLAYS=0 TRACE_OPT=
usage() {
    echo "usage: $0 [-n runs] [-r dense|sparse] [-m fifo|pipe] [-t lo|veth|twin] [-R replays] [-P] [-k]" >&2
    exit 2
}
while getopts n:r:m:t:R:Pk o; do
    case $o in
    n) RUNS=$OPTARG ;; r) RATE=$OPTARG ;; m) MODE=$OPTARG ;; t) TOPO=$OPTARG ;; k) KEEP=1 ;;
    R) REPLAYS=$OPTARG ;; P) TRACE_OPT=--no-ebpf ;;
    *) usage ;;
    esac
done
case $TOPO in lo | veth | twin) ;; *) usage ;; esac
[ $TOPO = twin ] && [ -n "$TRACE_OPT" ] && usage
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${PP_BIN:-$ROOT/bin}
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/pp-truth.XXXXXX")
NS=pp-truth-$$
CLEAN=()
cleanup() {
    local c
    for c in "${CLEAN[@]}"; do eval "$c" >/dev/null 2>&1; done
    [ $KEEP = 1 ] && echo "kept $T" >&2 || rm -rf "$T"
}
trap cleanup EXIT
newns() { # NAME: a namespace with lo up and no IPv6 (no neighbour chatter on a veth)
    ip netns add "$1" || exit 1
    CLEAN=("ip netns pids $1 | xargs -r kill -9" "sleep 0.2" "ip netns del $1" "rm -rf /etc/netns/$1" "${CLEAN[@]}")
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$1" link set lo up
}
inns() { ip netns exec $NS "$@"; }
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=app.truth.test" -keyout "$T/key.pem" \
    -out "$T/cert.pem" -days 1 2>/dev/null
mkdir -p "$T/www" && echo hello >"$T/www/index.html"
ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey" >/dev/null

# --- servers ---------------------------------------------------------------
# servers NS: dnsmasq on $DNS_IP (app.truth.test is $TLS_IP, web.truth.test
# $HTTP_IP), openssl s_server on $TLS_IP:8443, python's http.server on
# $HTTP_IP:8080, sshd on $SSH_IP:2222.
servers() {
    local ns=$1
    ip netns exec $ns dnsmasq --keep-in-foreground --conf-file=/dev/null --user=root \
        --listen-address=$DNS_IP --bind-interfaces --port=53 --no-resolv --no-hosts \
        --address=/app.truth.test/$TLS_IP --address=/web.truth.test/$HTTP_IP 2>"$T/$ns.dnsmasq.err" &
    ip netns exec $ns openssl s_server -accept $TLS_IP:8443 -cert "$T/cert.pem" -key "$T/key.pem" \
        -www -quiet </dev/null >/dev/null 2>"$T/$ns.tls.err" &
    ip netns exec $ns $PY -m http.server --bind $HTTP_IP 8080 --directory "$T/www" >/dev/null 2>&1 &
    ip netns exec $ns /usr/sbin/sshd -D -f /dev/null -o HostKey="$T/hostkey" \
        -o ListenAddress=$SSH_IP:2222 -o PidFile=none -o UsePAM=no 2>"$T/$ns.sshd.err" &
}
# CLIENT_NS: where clients run (and are judged); SNIFF: "namespace
# interface" of each pp-sniff; FAR_NS: the servers' namespace (veth).
FAR_NS=
newns $NS
case $TOPO in
lo | twin)
    DNS_IP=127.0.0.1 TLS_IP=127.0.0.2 HTTP_IP=127.0.0.3 SSH_IP=127.0.0.4
    CLIENT_NS=($NS)
    [ $TOPO = twin ] && { newns pp-truthb-$$; CLIENT_NS+=(pp-truthb-$$); }
    SNIFF=()
    for ns in "${CLIENT_NS[@]}"; do
        for a in $TLS_IP $HTTP_IP $SSH_IP; do ip -n $ns addr add $a/8 dev lo 2>/dev/null; done
        servers $ns
        SNIFF+=("$ns lo")
    done
    ;;
veth)
    DNS_IP=10.213.0.1 TLS_IP=10.213.0.2 HTTP_IP=10.213.0.3 SSH_IP=10.213.0.4
    CLIENT_NS=($NS) FAR_NS=pp-truths-$$
    newns $FAR_NS
    ip -n $NS link add ppc$$ type veth peer name pps$$ netns $FAR_NS || exit 1
    ip -n $NS addr add 10.213.0.9/24 dev ppc$$
    for a in $DNS_IP $TLS_IP $HTTP_IP $SSH_IP; do ip -n $FAR_NS addr add $a/24 dev pps$$; done
    ip -n $NS link set ppc$$ up
    ip -n $FAR_NS link set pps$$ up
    servers $FAR_NS
    SNIFF=("$NS ppc$$" "$FAR_NS pps$$")
    ;;
esac
for ns in "${CLIENT_NS[@]}"; do
    mkdir -p /etc/netns/$ns
    echo "nameserver $DNS_IP" >/etc/netns/$ns/resolv.conf
done

cat >"$T/mscli.c" <<'EOF'
/* Connect, ask, read a little, exit: a client that lives a millisecond.
 * mscli ADDRESS [LOCAL-PORT] */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(8080)};
	struct sockaddr_in l = {.sin_family = AF_INET};
	static const char q[] = "GET / HTTP/1.0\r\nHost: c.truth.test\r\n\r\n";
	char b[256];
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (argc < 2 || inet_pton(AF_INET, argv[1], &a.sin_addr) != 1)
		return 2;
	if (argc > 2) {
		l.sin_port = htons(atoi(argv[2]));
		if (bind(s, (struct sockaddr *)&l, sizeof(l)) < 0)
			return 1;
	}
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return 1;
	if (write(s, q, sizeof(q) - 1) < 0)
		return 1;
	(void)read(s, b, sizeof(b));
	return 0;
}
EOF
cc -O2 -o "$T/mscli" "$T/mscli.c" || exit 1
cat >"$T/udpcli.py" <<'EOF'
# A DNS query from an unconnected UDP socket (sendto), then HTTP.
#   udpcli.py DNS-ADDRESS HTTP-ADDRESS [LOCAL-PORT]
import os, socket, struct, sys
dns, web = sys.argv[1:3]
lport = int(sys.argv[3]) if len(sys.argv) > 3 else 0
name = b"".join(bytes([len(p)]) + p for p in b"web.truth.test".split(b"."))
q = struct.pack(">HHHHHH", os.getpid() & 0xFFFF, 0x0100, 1, 0, 0, 0) + name + b"\0" + struct.pack(">HH", 1, 1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(3)
if lport:
    u.bind(("0.0.0.0", lport))  # a port, but still the wildcard address
u.sendto(q, (dns, 53))
u.recvfrom(512)
u.close()
c = socket.create_connection((web, 8080), timeout=3, source_address=("", lport))
c.sendall(b"GET / HTTP/1.0\r\nHost: py.truth.test\r\n\r\n")
c.recv(256)
c.close()
EOF
sleep 1

# --- producers into pp-join --------------------------------------------------
# Polling reads the socket tables of its own namespace: it runs in the
# clients'.
TRACE=("$BIN/pp-trace")
if [ -n "$TRACE_OPT" ]; then
    TRACE=(ip netns exec $NS "$BIN/pp-trace" $TRACE_OPT)
    "$BIN/pp-trace" -v >"$T/oracle.jsonl" 2>"$T/oracle.err" &
    opid=$!
    for i in $(seq 100); do grep -q "eBPF attached" "$T/oracle.err" && break; sleep 0.1; done
fi
"$BIN/pp-join" --version >/dev/null || exit 1
NSNIFF=${#SNIFF[@]}
sniff() { # K: the K-th pp-sniff of $SNIFF
    set -- ${SNIFF[$1]}
    ip netns exec $1 "$BIN/pp-sniff" -i $2
}
if [ $MODE = fifo ]; then
    fifos=("$T/trace.fifo")
    for ((k = 0; k < NSNIFF; k++)); do fifos+=("$T/sniff$k.fifo"); done
    mkfifo "${fifos[@]}"
    "$BIN/pp-join" "${fifos[@]}" >"$T/live.jsonl" 2>"$T/join.err" &
    jpid=$!
    "${TRACE[@]}" > >(tee "$T/trace.jsonl" >"$T/trace.fifo") 2>"$T/trace.err" &
    tpid=$!
    for ((k = 0; k < NSNIFF; k++)); do
        sniff $k > >(tee "$T/sniff$k.jsonl" >"$T/sniff$k.fifo") 2>"$T/sniff$k.err" &
    done
    rec=("$T/trace.jsonl")
    for ((k = 0; k < NSNIFF; k++)); do rec+=("$T/sniff$k.jsonl"); done
else
    { "${TRACE[@]}" 2>"$T/trace.err" & echo $! >"$T/trace.pid"
      for ((k = 0; k < NSNIFF; k++)); do sniff $k 2>"$T/sniff$k.err" & done; wait; } |
        tee "$T/all.jsonl" | "$BIN/pp-join" >"$T/live.jsonl" 2>"$T/join.err" &
    jpid=$!
    rec=("$T/all.jsonl")
fi
# Ready when each has written three marks after attaching (pp-trace) and
# opening the capture.
for i in $(seq 100); do
    a=$(cat "${rec[@]}" 2>/dev/null | grep -c '"producer":"pp-trace')
    b=$(cat "${rec[@]}" 2>/dev/null | grep '"producer":"pp-sniff' | grep -o 'pp-sniff:[0-9]*' | sort | uniq -c |
        awk '$1 >= 3' | wc -l)
    [ "${a:-0}" -ge 3 ] && [ "${b:-0}" -ge $NSNIFF ] && break
    sleep 0.2
done

# --- clients -----------------------------------------------------------------
client() { # N NS [LOCAL-PORT]: the run's number, where; writes "pid comm" to $T/pids
    local n=$1 ns=$2 lp=${3:-} k=$(($1 % 6))
    local run=(ip netns exec $ns sh -c 'echo "$$ $1" >>"$2"; shift 2; exec "$@"' sh)
    case $k in
    0) "${run[@]}" curl "$T/pids" curl -sk --max-time 5 -o /dev/null ${lp:+--local-port $lp} \
           https://app.truth.test:8443/ ;;
    1) "${run[@]}" curl "$T/pids" curl -s --max-time 5 -o /dev/null ${lp:+--local-port $lp} \
           http://web.truth.test:8080/ ;;
    2) "${run[@]}" openssl "$T/pids" openssl s_client -connect $TLS_IP:8443 -servername app.truth.test \
           </dev/null >/dev/null 2>&1 ;;
    3) "${run[@]}" python3 "$T/pids" $PY "$T/udpcli.py" $DNS_IP $HTTP_IP $lp ;;
    4) "${run[@]}" ssh "$T/pids" ssh -o BatchMode=yes -o StrictHostKeyChecking=no \
           -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 -p 2222 nobody@$SSH_IP true >/dev/null 2>&1 ;;
    5) "${run[@]}" mscli "$T/pids" "$T/mscli" $HTTP_IP $lp ;;
    esac
}
clients() { # N: run N in each client namespace at once (twin: from port 20000+N)
    local ns lp=
    [ $TOPO = twin ] && lp=$((20000 + $1))
    for ns in "${CLIENT_NS[@]}"; do client $1 $ns $lp & done
    wait
}
: >"$T/pids"
if [ $RATE = dense ]; then
    for ((i = 0; i < RUNS; i += 4)); do
        cl=()
        for ((j = i; j < i + 4 && j < RUNS; j++)); do clients $j & cl+=($!); done
        wait "${cl[@]}"
    done
else
    cl=()
    for ((i = 0; i < RUNS; i++)); do clients $i & cl+=($!); sleep 0.6; done
    wait "${cl[@]}"
fi
# Time for the last flows to end (pp-sniff: 5 s after FIN), then stop.
sleep 6
# pp-trace runs on the host (as a user would: it sees every namespace),
# pp-sniff in the namespaces.
[ $MODE = pipe ] && tpid=$(cat "$T/trace.pid")
kill -TERM $tpid ${opid:-}
for p in $(ip netns pids $NS); do
    [ "$(cat /proc/$p/comm 2>/dev/null)" = pp-trace ] && kill -TERM $p
done
for s in "${SNIFF[@]}"; do
    for p in $(ip netns pids ${s% *}); do
        [ "$(cat /proc/$p/comm 2>/dev/null)" = pp-sniff ] && kill -TERM $p
    done
done
wait $jpid

# --- file mode on what was recorded, and the verdict ------------------------------
"$BIN/pp-join" -q "${rec[@]}" >"$T/file.jsonl" 2>>"$T/join.err"
# Replays: the recorded streams again, at random (scripts/join-replay.py).
srcs=("${rec[@]}")
replay_ok=0 replay_n=0
for ((r = 0; r < REPLAYS; r++)); do
    for how in fifos one; do
        [ $how = one ] && [ ${#srcs[@]} = 1 ] && continue
        rm -f "$T"/r*.fifo
        if [ $how = one ]; then
            mkfifo "$T/r0.fifo"; fs=("$T/r0.fifo")
        else
            fs=(); for ((k = 0; k < ${#srcs[@]}; k++)); do mkfifo "$T/r$k.fifo"; fs+=("$T/r$k.fifo"); done
        fi
        # (--idle: on a loaded machine the feeder itself may stall; a
        # source timed out is what live mode does, not what is tested here)
        "$BIN/pp-join" --idle 60 "${fs[@]}" >"$T/replay.jsonl" 2>"$T/replay.err" &
        rj=$!
        $PY "$ROOT/scripts/join-replay.py" $how ${#srcs[@]} "${srcs[@]}" "${fs[@]}"
        wait $rj
        replay_n=$((replay_n + 1))
        if cmp -s <(sort "$T/replay.jsonl") <(sort "$T/file.jsonl"); then
            replay_ok=$((replay_ok + 1))
        else # kept with -k
            cp "$T/replay.jsonl" "$T/replay-$r-$how.jsonl"
            echo "$how: $(grep -h 'event time\|silent\|nothing for' "$T/replay.err" | tr '\n' ' ')" >>"$T/replay.notes"
        fi
        grep -h 'Sanitizer\|runtime error' "$T/replay.err" >>"$T/join.err"
    done
done
echo "$replay_ok $replay_n" >"$T/replays"

nsino() { ip netns exec $1 stat -Lc %i /proc/self/ns/net; }
NSINO=
for ns in "${CLIENT_NS[@]}"; do NSINO+=${NSINO:+,}$(nsino $ns); done
FARINO=0
[ -n "$FAR_NS" ] && FARINO=$(nsino $FAR_NS)
oracle=("${rec[@]}")
[ -n "$TRACE_OPT" ] && oracle=("$T/oracle.jsonl")
$PY - "$T" "$MODE" "$RATE" "$TOPO" "$RUNS" "$NSINO" "$FARINO" "${oracle[@]}" <<'EOF'
import json, sys
T, mode, rate, topo, runs, nss, far = sys.argv[1:8]
nss = set(int(x) for x in nss.split(","))
far = int(far)
recorded = sys.argv[8:]
pids = {}
reused = 0
for line in open(T + "/pids"):
    p, c = line.split()
    reused += int(p) in pids  # pid_max wraps on a busy machine
    pids[int(p)] = c
def key(r, netns):
    a = (r.get("src"), r.get("sport")); b = (r.get("dst"), r.get("dport"))
    return (netns, r.get("proto")) + tuple(sorted([a, b], key=str))
owner = {}  # (netns, 5-tuple) -> client pid, from pp-trace's own records
wild = {}   # (netns, proto, local port, peer, peer port) -> pid
for f in recorded:
    for line in open(f):
        r = json.loads(line)
        if r.get("type") == "sock" and r.get("pid") in pids and r.get("event") in ("connect", "udp", "close") \
                and r.get("netns") in nss and r.get("dst"):
            # the kernel's pid and comm at the event: right even when a
            # pid was reused during the run; a 5-tuple can be reused too
            # (a UDP source port a moment later): each owner from its
            # first record on
            owner.setdefault(key(r, r["netns"]), []).append((r["ts"], r["pid"], r.get("comm")))
            if r.get("src") in ("0.0.0.0", "::"):  # wildcard-bound UDP socket
                wild.setdefault((r["netns"], r["proto"], r["sport"], r["dst"], r["dport"]), []).append(
                    (r["ts"], r["pid"], r.get("comm")))
# The same 5-tuple owned in two namespaces (twin)
by_tuple = {}
for k in owner:
    by_tuple.setdefault(k[1:], set()).add(k[0])
shared = sum(1 for v in by_tuple.values() if len(v) > 1)
owner_any = {}  # 5-tuple -> owners in any client namespace
for k, v in owner.items():
    owner_any.setdefault(k[1:], []).extend(v)
wild_any = {}
for k, v in wild.items():
    wild_any.setdefault(k[1:], []).extend(v)
n = {c: 0 for c in ("right", "wrong", "none", "unknown", "resp_is_client",
                    "far_right", "far_wrong", "far_none", "far_wrong_wildcard", "far_none_wildcard")}
examples = []
live = [l for l in open(T + "/live.jsonl")]
for line in live:
    r = json.loads(line)
    if r.get("type") in ("sock", "mark") or "source" in r:
        continue  # pp-trace's records: not sniffed
    if r.get("netns") in nss:
        o = owner.get(key(r, r["netns"]), []) + \
            wild.get((r["netns"], r.get("proto"), r.get("sport"), r.get("dst"), r.get("dport")), [])
        pre, exact = "", None
    elif far and r.get("netns") == far:
        # the servers' end of the veth: the clients' sockets are in
        # another namespace, which pp-join(1) lets fit off loopback
        exact = owner_any.get(key(r, None)[1:], [])
        o = exact + wild_any.get((r.get("proto"), r.get("sport"), r.get("dst"), r.get("dport")), [])
        pre = "far_"
    else:
        continue
    if not o:
        n["unknown"] += pre == ""
        continue
    # the latest owner seen by the record's time (the first packet comes
    # a few microseconds before the socket's record)
    o, ocomm = max((x for x in o if x[0] <= r["ts"] + 0.05), default=min(o))[1:]
    if r.get("pid") is None:
        c = "none"
    elif r["pid"] == o and r.get("comm") == ocomm:
        c = "right"
    else:
        c = "wrong"
    n[pre + c] += 1
    if pre and c != "right" and not exact:
        # only a wildcard-bound socket in another namespace was the
        # client's (scripts/join-repro-wildcard-far.sh)
        n["far_%s_wildcard" % c] += 1
    if c != "right" and len(examples) < 5:
        examples.append((pre + c, o, line.strip()[:400]))
    if r.get("resp_pid") == o:
        n["resp_is_client"] += 1
filel = sorted(open(T + "/file.jsonl"))
rok, rn = map(int, open(T + "/replays").read().split())
try:
    notes = open(T + "/replay.notes").read().splitlines()
except OSError:
    notes = []
same = sorted(live) == filel
ndiff = len(set(live) ^ set(filel))
import glob, re
clean = True
for f in [T + "/join.err", T + "/trace.err"] + glob.glob(T + "/sniff*.err"):
    t = open(f, errors="replace").read()
    if re.search(r"ERROR: (Address|Leak)Sanitizer|runtime error:|malformed line|, skipped", t):
        clean = False
for e in examples:
    print("example", *e, file=sys.stderr)
out = {"mode": mode, "rate": rate, "topo": topo, "runs": int(runs), "clients": len(pids),
       "connections": len(owner), "records": n["right"] + n["wrong"] + n["none"]}
for c in ("right", "wrong", "none", "unknown", "resp_is_client"):
    out[c] = n[c]
out.update(live_eq_file=same, live_file_diff_lines=ndiff, replays_eq_file="%d/%d" % (rok, rn),
           clean=clean, pids_reused=reused)
if topo == "veth":
    for c in ("far_right", "far_wrong", "far_none", "far_wrong_wildcard", "far_none_wildcard"):
        out[c] = n[c]
if topo == "twin":
    out.update(shared_tuples=shared)
out.update(replay_notes=notes, examples=examples[:3])
print(json.dumps(out))
EOF
