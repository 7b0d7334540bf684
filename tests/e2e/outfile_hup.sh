#!/bin/bash
# -o FILE on pp-trace, pp-sniff and pp-join, and SIGHUP as logrotate sends
# it: the file is renamed away, SIGHUP, and records go on into a new file of
# that name (mode 0640), none lost or cut, the command still running; the
# reopen works inside pp-sniff's Landlock sandbox and pp-trace's dropped
# capabilities; a symbolic link planted at the name is refused and the old
# file kept. Without -o, SIGHUP ends pp-trace cleanly (status 0).
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
T=$PP_TMP
PY=/usr/bin/python3
umask 022

# whole FILE...: every line is one JSON object.
whole() { local f; for f in "$@"; do [ -s "$f" ] && jq -e . "$f" >/dev/null 2>&1 || return 1; done; }
waitfor() { local i; for i in $(seq 1 100); do eval "$1" && return 0; sleep 0.1; done; return 1; }

# --- pp-join: records from a FIFO ------------------------------------------------
mkfifo "$T/in.fifo"
"$PP_BIN/pp-join" --delay 0 -o "$T/join.jsonl" "$T/in.fifo" 2>"$T/join.err" &
jpid=$!
pp_on_exit "kill $jpid"
exec 7>"$T/in.fifo"
rec() { printf '{"type":"flow","ts":%s,"event":"start","proto":"udp","src":"10.0.0.1","sport":%s,"dst":"10.0.0.2","dport":53}\n' "$1" "$2" >&7; }
for i in 1 2 3; do rec 10$i 100$i; done
waitfor "[ \$(wc -l <'$T/join.jsonl') = 3 ]"
mv "$T/join.jsonl" "$T/join.jsonl.1"
kill -HUP $jpid
sleep 0.5
for i in 4 5; do rec 10$i 100$i; done
waitfor "[ -f '$T/join.jsonl' ] && [ \$(wc -l <'$T/join.jsonl') = 2 ]"
check "pp-join -o: still running after SIGHUP" kill -0 $jpid
exec 7>&-
wait $jpid
jrc=$?
check "pp-join -o: 3 records before the rotation, 2 after, in the new file" \
    bash -c "[ \$(wc -l <'$T/join.jsonl.1') = 3 ] && [ \$(wc -l <'$T/join.jsonl') = 2 ] && [ $jrc = 0 ]"
check "pp-join -o: whole records, new file 0640" \
    bash -c "jq -e . '$T/join.jsonl' '$T/join.jsonl.1' >/dev/null && [ \$(stat -c %a '$T/join.jsonl') = 640 ]"
# Appends: a restart does not lose what the file had.
printf '' | "$PP_BIN/pp-join" -q -o "$T/join.jsonl" "$T/join.jsonl.1"
check "pp-join -o: appends to an existing file" bash -c "[ \$(wc -l <'$T/join.jsonl') = 5 ]"
ln -s "$T/elsewhere" "$T/link.jsonl"
"$PP_BIN/pp-join" -q -o "$T/link.jsonl" </dev/null 2>"$T/link.err"
check "pp-join -o: a symbolic link is refused (status 1, message)" \
    bash -c "[ $? = 1 ] && [ ! -e '$T/elsewhere' ] && grep -q 'symbolic link' '$T/link.err'"

