#!/bin/bash
# The README's first four command lines, run as written (read from
# README.md, not copied here): in a network namespace of the test's own,
# curl fetches a page by name and a python client holds a connection open.
# Only what cannot be literal is replaced: no sudo (we are root), the
# capture is the one recorded here, pid=1234 is the python client's, and
# less, not at a terminal, copies its input (so it stays less).
source "$(dirname "$0")/../lib.sh"
CASES=("live: curl's connection in the table with its pid"
       "polling: the held connection in log.jsonl with its pid"
       "capture: the fetched name in the table"
       "quarantine: rules for the pid, accepted by nft -c"
       "README: four pipelines found" "no sanitizer report")
skip_all() { local c; for c in "${CASES[@]}"; do skip "$c: $1"; done; exit 0; }
need_root || skip_all "needs root (eBPF, capture, netns)"
for c in dnsmasq curl /usr/bin/python3 nft less; do have $c || skip_all "$c not installed"; done
pp_tmpdir
T=$PP_TMP
pp_web_netns rp readme.test "$T/capture.pcap" || skip_all "cannot create a network namespace"

# The lines of the README's first sh block, without their comments.
mapfile -t LINES < <(awk '/^```sh/ {n++; next} /^```/ {if (n == 1) exit} n == 1' "$PP_ROOT/README.md" |
    sed 's/[[:space:]]*#.*//')
line_with() { local l; for l in "${LINES[@]}"; do case $l in *"$1"*) echo "$l"; return 0;; esac; done; return 1; }
live=$(line_with 'pp-trace | pp-join | pp-fmt --table')
poll=$(line_with 'pp-trace --no-ebpf > log.jsonl')
cap=$(line_with 'pp-sniff -r capture.pcap')
quar=$(line_with 'pp-nft --quarantine pid=1234')
check "README: four pipelines found" [ -n "$live" -a -n "$poll" -a -n "$cap" -a -n "$quar" ]
literal() { # the line as a user in $T would run it
    local l=${1#sudo }
    l=${l//| sudo /| }
    printf '%s' "$l"
}
export PATH=$PP_BIN:$PATH
cd "$T" || exit 1
# Stop the pp-trace the README's line started in our namespace (not the
# recorder of pp_web_netns): the rest of its pipeline then ends by itself.
stop_trace() {
    local p
    for p in $(ip netns pids "$PP_NS"); do
        [ "$(cat /proc/$p/comm 2>/dev/null)" = pp-trace ] || continue
        case " $PP_WEB_PIDS " in *" $p "*) continue;; esac
        kill -TERM "$p"
    done
}

# 1. Live: the pipeline runs until stopped; its table has curl's row.
inns bash -c "$(literal "$live")" >"$T/live.out" 2>"$T/live.err" &
job=$!
sleep 3
pp_web_curl; pid=$PP_CURL_PID
sleep 3
stop_trace; wait $job
check "live: curl's connection in the table with its pid" grep -qE "(^|[^0-9])$pid .*curl|curl.*(^|[^0-9])$pid([^0-9]|$)" "$T/live.out"

# 2. Polling into log.jsonl while a client holds a connection open.
inns bash -c "$(literal "$poll")" 2>"$T/poll.err" &
job=$!
sleep 1
# (to an address off loopback: pp-nft quarantines destinations it can
# name, and root's uid or the root cgroup it refuses to match)
# (this kernel has no dummy devices: the address goes on the namespace's lo)
ip -n "$PP_NS" addr add 10.79.0.1/32 dev lo
inns sh -c 'echo $$ >"$1"; exec /usr/bin/python3 -c "
import socket, time
l = socket.create_server((\"10.79.0.1\", 9090))
s = socket.create_connection((\"10.79.0.1\", 9090)); time.sleep(3)"' sh "$T/py.pid"
hold=$(cat "$T/py.pid")
sleep 1.5
stop_trace; wait $job
check "polling: the held connection in log.jsonl with its pid" \
    grep -qE "\"pid\":$hold,.*\"comm\":\"python3\"" "$T/log.jsonl"

# 3. The capture pp-sniff wrote while curl fetched the page (pp_web_netns).
pp_web_stop
bash -c "$(literal "$cap")" >"$T/cap.out" 2>"$T/cap.err"
check "capture: the fetched name in the table" grep -q 'readme\.test' "$T/cap.out"

# 4. The quarantine of the held client, from the polling log, for review.
bash -c "$(literal "${quar//1234/$hold}")" >"$T/quar.nft" 2>"$T/quar.err"
check "quarantine: rules for the pid, accepted by nft -c" \
    eval "grep -q '10\.79\.0\.1' '$T/quar.nft' && grep -q 'pid $hold' '$T/quar.nft' && inns nft -c -f '$T/quar.nft'"
check "no sanitizer report" eval "! grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' '$T'/*.err"
