#!/bin/bash
# pp-trace's DNS from the kernel (bpf/dns.h), no pp-sniff, no
# libpcap: in a network namespace of its own, against dnsmasq there, dig
# (UDP and TCP), curl by name and a python resolver (its own unconnected
# UDP socket) each get dns records with their own pid, the question and the
# answers' addresses; `pp-trace | pp-join` names curl's connection
# (dst_name); hostile datagrams and a hostile server break nothing; a TXT
# answer's text never comes out.
source "$(dirname "$0")/../lib.sh"
C="pp-trace dns records from the kernel"
need_root || { skip "$C: needs root (eBPF)"; exit 0; }
for t in dig dnsmasq curl jq /usr/bin/python3; do
    have "$t" || { skip "$C: $t not installed"; exit 0; }
done
pp_tmpdir
T=$PP_TMP
pp_netns kdns || { skip "$C: cannot create a network namespace"; exit 0; }
PP_CLEANUP_CMDS=("ip netns pids $PP_NS | xargs -r kill" "${PP_CLEANUP_CMDS[@]}")
ip -n "$PP_NS" addr add ::1/128 dev lo 2>/dev/null
mkdir -p "/etc/netns/$PP_NS"
echo "nameserver 127.0.0.1" >"/etc/netns/$PP_NS/resolv.conf"
pp_on_exit "rm -rf /etc/netns/$PP_NS"
CANARY="kdns-canary-$$-txt-secret"
echo "txt-record=txt.kdns.test,$CANARY" >"$T/dnsmasq.conf" # not on its command line: that is in records

# pidof-less start: ip netns exec forks, so the pid comes from inside.
inns_bg() { # PIDFILE CMD...: start CMD in the namespace, its pid in PIDFILE
    local pf=$1; shift
    inns sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$pf" "$@" &
}
inns_pid() { # PIDFILE CMD...: run CMD there, its pid in PIDFILE
    local pf=$1; shift
    inns sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$pf" "$@"
}

inns_bg "$T/dnsmasq.pid" dnsmasq --keep-in-foreground --user=root \
    --listen-address=127.0.0.1 --listen-address=::1 --bind-interfaces --port=53 --no-resolv --no-hosts \
    --host-record=www.kdns.test,127.0.0.2,::2 --cname=alias.kdns.test,www.kdns.test \
    --conf-file="$T/dnsmasq.conf" 2>"$T/dnsmasq.err"
mkdir -p "$T/www" && echo hello >"$T/www/index.html"
inns_bg "$T/http.pid" /usr/bin/python3 -m http.server --bind 127.0.0.2 --directory "$T/www" 8080 \
    >/dev/null 2>&1
# A hostile server on 127.0.0.3:53: answers every query with broken
# messages (pointer loops, lying lengths, terminal escapes in names).
cat >"$T/badserver.py" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.3", 53))
open(sys.argv[1], "w").write("ready\n")
def q(name):
    return b"".join(bytes([len(l)]) + l for l in name.split(b".")) + b"\0"
while True:
    data, peer = s.recvfrom(4096)
    if len(data) < 2:
        continue
    tid = data[:2]
    replies = [
        tid + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + b"\xc0\x0c\x00\x01\x00\x01",   # qname: pointer to itself
        tid + b"\x81\x80\x00\x01\xff\xff\x00\x00\x00\x00" + q(b"x.test") + b"\x00\x01\x00\x01",  # 65535 answers, none there
        tid + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + q(b"\x1b[31mred\x1b[0m\xe2\x80\xae.test") + b"\x00\x01\x00\x01"
            + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x09",          # escapes in the name
        tid + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + q(b"len.test") + b"\x00\x01\x00\x01"
            + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x03\x00\x7f\x00\x00\x09",          # rdlength 768
        tid + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + q(b"bad.test") + b"\x00\x01\x00\x01"
            + b"\x40\x41\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x09",          # label type 0x40
        tid + b"\x81",                                                                        # 3 bytes
        tid + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + q(b"a" * 63 + b"." + b"b" * 63) + b"\x00\x01\x00\x01"
            + (b"\xc0\x0c\x00\x05\x00\x01\x00\x00\x00\x3c\x00\x02\xc0\x0c") * 40,             # a CNAME loop, long
    ]
    for r in replies:
        s.sendto(r, peer)