need_root || { skip "pp-sniff and pp-trace -o with SIGHUP: need root (capture, eBPF, netns)"; exit 0; }
pp_netns hup || { skip "pp-sniff and pp-trace -o: cannot create a network namespace"; exit 0; }
NS=$PP_NS
PP_CLEANUP_CMDS=("ip netns pids $NS | xargs -r kill" "${PP_CLEANUP_CMDS[@]}")
inns() { ip netns exec "$NS" "$@"; }
# One UDP datagram to a new port each time: a flow and its end (--update 0, -q).
burst() { inns "$PY" -c 'import socket,sys
for p in range(int(sys.argv[1]), int(sys.argv[1]) + 5):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"x", ("127.0.0.1", p)); s.close()' "$1"; }
# Connections held open a while: polling sees each of them.
tcp_burst() { inns "$PY" -c 'import socket,sys,time
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(8); a = srv.getsockname()
for i in range(int(sys.argv[1])):
    c = socket.create_connection(a); s, _ = srv.accept(); time.sleep(0.5); c.close(); s.close()
time.sleep(1)' "$1"; }
# (The client stays a second after its last connection: polling names a
# socket's process by its open descriptors, and --comm drops a socket whose
# process has gone: under load the last connection's lookup can lose that
# race, one failure in a loaded full run.)

# --- pp-sniff in its sandbox -----------------------------------------------------
mkdir "$T/log"
inns sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$T/sniff.pid" "$PP_BIN/pp-sniff" -v --flows-only -i lo \
    -o "$T/log/sniff.jsonl" >/dev/null 2>"$T/sniff.err" &
sleep 2
spid=$(cat "$T/sniff.pid")
pp_on_exit "kill $spid"
burst 20000
waitfor "grep -q '\"dport\":20004' '$T/log/sniff.jsonl'"
mv "$T/log/sniff.jsonl" "$T/log/sniff.jsonl.1"
kill -HUP "$spid"
sleep 0.5
burst 21000
waitfor "[ -f '$T/log/sniff.jsonl' ] && grep -q '\"dport\":21004' '$T/log/sniff.jsonl'"
check "pp-sniff -o: still running after SIGHUP" kill -0 "$spid"
# A planted link at the name: refused, the file already open keeps the records.
mv "$T/log/sniff.jsonl" "$T/log/sniff.jsonl.2"
ln -s "$T/victim" "$T/log/sniff.jsonl"
kill -HUP "$spid"
sleep 0.5
burst 22000
sleep 1
kill -TERM "$spid"
waitfor "! kill -0 $spid 2>/dev/null"
check "pp-sniff -o: the sandbox names the create rule on the directory" \
    grep -q "create files in: $T/log" "$T/sniff.err"
# Flow starts are written at once (their ends come at the SIGTERM).
check "pp-sniff -o: flows started before the rotation in the old file, after it in the new one" \
    bash -c "[ \"\$(jq -r 'select(.event==\"start\") | .dport' '$T/log/sniff.jsonl.1' | tr '\n' ' ')\" = '20000 20001 20002 20003 20004 ' ] &&
             [ \"\$(jq -r 'select(.event==\"start\") | .dport' '$T/log/sniff.jsonl.2' | tr '\n' ' ')\" = '21000 21001 21002 21003 21004 22000 22001 22002 22003 22004 ' ]"
check "pp-sniff -o: a link planted at the name is refused, records stay in the open file" \
    bash -c "[ ! -e '$T/victim' ] && grep -q 'symbolic link' '$T/sniff.err' && grep -q '\"dport\":22004' '$T/log/sniff.jsonl.2'"
check "pp-sniff -o: whole records in every file, mode 0640" \
    bash -c "jq -e . '$T/log/sniff.jsonl.1' '$T/log/sniff.jsonl.2' >/dev/null && [ \$(stat -c %a '$T/log/sniff.jsonl.2') = 640 ]"
check "pp-sniff -o: no sanitizer report" san_clean "$T/sniff.err"

# --- pp-trace, capabilities dropped ----------------------------------------------
# Polling (-I 0.1): in eBPF mode a lone event can wait in the ring buffer
# for the next wakeup (issue 13), which this test is not about.
inns sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$T/trace.pid" "$PP_BIN/pp-trace" --no-ebpf -I 0.1 --comm python3 \
    -o "$T/log/trace.jsonl" >/dev/null 2>"$T/trace.err" &
sleep 3
tpid=$(cat "$T/trace.pid")
pp_on_exit "kill $tpid"
tcp_burst 3
waitfor "[ \$(grep -c '\"event\":\"connect\"' '$T/log/trace.jsonl') -ge 3 ]"
mv "$T/log/trace.jsonl" "$T/log/trace.jsonl.1"
kill -HUP "$tpid"
sleep 0.5
tcp_burst 2
waitfor "[ -f '$T/log/trace.jsonl' ] && [ \$(grep -c '\"event\":\"connect\"' '$T/log/trace.jsonl') -ge 2 ]"
check "pp-trace -o: still running after SIGHUP" kill -0 "$tpid"
kill -TERM "$tpid"
waitfor "! kill -0 $tpid 2>/dev/null"
before=$(grep -c '"event":"connect"' "$T/log/trace.jsonl.1")
after=$(grep -c '"event":"connect"' "$T/log/trace.jsonl")
[ "$before/$after" = 3/2 ] || echo "pp-trace -o: $before connects before the rotation, $after after" >&2
check "pp-trace -o: 3 connects before the rotation, 2 after" [ "$before/$after" = 3/2 ]
check "pp-trace -o: whole records, mode 0640" \
    bash -c "jq -e . '$T/log/trace.jsonl' '$T/log/trace.jsonl.1' >/dev/null && [ \$(stat -c %a '$T/log/trace.jsonl') = 640 ]"
check "pp-trace -o: no sanitizer report" san_clean "$T/trace.err"

# Without -o, a hangup is a clean end, not death by signal.
"$PP_BIN/pp-trace" --no-ebpf -d 30 >"$T/hup.jsonl" 2>"$T/hup.err" &
hpid=$!
sleep 1.5
kill -HUP $hpid
wait $hpid
check "pp-trace without -o: SIGHUP ends it with status 0" [ $? = 0 ]
