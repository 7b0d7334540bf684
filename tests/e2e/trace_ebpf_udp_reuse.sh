#!/bin/bash
# UDP first-datagram records are per socket: a new process's socket on the
# 5-tuple another socket used a moment ago gets a udp record of its own,
# with its own pid (the old one's must never stand for it).
source "$(dirname "$0")/../lib.sh"
C="a second socket on the same 5-tuple gets its own udp record and pid"
need_root || { skip "$C: needs root (eBPF)"; exit 0; }
have /usr/bin/python3 || { skip "$C: python3 not installed"; exit 0; }
pp_tmpdir
T=$PP_TMP
"$PP_BIN/pp-trace" -v --udp >"$T/out" 2>"$T/err" &
tp=$!
pp_on_exit "kill $tp"
for i in $(seq 100); do grep -q "eBPF attached" "$T/err" && break; sleep 0.1; done
port=$((40000 + $$ % 20000))
send() { # one process, one socket, one datagram from 127.0.0.1:$port
    /usr/bin/python3 -c '
import socket, sys, os
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.sendto(b"x", ("127.0.0.1", int(sys.argv[1]) + 1))
print(os.getpid())' $port
}
p1=$(send) p2=$(send)
sleep 0.5
kill -INT $tp
wait $tp
got=$(jq -r --argjson p $port 'select(.type=="sock" and .event=="udp" and .sport==$p)|.pid' "$T/out" | tr '\n' ' ')
echo "INFO pids $p1 $p2, udp records from: $got"
check "$C" [ "$got" = "$p1 $p2 " ]