EOF
inns /usr/bin/python3 "$T/badserver.py" "$T/bad.ready" 2>"$T/bad.err" &
# On the host: ip netns exec mounts a sysfs of its own, without the cgroup
# v2 hierarchy the programs attach to.
"$PP_BIN/pp-trace" -v -d 90 >"$T/trace.jsonl" 2>"$T/trace.err" &
TRACE_PID=$!
pp_on_exit "kill $TRACE_PID"
for _ in $(seq 150); do
    grep -q "eBPF attached" "$T/trace.err" 2>/dev/null && [ -s "$T/bad.ready" ] && break
    sleep 0.1
done
if ! grep -q "DNS from the kernel: cgroup_skb/egress" "$T/trace.err"; then
    fail "$C: the DNS programs did not attach: $(grep -i dns "$T/trace.err" | head -3)"
    exit 0
fi

# The clients, each with its pid.
inns_pid "$T/dig.pid" dig +short +tries=1 +time=3 @127.0.0.1 www.kdns.test A >"$T/dig.out"
inns_pid "$T/dig6.pid" dig +short +tries=1 +time=3 @127.0.0.1 www.kdns.test AAAA >"$T/dig6.out"
inns_pid "$T/digtcp.pid" dig +short +tcp +tries=1 +time=3 @127.0.0.1 alias.kdns.test A >"$T/digtcp.out"
inns_pid "$T/digtxt.pid" dig +short +tries=1 +time=3 @127.0.0.1 txt.kdns.test TXT >"$T/digtxt.out"
cat >"$T/resolver.py" <<'EOF'
import os, socket, struct, sys
name = sys.argv[1].encode()
msg = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0)
msg += b"".join(bytes([len(l)]) + l for l in name.split(b".")) + b"\0" + struct.pack(">HH", 1, 1)
six = ":" in sys.argv[2]
s = socket.socket(socket.AF_INET6 if six else socket.AF_INET, socket.SOCK_DGRAM)   # unconnected: sendto/recvfrom
if len(sys.argv) > 3:   # "dstopts": a destination options header before the UDP header
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_DSTOPTS, bytes([0, 0, 1, 4, 0, 0, 0, 0]))
s.settimeout(3)
s.sendto(msg, (sys.argv[2], 53))
data, _ = s.recvfrom(4096)
print(os.getpid(), len(data))
EOF
inns /usr/bin/python3 "$T/resolver.py" www.kdns.test 127.0.0.1 >"$T/py.out"
inns /usr/bin/python3 "$T/resolver.py" www.kdns.test ::1 dstopts >"$T/py6.out"
inns_pid "$T/curl.pid" curl -s --max-time 10 -o /dev/null "http://alias.kdns.test:8080/"
curl_rc=$?
# Hostile queries to dnsmasq, and hostile answers from the bad server.
cat >"$T/garbage.py" <<'EOF'
import os, socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.3)
for m in [b"\x00\x01\x02\x03\x04",
          b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01",
          b"\x12\x35\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07\x1b[2Jxx\x07\x00\x00\x01\x00\x01",
          b"\x12\x36\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + b"\x3f" + b"z" * 63 + b"\x00\x00\x01\x00\x01",
          os.urandom(300), b"\x12\x37\x01\x00" + b"\xff" * 8 + b"\x80" * 200]:
    s.sendto(m, ("127.0.0.1", 53))
