#!/bin/bash
# pp-trace --no-ebpf --proc-net on a saved /proc tree (PP_PROC_ROOT, as
# iproute2's ss has PROC_ROOT): the /proc/net parser, inode -> pid
# attribution, process details, container ids and redaction, and the diff
# rules step by step, deterministically and without privileges:
#   a client lets go of its socket (orphaned FIN-WAIT-2)  -> close
#   the server's CLOSE-WAIT socket vanishes               -> close
#   TIME-WAIT remnant of an already closed connection      -> nothing more
#   the same tuple used again with a new inode             -> a new connect
#   an unconnected UDP socket on IPv6                      -> listen
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
T=$PP_BIN/pp-trace
P=$PP_TMP/proc
ID=4f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0

# table FILE "local remote state inode uid" ...: a /proc/net table, written
# atomically (rename), addresses as the kernel prints them (host-order words).
table() {
    local f=$1; shift
    python3 - "$f" "$@" <<'PY'
import os, socket, struct, sys
def ep(s):
    host, port = s.rsplit(":", 1)
    host = host.strip("[]")
    if ":" in host:
        b = socket.inet_pton(socket.AF_INET6, host)
        words = "".join("%08X" % struct.unpack("=I", b[i:i + 4])[0] for i in range(0, 16, 4))
    else:
        words = "%08X" % struct.unpack("=I", socket.inet_aton(host))[0]
    return "%s:%04X" % (words, int(port))
out = ["  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"]
for i, row in enumerate(sys.argv[2:]):
    l, r, st, ino, uid = row.split()
    out.append("%4d: %s %s %s 00000000:00000000 00:00000000 00000000 %5s        0 %s 1 0000000000000000 100 0 0 10 0"
               % (i, ep(l), ep(r), st, uid, ino))
tmp = sys.argv[1] + ".tmp"
open(tmp, "w").write("\n".join(out) + "\n")
os.rename(tmp, sys.argv[1])
PY
}
# proc PID COMM PPID UID CGROUP ARG...: a process directory.
proc() {
    local pid=$1 comm=$2 ppid=$3 uid=$4 cg=$5; shift 5
    mkdir -p "$P/$pid/fd" "$P/$pid/ns"
    echo "$pid ($comm) S $ppid $pid $pid 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 $((pid * 7)) 0 0" >"$P/$pid/stat"
    printf 'Name:\t%s\nUid:\t%s\t%s\t%s\t%s\n' "$comm" "$uid" "$uid" "$uid" "$uid" >"$P/$pid/status"
    printf '%s\0' "$@" >"$P/$pid/cmdline"
    echo "0::$cg" >"$P/$pid/cgroup"
    ln -s "/usr/bin/$comm" "$P/$pid/exe"
    ln -s "net:[4026531999]" "$P/$pid/ns/net"
}
fd() { ln -sfn "socket:[$3]" "$P/$1/fd/$2"; }

mkdir -p "$P/net"
proc 100 srv 1 1000 "/system.slice/docker-$ID.scope" /usr/bin/srv --api-key=SECRETX --port 80
proc 200 cli 1 1001 /user.slice/user-1001.slice/session-4.scope cli --token SECRETY http://u:SECRETZ@10.0.0.1/
fd 100 3 1001; fd 100 4 1002; fd 200 3 2001
for t in tcp6 udp; do table "$P/net/$t"; done
table "$P/net/udp6"
table "$P/net/tcp" \
    "0.0.0.0:80 0.0.0.0:0 0A 1001 1000" \
    "10.0.0.1:80 10.0.0.2:40000 01 1002 1000" \
    "10.0.0.2:40000 10.0.0.1:80 01 2001 1001"

export PP_PROC_ROOT=$P
OUT=$PP_TMP/once.jsonl
"$T" --once --proc-net >"$OUT" 2>"$PP_TMP/once.err"; rc=$?
count() { jq -c "select($1)" "$OUT" 2>/dev/null | wc -l; }
one() { [ "$(count "$1")" -eq 1 ]; }
check "saved tree --once: status 0, three records" eval '[ $rc = 0 ] && [ "$(wc -l <"$OUT")" = 3 ]'
check "saved tree --once: stderr empty" [ ! -s "$PP_TMP/once.err" ]
check "listen: pid, comm, uid, exe, container" one '.event=="listen" and .src=="0.0.0.0" and .sport==80 and .pid==100 and .ppid==1 and .comm=="srv" and .uid==1000 and .exe=="/usr/bin/srv" and .container=="'$ID'" and .cgroup=="/system.slice/docker-'$ID'.scope" and .state=="LISTEN"'
check "accept: remote peer first, server pid" one '.event=="accept" and .dir=="in" and .src=="10.0.0.2" and .sport==40000 and .dst=="10.0.0.1" and .dport==80 and .pid==100 and .state=="ESTAB"'
check "connect: client pid, systemd scope as container" one '.event=="connect" and .dir=="out" and .src=="10.0.0.2" and .dst=="10.0.0.1" and .dport==80 and .pid==200 and .uid==1001 and .container=="session-4.scope"'
check "cmdline redacted three ways" one '.pid==200 and .cmdline==["cli","--token","[REDACTED]","http://u:[REDACTED]@10.0.0.1/"]'
check "cmdline: --api-key=[REDACTED]" one '.event=="listen" and .cmdline==["/usr/bin/srv","--api-key=[REDACTED]","--port","80"]'
check "no secret anywhere" [ "$(grep -c SECRET "$OUT")" = 0 ]
check "netns of the process" one '.event=="listen" and .netns==4026531999'

