#!/bin/bash
# pp-trace --no-ebpf as an unprivileged user (setpriv to nobody): it still
# works; its own processes' sockets carry their pid; root's sockets appear
# without one (never a wrong one), with the socket's uid; stderr says once
# that visibility is reduced.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
T=$PP_BIN/pp-trace
PY=/usr/bin/python3
PEERS=$PP_ROOT/tests/data/trace-poll/peers.py

if ! need_root; then skip "trace_poll_unpriv: needs root to create the netns and drop to nobody"; exit 0; fi
have setpriv || { skip "trace_poll_unpriv: setpriv not installed"; exit 0; }
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
if ! "${NOBODY[@]}" "$T" --version >/dev/null 2>&1; then
    skip "trace_poll_unpriv: nobody cannot run $T (directory permissions)"; exit 0
fi
pp_netns trunpriv || { fail "trace_poll_unpriv: cannot create a network namespace"; exit 0; }
NSX=(ip netns exec "$PP_NS")
wait_for() {
    local i
    for i in $(seq 100); do "$@" && return 0; sleep 0.1; done
    return 1
}
OUT=$PP_TMP/out.jsonl
count() { jq -c "select($1)" "$OUT" 2>/dev/null | wc -l; }
one() { [ "$(count "$1")" -eq 1 ]; }

"${NSX[@]}" "$PY" "$PEERS" server pp-rootsrv "$PP_TMP/ready" 127.0.0.1:8201/tcp &
S=$!
pp_on_exit "kill $S"
wait_for [ -s "$PP_TMP/ready" ] || fail "server did not start"

"${NSX[@]}" "${NOBODY[@]}" "$T" --no-ebpf -I 100ms >"$OUT" 2>"$PP_TMP/err" &
TR=$!
pp_on_exit "kill $TR"
sleep 0.5
"${NSX[@]}" "${NOBODY[@]}" "$PY" "$PEERS" client pp-nobody 1 127.0.0.1:8201/tcp >"$PP_TMP/ports" &
C=$!
wait $C || fail "client failed"
read -r CP <"$PP_TMP/ports"
closed() { [ "$(count ".event==\"close\" and .sport==$CP and .pid==$C")" -ge 1 ]; }
wait_for closed || true
kill -INT $TR
wait $TR; rc=$?

check "nobody: exit status 0" [ "$rc" = 0 ]
check "nobody: own connect has pid, comm, uid" one ".event==\"connect\" and .sport==$CP and .dport==8201 and .pid==$C and .comm==\"pp-nobody\" and .uid==65534"
check "nobody: own close has pid and bytes" one ".event==\"close\" and .dir==\"out\" and .sport==$CP and .pid==$C and .tx_bytes==4 and .rx_bytes==4"
check "nobody: root's listener without pid, with uid 0" one ".event==\"listen\" and .sport==8201 and (has(\"pid\")|not) and (has(\"comm\")|not) and .uid==0"
check "nobody: root's accepted socket without pid" one ".event==\"accept\" and .sport==$CP and .dport==8201 and (has(\"pid\")|not) and .uid==0"
check "nobody: never root's pid" [ "$(count ".pid==$S")" = 0 ]
check "nobody: one notice on stderr" [ "$(grep -c . "$PP_TMP/err")" = 1 ]
check "nobody: the notice says why" grep -q 'without pid' "$PP_TMP/err"
check "nobody: no sanitizer report" san_clean "$PP_TMP/err"

"${NSX[@]}" "${NOBODY[@]}" "$T" --once >"$PP_TMP/once" 2>"$PP_TMP/once.err"; rc=$?
check "nobody --once: status 0, root's listener without pid" eval '[ $rc = 0 ] && [ "$(jq -c "select(.sport==8201 and (has(\"pid\")|not))" "$PP_TMP/once" | wc -l)" = 1 ]'
check "nobody --once: one notice" [ "$(grep -c 'without pid' "$PP_TMP/once.err")" = 1 ]
"${NSX[@]}" "${NOBODY[@]}" "$T" --once --proc-net >"$PP_TMP/once2" 2>"$PP_TMP/once2.err"; rc=$?
check "nobody --once --proc-net: works the same" eval '[ $rc = 0 ] && cmp -s <(jq -c "[.event,.sport,.pid]" "$PP_TMP/once") <(jq -c "[.event,.sport,.pid]" "$PP_TMP/once2")'

# Without --no-ebpf, an unprivileged run cannot use eBPF: one line says why,
# and it polls.
"${NSX[@]}" "${NOBODY[@]}" "$T" -c 1 >"$PP_TMP/fb" 2>"$PP_TMP/fb.err"; rc=$?
check "fallback: status 0, a polled record" eval '[ $rc = 0 ] && [ "$(jq -r .source "$PP_TMP/fb")" = poll ]'
check "fallback: one line says eBPF is unavailable" [ "$(grep -c 'eBPF unavailable' "$PP_TMP/fb.err")" = 1 ]
check "fallback: no sanitizer report" san_clean "$PP_TMP/fb.err"