q = b"\x77\x77\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03bad\x04test\x00\x00\x01\x00\x01"
s.sendto(q, ("127.0.0.3", 53))
end = time.time() + 1.5
while time.time() < end:
    try:
        s.recvfrom(4096)
    except OSError:
        pass
print(os.getpid())
EOF
inns /usr/bin/python3 "$T/garbage.py" >"$T/garbage.out"
# Records go on after all that: one more query, by a fresh dig.
inns_pid "$T/dig2.pid" dig +short +tries=1 +time=3 @127.0.0.1 www.kdns.test A >"$T/dig2.out"
sleep 1
kill -INT "$TRACE_PID"
for _ in $(seq 100); do kill -0 "$TRACE_PID" 2>/dev/null || break; sleep 0.1; done
J=$T/trace.jsonl

ended() { ! kill -0 "$TRACE_PID" 2>/dev/null && san_clean "$T/trace.err"; }
check "$C: pp-trace ran on to the end (no sanitizer report)" ended
json_ok() { jq -e . "$J" >/dev/null; }
check "$C: every line is JSON" json_ok

# The dns records of a process: PIDFILE QNAME QTYPE MSG.
recs() {
    jq -c --argjson p "$(cat "$1")" --arg n "$2" --arg t "$3" --arg m "$4" \
        'select(.type=="dns" and .pid==$p and .qname==$n and .qtype==$t and .msg==$m)' "$J"
}
# any FILTER FILE: some record of FILE passes the jq FILTER (jq 1.6's -e
# goes by the last input only).
any() { [ -n "$(jq -c "$1" "$2")" ]; }
has_answer() { # PIDFILE QNAME QTYPE DATA
    [ -n "$(recs "$1" "$2" "$3" response | jq -c --arg d "$4" 'select(.answers[]?.data == $d)')" ]
}
query_ok() { # PIDFILE QNAME QTYPE COMM PROTO
    [ -n "$(recs "$1" "$2" "$3" query | jq -c --arg c "$4" --arg pr "$5" \
        'select(.comm==$c and .source=="ebpf" and .proto==$pr and .transport==$pr and .dport==53)')" ]
}
for c in "dig www.kdns.test A 127.0.0.2" "dig6 www.kdns.test AAAA ::2" "dig2 www.kdns.test A 127.0.0.2"; do
    set -- $c
    check "$C: $1's query with its own pid and comm" query_ok "$T/$1.pid" "$2" "$3" dig udp
    check "$C: $1's answer $4, to its pid" has_answer "$T/$1.pid" "$2" "$3" "$4"
done
tcp_ok() {
    query_ok "$T/digtcp.pid" alias.kdns.test A dig tcp && has_answer "$T/digtcp.pid" alias.kdns.test A 127.0.0.2 &&
        [ -n "$(recs "$T/digtcp.pid" alias.kdns.test A response |
            jq -c 'select(.transport=="tcp") | .answers[] | select(.type=="CNAME" and .data=="www.kdns.test")')" ]
}
check "$C: dig +tcp: query and answer over TCP, the CNAME and the address" tcp_ok
read -r pypid _ <"$T/py.out"
echo "$pypid" >"$T/py.pid"
py_ok() { query_ok "$T/py.pid" www.kdns.test A python3 udp && has_answer "$T/py.pid" www.kdns.test A 127.0.0.2; }
check "$C: the python resolver's unconnected socket: query and answer with its pid" py_ok
read -r py6pid _ <"$T/py6.out"
echo "${py6pid:-0}" >"$T/py6.pid"
py6_ok() { query_ok "$T/py6.pid" www.kdns.test A python3 udp && has_answer "$T/py6.pid" www.kdns.test A 127.0.0.2; }
check "$C: over IPv6 with a destination options header: query and answer with its pid" py6_ok
if [ "$curl_rc" = 0 ]; then
    check "$C: curl's own lookup of alias.kdns.test (its pid), answered with 127.0.0.2" \
        has_answer "$T/curl.pid" alias.kdns.test A 127.0.0.2
