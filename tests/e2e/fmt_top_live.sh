#!/bin/bash
# pp-fmt --top on live streams, in tmux:
#  - pp-trace --update: a running local transfer (curl from a slow server)
#    shows a non-zero rate while it runs; the connection between the two
#    local processes is counted once on each side, on the right side
#    (curl receives what python3 sends);
#  - q ends the whole pipeline at once with an idle upstream (pp-sniff and
#    pp-trace in a namespace of the test's own where nothing happens):
#    the upstream commands notice the closed pipe without writing.
source "$(dirname "$0")/../lib.sh"
source "$PP_ROOT/tests/tmux.sh"
pp_tmpdir
FMT=$PP_BIN/pp-fmt TRACE=$PP_BIN/pp-trace SNIFF=$PP_BIN/pp-sniff JOIN=$PP_BIN/pp-join

need_root || { skip "top live: needs root (pp-trace eBPF, namespaces)"; exit 0; }
have curl || { skip "top live: curl not installed"; exit 0; }
tmux_start toplive 160 40
snap() { screen >"$PP_TMP/$1.screen"; }
S() { echo "$PP_TMP/$1.screen"; }
PY=/usr/bin/python3

# --- a running transfer ------------------------------------------------------------
PORT=$((20000 + $$ % 20000))
$PY "$PP_ROOT/tests/slow_server.py" "$PORT" 6 &
SRV=$!
pp_on_exit "kill $SRV 2>/dev/null"
type_line "sh -c 'echo \$\$ > trace.pid; exec \"\$0\" --update 0.5 2>trace.err' '$TRACE' | '$FMT' --top -I 0.5 port:$PORT 2>top.err; echo \"TOPRC=\$?\""
wait_for 'records [0-9]+' 30 || { fail "top live: the view did not start"; exit 0; }
# eBPF attached: pp-trace writes one mark at its start, the next ones from
# its ring-buffer loop (records are counted before the port filter).
wait_for '^pp-fmt --top .*records ([2-9]|[1-9][0-9]+) ' 30 ||
    { fail "top live: pp-trace's eBPF loop never wrote: $(screen | head -1)"; exit 0; }
curl -s --http0.9 -o /dev/null --max-time 20 "http://127.0.0.1:$PORT/" &
CURL=$!
pp_on_exit "kill $CURL 2>/dev/null"
keys Tab
# curl's row: DOWN/s non-zero while the transfer runs.
if wait_for '^.tcp .* curl\[[0-9]+\]' 10 &&
   wait_for '^.tcp .*[1-9][0-9.]*(KiB|MiB) +0B +[0-9.]+[KM]iB +[0-9.]+B +curl\[' 8; then
    snap running
    pass "a running transfer shows a non-zero rate (curl, down)"
    check "the server side shows its upload rate (python3, up)" grep -qE '^.tcp .* +0B +[1-9][0-9.]*(KiB|MiB) +[0-9.]+B +[0-9.]+[KM]iB +python3\[' "$(S running)"
    check "the connection is still open while the rate shows" grep -qE '^.tcp .*ESTAB .*curl\[' "$(S running)"
else
    snap running
    fail "a running transfer shows a non-zero rate: $(grep curl "$(S running)" | head -2)"
fi
wait "$CURL"
wait "$SRV"
sleep 1.5
keys Tab
wait_for '^.curl ' 5; snap after
# RX and TX columns of a process row (PROGRAM PROCS CONNS OPEN LISTEN DOWN UP RX TX).
col() { awk -v p="$2" -v c="$3" 'substr($0,2,length(p)+1) == p " " { print $c; exit }' "$(S "$1")"; }
c_rx=$(col after curl 8) c_tx=$(col after curl 9)
s_rx=$(col after python3 8) s_tx=$(col after python3 9)
check "local<->local: counted once on each side (curl rx $c_rx = python3 tx $s_tx)" \
    bash -c "[ -n '$c_rx' ] && [ '$c_rx' = '$s_tx' ] && [ '$c_rx' != 0B ]"
check "local<->local: and the other way (curl tx $c_tx = python3 rx $s_rx)" \
    bash -c "[ -n '$c_tx' ] && [ '$c_tx' = '$s_rx' ]"
check "local<->local: one connection on each side" \
    bash -c "grep -qE '^.curl +1 +1 +0 +0 ' '$(S after)' && grep -qE '^.python3 +1 +1 +0 +[01] ' '$(S after)'"
keys q
wait_for '^TOPRC=' 10
check "q: status 0" grep -q '^TOPRC=0' <(screen)
TP=$(cat "$PP_TMP/trace.pid" 2>/dev/null)
check "q: pp-trace ended with the view" bash -c "! kill -0 '$TP' 2>/dev/null"
check "no sanitizer report" bash -c "san_clean() { ! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' \"\$1\"; }; san_clean '$PP_TMP/top.err' && san_clean '$PP_TMP/trace.err'"

# --- q with an idle upstream ----------------------------------------------------------
pp_netns topq || { fail "top live: no namespace"; exit 0; }
# Is every command named running in the namespace?
ns_running() {
    local want pid comms=
    for pid in $(ip netns pids "$PP_NS"); do comms+=" $(cat "/proc/$pid/comm" 2>/dev/null) "; done
    for want in "$@"; do [[ $comms == *" $want "* ]] || return 1; done
}
# until_ok SECONDS CMD...: until CMD succeeds.
until_ok() {
    local i n=$1; shift
    for ((i = 0; i < n * 10; i++)); do "$@" && return 0; sleep 0.1; done
    return 1
}
for up in "'$SNIFF' -i lo 2>sniff.err | '$JOIN' 2>join.err" "'$TRACE' --no-ebpf --update 1 2>trace2.err"; do
    name=${up%% *}; name=$(basename "${name//\'/}")
    type_line "clear; ip netns exec $PP_NS bash -c \"$up\" | '$FMT' --top 2>top3.err; echo QDONE=\$(date +%s.%N)"
    # Started: the view's header (whatever its count: pp-trace's progress
    # marks are records, so "records 0" shows only in the first frame, a
    # second that a loaded machine missed), and the upstream running; of
    # pp-trace, its first mark read (the pipe works, it is past its start).
    if ! wait_for '^pp-fmt --top .*records [0-9]+ ' 30; then fail "q with an idle $name: the view did not start"; keys q; continue; fi
    case $name in
    pp-sniff) until_ok 30 ns_running pp-sniff pp-join ;;
    *) until_ok 30 ns_running pp-trace && wait_for '^pp-fmt --top .*records [1-9][0-9]* ' 30 ;;
    esac || { fail "q with an idle $name: the upstream did not start: $(screen | head -1)"; keys q; continue; }
    sleep 1 # idle for a second
    t0=$(date +%s.%N)
    keys q
    if wait_for '^QDONE=' 20; then
        t1=$(screen | sed -n 's/^QDONE=//p' | head -1)
        pass "q with an idle $name upstream: the prompt is back ($(echo "$t1 - $t0" | bc 2>/dev/null || echo '?') s)"
    else
        fail "q with an idle $name upstream: the pipeline did not end"
    fi
done
check "idle upstreams: no sanitizer report" bash -c "! cat '$PP_TMP'/*.err | grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:'"
