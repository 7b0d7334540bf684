#!/bin/bash
# Is every joined record's process the right one, live as from files?
#
#   scripts/join-truth.sh [-n RUNS] [-r dense|sparse] [-m fifo|pipe] [-R N] [-P] [-k]
#
# In a network namespace of its own: a DNS server (dnsmasq), a TLS server
# (openssl s_server), an HTTP server (python3 http.server), sshd; pp-trace
# on the host and pp-sniff -i lo in the namespace run into pp-join (two FIFOs, or the
# README's single pipe { pp-trace & pp-sniff; } | pp-join). RUNS clients
# run, a mix of: curl by name (DNS over connected UDP, then TLS), curl of
# HTTP, openssl s_client -servername, a python client with an unconnected
# UDP DNS query and an HTTP request, ssh (banner and key exchange), and a C
# client that connects, sends a request and exits within a millisecond.
# dense: four at a time, back to back; sparse: one every 0.6 s.
#
# Each client's pid is known (its shell writes $$, then execs it); its
# connections are the 5-tuples pp-trace reported for that pid. Every
# sniffed record of those connections in pp-join's output is then
#   right   pid and comm are the client's,
#   wrong   it carries another pid or comm,
#   none    it carries no pid.
# Sniffed records of the namespace on no client's 5-tuple count as
# "unknown". Then pp-join runs in file mode on the recorded streams: its
# records, sorted, must equal the live ones ("live_eq_file"). -R N: then
# N replays of the recorded streams into a live pp-join, cut and
# interleaved at random with random pauses, each through FIFOs and through
# one pipe (the two producers' lines shuffled together, each in its own
# order): "replays_eq_file" counts those equal to file mode. -P: pp-trace
# polls (--no-ebpf, in the namespace: polling sees its own namespace's
# tables) instead of eBPF; an eBPF pp-trace beside it, not joined, says
# which connection was whose.
# Prints one JSON line of counts; -k keeps the work directory.
# Needs root, dnsmasq, openssl, curl, python3 (/usr/bin), ssh, sshd, cc.
set -u
RUNS=60 RATE=dense MODE=fifo KEEP=0 REPLAYS=0 TRACE_OPT=
while getopts n:r:m:R:Pk o; do
    case $o in
    n) RUNS=$OPTARG ;; r) RATE=$OPTARG ;; m) MODE=$OPTARG ;; k) KEEP=1 ;;
    R) REPLAYS=$OPTARG ;; P) TRACE_OPT=--no-ebpf ;;
    *) echo "usage: $0 [-n runs] [-r dense|sparse] [-m fifo|pipe] [-k]" >&2; exit 2 ;;
    esac
done
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
ip netns add $NS || exit 1
CLEAN=("ip netns pids $NS | xargs -r kill -9" "sleep 0.2" "ip netns del $NS" "rm -rf /etc/netns/$NS")
ip -n $NS link set lo up
for a in 127.0.0.2 127.0.0.3 127.0.0.4; do ip -n $NS addr add $a/8 dev lo 2>/dev/null; done
inns() { ip netns exec $NS "$@"; }
mkdir -p /etc/netns/$NS
echo "nameserver 127.0.0.1" >/etc/netns/$NS/resolv.conf

# --- servers ---------------------------------------------------------------
inns dnsmasq --keep-in-foreground --conf-file=/dev/null --user=root --listen-address=127.0.0.1 \
    --bind-interfaces --port=53 --no-resolv --no-hosts --address=/app.truth.test/127.0.0.2 \
    --address=/web.truth.test/127.0.0.3 2>"$T/dnsmasq.err" &
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=app.truth.test" -keyout "$T/key.pem" \
    -out "$T/cert.pem" -days 1 2>/dev/null
inns openssl s_server -accept 127.0.0.2:8443 -cert "$T/cert.pem" -key "$T/key.pem" -www -quiet \
    </dev/null >/dev/null 2>"$T/tls.err" &