# --- the diff, one step at a time -------------------------------------------
OUT=$PP_TMP/live.jsonl
"$T" --no-ebpf --proc-net -I 50ms >"$OUT" 2>"$PP_TMP/live.err" &
TR=$!
pp_on_exit "kill $TR"
wait_n() {   # wait until OUT has N lines
    local i
    for i in $(seq 100); do [ "$(wc -l <"$OUT")" -ge "$1" ] && return 0; sleep 0.05; done
    return 1
}
wait_n 3
check "start: the three sockets, initial" [ "$(count '.initial==true')" = 3 ]

# The client closes: its socket is orphaned in FIN-WAIT-2 (no inode); the
# server's side waits in CLOSE-WAIT.
rm "$P/200/fd/3"
table "$P/net/tcp" \
    "0.0.0.0:80 0.0.0.0:0 0A 1001 1000" \
    "10.0.0.1:80 10.0.0.2:40000 08 1002 1000" \
    "10.0.0.2:40000 10.0.0.1:80 05 0 1001"
wait_n 4
check "orphaned: close of the client, FIN-WAIT-2, pid kept" one '.event=="close" and .dir=="out" and .sport==40000 and .state=="FIN-WAIT-2" and .pid==200 and .duration>0 and (has("initial")|not)'

# The server closes too: its socket leaves the table; the client's becomes
# a TIME-WAIT remnant, which is no new event.
table "$P/net/tcp" \
    "0.0.0.0:80 0.0.0.0:0 0A 1001 1000" \
    "10.0.0.2:40000 10.0.0.1:80 06 0 1001"
wait_n 5
sleep 0.3
check "vanished: close of the server side, CLOSE-WAIT" one '.event=="close" and .dir=="in" and .dport==80 and .sport==40000 and .state=="CLOSE-WAIT" and .pid==100'
check "TIME-WAIT remnant: nothing more" [ "$(wc -l <"$OUT")" = 5 ]

# The same tuple again, a new socket: a new connection.
fd 200 5 2002
table "$P/net/tcp" \
    "0.0.0.0:80 0.0.0.0:0 0A 1001 1000" \
    "10.0.0.2:40000 10.0.0.1:80 02 2002 1001"
wait_n 6
check "tuple reused: a new connect, SYN-SENT" one '.event=="connect" and .sport==40000 and .state=="SYN-SENT" and .pid==200'

# UDP on IPv6, unconnected: a listener.
fd 100 5 1003
table "$P/net/udp6" "[::1]:53 [::]:0 07 1003 1000"
wait_n 7
check "udp6 unconnected: listen, UNCONN" one '.event=="listen" and .proto=="udp" and .src=="::1" and .sport==53 and .state=="UNCONN" and .pid==100'
# ... and gone.
table "$P/net/udp6"
wait_n 8
check "udp6 gone: close" one '.event=="close" and .proto=="udp" and .sport==53 and .pid==100'

# A malformed line: reported with file and line, the rest still read.
printf '%s\n' "$(head -1 "$P/net/tcp")" "   9: garbage" "$(tail -n +2 "$P/net/tcp")" >"$P/net/tcp.new"
mv "$P/net/tcp.new" "$P/net/tcp"
sleep 0.3 # a few polls of the live run meet it too
"$T" --once --proc-net --tcp >"$PP_TMP/bad" 2>"$PP_TMP/bad.err"; rc=$?
check "malformed line: named with its line number" grep -q "^pp-trace: $P/net/tcp:2: " "$PP_TMP/bad.err"
check "malformed line: counted" grep -q "^pp-trace: 1 malformed /proc/net line skipped" "$PP_TMP/bad.err"
check "malformed line: other rows still read, status 1" eval '[ $rc = 1 ] && [ "$(wc -l <"$PP_TMP/bad")" = 2 ]'

kill -INT $TR
wait $TR; rc=$?
check "SIGINT after malformed input: status 1" [ $rc = 1 ]
check "live: the malformed line reported once" [ "$(grep -c ":2: malformed" "$PP_TMP/live.err")" = 1 ]
check "live: skipped lines counted at exit" grep -qE '^pp-trace: [0-9]+ malformed /proc/net lines skipped' "$PP_TMP/live.err"
check "live: nothing else on stderr" [ "$(wc -l <"$PP_TMP/live.err")" = 2 ]
check "live: no sanitizer report" san_clean "$PP_TMP/live.err"
check "every record says source poll" [ "$(count '.source!="poll"')" = 0 ]