else
    fail "$C: curl by name failed ($curl_rc)"
fi
cat "$T"/*.pid "$T/garbage.out" >"$T/clients"
# pp-trace watches the whole host: DNS of the host's own processes (or of
# another test's) is theirs to report. Only the test's namespace is
# judged, where every process is one of the test's.
NSINO=$(inns stat -Lc %i /proc/self/ns/net)
no_stray() {
    local p
    [ -n "$NSINO" ] || { echo "INFO the namespace's inode is unknown"; return 1; }
    local pids
    pids=$(jq -r --argjson ns "$NSINO" 'select(.type=="dns" and has("pid") and .netns==$ns) | .pid' "$J" | sort -u)
    [ -n "$pids" ] || { echo "INFO no dns record of the namespace $NSINO"; return 1; }
    for p in $pids; do
        grep -qx "$p" "$T/clients" || { echo "INFO dns record of pid $p, not a client's"; return 1; }
    done
}
check "$C: no dns record names a process that did not ask" no_stray
server_quiet() { ! any "select(.type==\"dns\" and .pid==$(cat "$T/dnsmasq.pid"))" "$J"; }
check "$C: the server's side is not reported (no dns record of dnsmasq's)" server_quiet
txt_ok() {
    [ -n "$(recs "$T/digtxt.pid" txt.kdns.test TXT response)" ] && grep -q "$CANARY" "$T/digtxt.out" &&
        ! grep -q "$CANARY" "$J"
}
check "$C: a TXT answer: the response is reported, its text never comes out" txt_ok
check "$C: hostile answers are reported as malformed, to the process that asked" \
    any "select(.type==\"dns\" and .pid==$(cat "$T/garbage.out") and .msg==\"response\" and .malformed)" "$J"
# Records are JSON (no control byte raw); what pp-fmt shows of them has
# nothing a terminal would act on (bidi overrides included).
"$PP_BIN/pp-fmt" -t -f time,comm,qname,answers,malformed type:dns <"$J" >"$T/dnstable" 2>&1
escaped() {
    ! tr -d '\n' <"$J" | LC_ALL=C grep -q '[[:cntrl:]]' &&
        /usr/bin/python3 "$PP_ROOT/tests/termsafe_check.py" "$T/dnstable" && grep -q 'red' "$T/dnstable"
}
check "$C: nothing unescaped: the records, and pp-fmt's table of them" escaped
check "$C: the escapes in hostile names come out escaped" grep -q '\\\\027\[31mred' "$J"

# No pp-sniff: pp-join learns the names from pp-trace's own dns records.
"$PP_BIN/pp-join" <"$J" >"$T/joined.jsonl" 2>"$T/join.err"
check "$C: pp-trace | pp-join names curl's connection (dst_name alias.kdns.test)" \
    any "select(.type==\"sock\" and .event==\"connect\" and .pid==$(cat "$T/curl.pid") and .dst_name==\"alias.kdns.test\" and .dst_cnames==[\"www.kdns.test\"])" \
    "$T/joined.jsonl"
"$PP_BIN/pp-fmt" -t -f comm,destination,dst_name type:sock event:connect comm:curl <"$T/joined.jsonl" >"$T/table" 2>&1
check "$C: pp-trace | pp-join | pp-fmt shows dst_name" grep -q 'curl .*127\.0\.0\.2:.*alias\.kdns\.test' "$T/table"

# --- Scoped runs: only the DNS of the traced processes -------------------------
# -p PID --children, and COMMAND followed by its process tree (no cgroup of
# its own): the DNS programs are then on the root cgroup and see every
# process; COMMAND in its cgroup: they are on that cgroup. A dig outside the
# scope asks all the while; the one inside is reported, nothing else.
unset SUDO_UID SUDO_GID SUDO_USER # COMMAND runs ip netns exec: root's
outside() { # DIR: digs for alias.kdns.test until DIR/stop, their pids in DIR/out.pids
    while [ ! -e "$1/stop" ]; do
        inns_pid "$1/one" dig +short +tries=1 +time=1 @127.0.0.1 alias.kdns.test A >/dev/null
        cat "$1/one" >>"$1/out.pids"
    done
}
# The traced side: waits for DIR/go (WAITGO=1), digs www.kdns.test (its
# pid in DIR/in.pid), lives a second on.
cat >"$T/inside.sh" <<'INSIDE'
D=$1 NS=$2
i=0; while [ -n "$WAITGO" ] && [ ! -e "$D/go" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done
ip netns exec "$NS" sh -c 'echo $$ >"$1/in.pid"; exec dig +short +tries=1 +time=3 @127.0.0.1 www.kdns.test A' sh "$D" >/dev/null
sleep 1
INSIDE
scoped_verdict() { # NAME DIR
    local d=$2 in others
    in=$(cat "$d/in.pid" 2>/dev/null)
    if [ -z "$in" ] || [ ! -s "$d/out.pids" ]; then
        fail "$C, $1: the digs did not all run"
        return
    fi
    check "$C, $1: the traced dig's query, with its pid" \
        any "select(.type==\"dns\" and .pid==$in and .qname==\"www.kdns.test\" and .msg==\"query\")" "$d/out.jsonl"
    others=$(jq -r --argjson p "$in" 'select(.type=="dns" and .pid != $p) | "\(.pid // "no pid") \(.comm // "") \(.qname)"' \
        "$d/out.jsonl" | sort | uniq -c | head -3 | tr '\n' ';')
    if [ -z "$others" ]; then
        pass "$C, $1: no dns record of another process ($(grep -c . "$d/out.pids") digs outside meanwhile)"
    else
        fail "$C, $1: dns records of processes outside the scope: $others"
    fi
    check "$C, $1: sanitizers clean" san_clean "$d/err"
}
# -p PID --children
d=$T/children && mkdir -p "$d"
WAITGO=1 sh "$T/inside.sh" "$d" "$PP_NS" &
root=$!
"$PP_BIN/pp-trace" -v -p $root --children -o "$d/out.jsonl" 2>"$d/err" &
tpid=$!
for _ in $(seq 150); do grep -q "eBPF attached" "$d/err" 2>/dev/null && break; sleep 0.1; done
outside "$d" &
opid=$!
sleep 0.3
touch "$d/go"
wait $root
kill -INT $tpid
wait $tpid
touch "$d/stop"
wait $opid
scoped_verdict "-p PID --children" "$d"
# COMMAND, by process tree and by cgroup
for how in tree cgroup; do
    d=$T/cmd-$how && mkdir -p "$d"
    outside "$d" &
    opid=$!
    sleep 0.3
    env $([ $how = tree ] && echo PP_TRACE_NO_CGROUP=1) "$PP_BIN/pp-trace" -v -o "$d/out.jsonl" \
        -- sh "$T/inside.sh" "$d" "$PP_NS" 2>"$d/err"
    touch "$d/stop"
    wait $opid
    scoped_verdict "-- COMMAND by $how" "$d"
done

# --no-dns: off.
"$PP_BIN/pp-trace" -v --no-dns -d 4 >"$T/nodns.jsonl" 2>"$T/nodns.err" &
nodns=$!
for _ in $(seq 100); do grep -q "eBPF attached" "$T/nodns.err" 2>/dev/null && break; sleep 0.1; done
inns dig +short +tries=1 +time=2 @127.0.0.1 www.kdns.test A >/dev/null
wait "$nodns"
check "$C: --no-dns writes no dns records" sh -c "! grep -q '\"type\":\"dns\"' '$T/nodns.jsonl' && grep -q '\"type\":\"sock\"' '$T/nodns.jsonl'"