mkdir -p "$T/www" && echo hello >"$T/www/index.html"
inns $PY -m http.server --bind 127.0.0.3 8080 --directory "$T/www" >/dev/null 2>&1 &
ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey" >/dev/null
inns /usr/sbin/sshd -D -f /dev/null -o HostKey="$T/hostkey" -o ListenAddress=127.0.0.4:2222 \
    -o PidFile=none -o UsePAM=no 2>"$T/sshd.err" &

cat >"$T/mscli.c" <<'EOF'
/* Connect, ask, read a little, exit: a client that lives a millisecond. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(8080)};
	static const char q[] = "GET / HTTP/1.0\r\nHost: c.truth.test\r\n\r\n";
	char b[256];
	int s = socket(AF_INET, SOCK_STREAM, 0);
	inet_pton(AF_INET, "127.0.0.3", &a.sin_addr);
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
import os, socket, struct
name = b"".join(bytes([len(p)]) + p for p in b"web.truth.test".split(b"."))
q = struct.pack(">HHHHHH", os.getpid() & 0xFFFF, 0x0100, 1, 0, 0, 0) + name + b"\0" + struct.pack(">HH", 1, 1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(3)
u.sendto(q, ("127.0.0.1", 53))
u.recvfrom(512)
u.close()
c = socket.create_connection(("127.0.0.3", 8080), timeout=3)
c.sendall(b"GET / HTTP/1.0\r\nHost: py.truth.test\r\n\r\n")
c.recv(256)
c.close()
EOF
sleep 1

# --- producers into pp-join --------------------------------------------------
# Polling reads the socket tables of its own namespace: it runs in ours.
TRACE=("$BIN/pp-trace")
if [ -n "$TRACE_OPT" ]; then
    TRACE=(ip netns exec $NS "$BIN/pp-trace" $TRACE_OPT)
    "$BIN/pp-trace" -v >"$T/oracle.jsonl" 2>"$T/oracle.err" &
    opid=$!
    for i in $(seq 100); do grep -q "eBPF attached" "$T/oracle.err" && break; sleep 0.1; done
fi
"$BIN/pp-join" --version >/dev/null || exit 1
if [ $MODE = fifo ]; then
    mkfifo "$T/trace.fifo" "$T/sniff.fifo"
    "$BIN/pp-join" "$T/trace.fifo" "$T/sniff.fifo" >"$T/live.jsonl" 2>"$T/join.err" &
    jpid=$!
    "${TRACE[@]}" > >(tee "$T/trace.jsonl" >"$T/trace.fifo") 2>"$T/trace.err" &
    tpid=$!
    inns "$BIN/pp-sniff" -i lo > >(tee "$T/sniff.jsonl" >"$T/sniff.fifo") 2>"$T/sniff.err" &
else
    { "${TRACE[@]}" 2>"$T/trace.err" & echo $! >"$T/trace.pid"; inns "$BIN/pp-sniff" -i lo 2>"$T/sniff.err"; } |
        tee "$T/all.jsonl" | "$BIN/pp-join" >"$T/live.jsonl" 2>"$T/join.err" &
    jpid=$!
fi
# Ready when both have written a mark after attaching (pp-trace) and
# opening the capture.
for i in $(seq 100); do
    f=$T/trace.jsonl; [ $MODE = pipe ] && f=$T/all.jsonl
    a=$(grep -c '"producer":"pp-trace' "$f" 2>/dev/null) b=$(grep -c '"producer":"pp-sniff' "${f/trace/sniff}" 2>/dev/null)
    [ "${a:-0}" -ge 3 ] && [ "${b:-0}" -ge 3 ] && break
    sleep 0.2
done

# --- clients -----------------------------------------------------------------
client() { # n: the run's number; writes "pid comm" to $T/pids
    local n=$1 k=$(($1 % 6))
    local run=(sh -c 'echo "$$ $1" >>"$2"; shift 2; exec "$@"' sh)
    case $k in
    0) inns "${run[@]}" curl "$T/pids" curl -sk --max-time 5 -o /dev/null https://app.truth.test:8443/ ;;
    1) inns "${run[@]}" curl "$T/pids" curl -s --max-time 5 -o /dev/null http://web.truth.test:8080/ ;;
    2) inns "${run[@]}" openssl "$T/pids" openssl s_client -connect 127.0.0.2:8443 -servername app.truth.test \
           </dev/null >/dev/null 2>&1 ;;
    3) inns "${run[@]}" python3 "$T/pids" $PY "$T/udpcli.py" ;;
    4) inns "${run[@]}" ssh "$T/pids" ssh -o BatchMode=yes -o StrictHostKeyChecking=no \
           -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 -p 2222 nobody@127.0.0.4 true >/dev/null 2>&1 ;;
    5) inns "${run[@]}" mscli "$T/pids" "$T/mscli" ;;
    esac
}
: >"$T/pids"
if [ $RATE = dense ]; then
    for ((i = 0; i < RUNS; i += 4)); do
        cl=()
        for ((j = i; j < i + 4 && j < RUNS; j++)); do client $j & cl+=($!); done
        wait "${cl[@]}"
    done
else
    cl=()
    for ((i = 0; i < RUNS; i++)); do client $i & cl+=($!); sleep 0.6; done
    wait "${cl[@]}"
fi
# Time for the last flows to end (pp-sniff: 5 s after FIN), then stop.
sleep 6
# pp-trace runs on the host (as a user would: it sees every namespace),
# pp-sniff in the namespace.
[ $MODE = pipe ] && tpid=$(cat "$T/trace.pid")
kill -TERM $tpid ${opid:-}
for p in $(ip netns pids $NS); do
    [ "$(cat /proc/$p/comm 2>/dev/null)" = pp-trace ] && kill -TERM $p
done
for p in $(ip netns pids $NS); do
    [ "$(cat /proc/$p/comm 2>/dev/null)" = pp-sniff ] && kill -TERM $p
done
wait $jpid

# --- file mode on what was recorded, and the verdict ------------------------------
if [ $MODE = fifo ]; then
    "$BIN/pp-join" -q "$T/trace.jsonl" "$T/sniff.jsonl" >"$T/file.jsonl" 2>>"$T/join.err"
    rec=("$T/trace.jsonl" "$T/sniff.jsonl")
else
    "$BIN/pp-join" -q "$T/all.jsonl" >"$T/file.jsonl" 2>>"$T/join.err"
    rec=("$T/all.jsonl")
fi
# Replays: the recorded streams again, at random.
cat >"$T/replay.py" <<'EOF'
import os, random, sys, time
mode, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
streams = [open(f, "rb").read().splitlines(keepends=True) for f in out[:n]]
fifos = out[n:]
rnd = random.Random()
if mode == "one":  # every stream's lines, shuffled together, into one pipe
    w = [open(fifos[0], "wb", buffering=0)] * len(streams)
else:
    w = [open(f, "wb", buffering=0) for f in fifos]
pos = [0] * len(streams)
if mode == "one":
    # Each producer's first line is its start mark, written before any
    # record (pp-trace and pp-sniff do so): on one pipe, pp-join can only
    # wait for producers it has heard of (pp-join(1) EVENT TIME).
    for i, s in enumerate(streams):
        if s and b'"type":"mark"' in s[0]:
            w[i].write(s[0])
            pos[i] = 1
while any(p < len(s) for p, s in zip(pos, streams)):
    i = rnd.choice([k for k in range(len(streams)) if pos[k] < len(streams[k])])
    n = rnd.choice([1, 1, 2, 5, 50, 500])
    w[i].write(b"".join(streams[i][pos[i]:pos[i] + n]))
    pos[i] += n
    if pos[i] >= len(streams[i]) and mode != "one":
        w[i].close()  # as its producer would end
    if rnd.random() < 0.05:
        time.sleep(rnd.random() * 0.01)
for f in set(w):
    if not f.closed:
        f.close()
EOF
if [ $MODE = fifo ]; then srcs=("$T/trace.jsonl" "$T/sniff.jsonl"); else srcs=("$T/all.jsonl"); fi
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
        $PY "$T/replay.py" $how ${#srcs[@]} "${srcs[@]}" "${fs[@]}"
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

NSINO=$(inns stat -Lc %i /proc/self/ns/net)
oracle=("${rec[@]}")
[ -n "$TRACE_OPT" ] && oracle=("$T/oracle.jsonl")
$PY - "$T" "$MODE" "$RATE" "$RUNS" "$NSINO" "${oracle[@]}" <<'EOF'
import json, sys
T, mode, rate, runs, ns = sys.argv[1:6]
ns = int(ns)
recorded = sys.argv[6:]
pids = {}
reused = 0
for line in open(T + "/pids"):
    p, c = line.split()
    reused += int(p) in pids  # pid_max wraps on a busy machine
    pids[int(p)] = c
def key(r):
    a = (r.get("src"), r.get("sport")); b = (r.get("dst"), r.get("dport"))
    return (r.get("proto"),) + tuple(sorted([a, b], key=str))
owner = {}  # 5-tuple -> client pid, from pp-trace's own records
wild = {}   # (proto, local port, peer, peer port) -> pid
for f in recorded:
    for line in open(f):
        r = json.loads(line)
        if r.get("type") == "sock" and r.get("pid") in pids and r.get("event") in ("connect", "udp", "close") \
                and r.get("netns") == ns and r.get("dst"):
            # the kernel's pid and comm at the event: right even when a
            # pid was reused during the run; a 5-tuple can be reused too
            # (a UDP source port a moment later): each owner from its
            # first record on
            owner.setdefault(key(r), []).append((r["ts"], r["pid"], r.get("comm")))
            if r.get("src") in ("0.0.0.0", "::"):  # wildcard-bound UDP socket
                wild.setdefault((r["proto"], r["sport"], r["dst"], r["dport"]), []).append(
                    (r["ts"], r["pid"], r.get("comm")))
right = wrong = none = unknown = resp_wrong = 0
examples = []
live = [l for l in open(T + "/live.jsonl")]
for line in live:
    r = json.loads(line)
    if r.get("type") in ("sock", "mark") or r.get("netns") != ns:
        continue
    o = owner.get(key(r), []) + wild.get((r.get("proto"), r.get("sport"), r.get("dst"), r.get("dport")), [])
    o = o or None
    if o is not None:
        # the latest owner seen by the record's time (the first packet
        # comes a few microseconds before the socket's record)
        o = max((x for x in o if x[0] <= r["ts"] + 0.05), default=min(o))[1:]
    if o is None:
        unknown += 1
        continue
    o, ocomm = o
    if r.get("pid") is None:
        none += 1
        if len(examples) < 5: examples.append(("none", o, line.strip()[:400]))
    elif r["pid"] == o and r.get("comm") == ocomm:
        right += 1
    else:
        wrong += 1
        if len(examples) < 5: examples.append(("wrong", o, line.strip()[:400]))
    if r.get("resp_pid") == o:
        resp_wrong += 1
filel = sorted(open(T + "/file.jsonl"))
rok, rn = map(int, open(T + "/replays").read().split())
try:
    notes = open(T + "/replay.notes").read().splitlines()
except OSError:
    notes = []
same = sorted(live) == filel
ndiff = len(set(live) ^ set(filel))
import re
clean = True
for f in ("join.err", "trace.err", "sniff.err"):
    try:
        t = open(T + "/" + f, errors="replace").read()
    except OSError:
        continue
    if re.search(r"ERROR: (Address|Leak)Sanitizer|runtime error:|malformed line|, skipped", t):
        clean = False
for e in examples:
    print("example", *e, file=sys.stderr)
print(json.dumps({"mode": mode, "rate": rate, "runs": int(runs), "clients": len(pids),
                  "connections": len(owner), "records": right + wrong + none, "right": right,
                  "wrong": wrong, "none": none, "unknown": unknown, "resp_is_client": resp_wrong,
                  "live_eq_file": same, "live_file_diff_lines": ndiff,
                  "replays_eq_file": "%d/%d" % (rok, rn), "clean": clean, "pids_reused": reused, "replay_notes": notes,
                  "examples": examples[:3]}))
EOF
