#!/bin/bash
# pp-trace --no-ebpf end to end, in a network namespace of its own: real
# TCP and UDP peers over IPv4 and IPv6; every record's event, direction,
# ports, pid and comm checked against the processes the test started; byte
# counts and durations on close; a redaction canary; --once, -c, -d and the
# filters; SIGINT/SIGTERM, a closed pipe and a failing write.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
T=$PP_BIN/pp-trace
PY=/usr/bin/python3
PEERS=$PP_ROOT/tests/data/trace-poll/peers.py

if ! need_root; then skip "trace_poll: network namespaces need root"; exit 0; fi
if [ ! -x "$PY" ]; then skip "trace_poll: $PY missing"; exit 0; fi
pp_netns trpoll || { fail "trace_poll: cannot create a network namespace"; exit 0; }
NSX=(ip netns exec "$PP_NS")
if ! ip -n "$PP_NS" addr show dev lo | grep -q 'inet6 ::1'; then
    skip "$(basename "$0" .sh): no IPv6 on loopback here (disabled by sysctl?)"; exit 0
fi

# Wait up to 10s for a command to succeed.
wait_for() {
    local i
    for i in $(seq 100); do "$@" && return 0; sleep 0.1; done
    return 1
}
# How many records of $OUT match a jq condition.
count() { jq -c "select($1)" "$OUT" 2>/dev/null | wc -l; }
has() { [ "$(count "$1")" -ge 1 ]; }
one() { [ "$(count "$1")" -eq 1 ]; }
# checkc NAME 'shell condition': PASS if the condition (evaluated) holds.
checkc() { local n=$1; shift; if eval "$*"; then pass "$n"; else fail "$n"; fi; }

# --- live events -------------------------------------------------------------
OUT=$PP_TMP/live.jsonl
"${NSX[@]}" "$T" --no-ebpf -I 100ms >"$OUT" 2>"$PP_TMP/live.err" &
TR=$!
pp_on_exit "kill $TR"
sleep 0.5

"${NSX[@]}" "$PY" "$PEERS" server pp-srv "$PP_TMP/ready" \
    127.0.0.1:8001/tcp '[::1]:8002/tcp' 127.0.0.1:9001/udp '[::1]:9002/udp' &
S=$!
pp_on_exit "kill $S"
wait_for [ -s "$PP_TMP/ready" ] || fail "server did not start"
# The client holds its sockets 1.5 s and closes them first; its command
# line carries secrets that must never show.
"${NSX[@]}" "$PY" "$PEERS" client pp-cli 1.5 \
    127.0.0.1:8001/tcp '[::1]:8002/tcp' 127.0.0.1:9001/udp '[::1]:9002/udp' \
    -- --password=hunter2 --token abc >"$PP_TMP/ports" &
C=$!
wait $C || fail "client failed"
read -r P4 P6 U4 U6 <"$PP_TMP/ports"
wait_for has ".event==\"close\" and .pid==$C and .sport==$P6" || true
sleep 0.5
kill -INT $TR
wait $TR
rc=$?
check "SIGINT: exit status 0" [ "$rc" = 0 ]
check "live: stderr empty" [ ! -s "$PP_TMP/live.err" ]
checkc "live: every line is JSON" 'jq -e . "$OUT" >/dev/null'
check "live: every record says source poll" [ "$(count '.source!="poll"')" = 0 ]
check "live: nothing existed before" [ "$(count '.initial')" = 0 ]

base='.type=="sock"'
check "listen tcp v4: pid, comm, state" one "$base and .event==\"listen\" and .proto==\"tcp\" and .src==\"127.0.0.1\" and .sport==8001 and .state==\"LISTEN\" and .pid==$S and .comm==\"pp-srv\" and (has(\"dst\")|not)"
check "listen tcp v6" one "$base and .event==\"listen\" and .proto==\"tcp\" and .src==\"::1\" and .sport==8002 and .pid==$S and .comm==\"pp-srv\""
check "listen udp v4 (UNCONN)" one "$base and .event==\"listen\" and .proto==\"udp\" and .src==\"127.0.0.1\" and .sport==9001 and .state==\"UNCONN\" and .pid==$S"
check "listen udp v6" one "$base and .event==\"listen\" and .proto==\"udp\" and .src==\"::1\" and .sport==9002 and .pid==$S"

for v in 4 6; do
    if [ $v = 4 ]; then a=127.0.0.1 p=8001 cp=$P4 u=9001 cu=$U4; else a=::1 p=8002 cp=$P6 u=9002 cu=$U6; fi
    check "connect v$v: out, ports, pid, comm" one "$base and .event==\"connect\" and .dir==\"out\" and .proto==\"tcp\" and .src==\"$a\" and .sport==$cp and .dst==\"$a\" and .dport==$p and .pid==$C and .comm==\"pp-cli\""
    check "accept v$v: in, originator first, server pid" one "$base and .event==\"accept\" and .dir==\"in\" and .src==\"$a\" and .sport==$cp and .dst==\"$a\" and .dport==$p and .pid==$S and .comm==\"pp-srv\""
    cid_c=$(jq -r "select(.event==\"connect\" and .sport==$cp) | .community_id" "$OUT")
    cid_a=$(jq -r "select(.event==\"accept\" and .sport==$cp) | .community_id" "$OUT")
    checkc "v$v: connect and accept share the community_id" '[ -n "$cid_c" ] && [ "$cid_c" = "$cid_a" ]'
    check "close v$v (client): bytes, duration, pid" one "$base and .event==\"close\" and .dir==\"out\" and .sport==$cp and .dport==$p and .pid==$C and .tx_bytes==4 and .rx_bytes==4 and .duration>=1"
    check "close v$v (server side): bytes, pid" one "$base and .event==\"close\" and .dir==\"in\" and .sport==$cp and .dport==$p and .pid==$S and .tx_bytes==4 and .rx_bytes==4"
    check "udp v$v: out, ports, pid, comm" one "$base and .event==\"udp\" and .dir==\"out\" and .proto==\"udp\" and .src==\"$a\" and .sport==$cu and .dst==\"$a\" and .dport==$u and .pid==$C and .comm==\"pp-cli\""
    check "udp v$v close" one "$base and .event==\"close\" and .proto==\"udp\" and .sport==$cu and .pid==$C"
done
check "process fields: ppid, uid, exe, cmdline, netns" has ".pid==$S and .ppid>0 and .uid==0 and (.exe|test(\"python\")) and (.cmdline|index(\"server\")) and .netns>0"
check "close comes after open" [ "$(jq -r "select(.sport==$P4 and .pid==$C) | .event" "$OUT" | tr '\n' ' ')" = "connect close " ]

# Redaction canary: the secrets are nowhere, the options are still there.
check "redaction: hunter2 never shown" [ "$(grep -c hunter2 "$OUT")" = 0 ]
check "redaction: --password=[REDACTED]" has ".pid==$C and (.cmdline|index(\"--password=[REDACTED]\"))"
check "redaction: --token's value" has ".pid==$C and (.cmdline|index(\"--token\")) as \$i | .cmdline[\$i+1]==\"[REDACTED]\""
check "redaction: abc never an argument" [ "$(count "(.cmdline // []) | index(\"abc\")")" = 0 ]
check "live: no sanitizer report" san_clean "$PP_TMP/live.err"

# --- snapshots and filters (the server still runs) ---------------------------
snap() { "${NSX[@]}" "$T" --once "$@" 2>>"$PP_TMP/snap.err"; }
snap >"$PP_TMP/once.jsonl"; rc=$?
OUT=$PP_TMP/once.jsonl
check "--once: status 0" [ $rc = 0 ]
checkc "--once: the four listeners, and the client's TIME-WAIT remnants" '[ "$(count ".event==\"listen\" and .initial==true and .pid==$S")" = 4 ] && [ "$(count ".state==\"TIME-WAIT\" and .initial==true")" = 2 ] && [ "$(wc -l <"$OUT")" = 6 ]'
# Each filter against the same selection made by jq on the whole snapshot.
filt() {
    local name=$1 sel=$2; shift 2
    local want got
    want=$(count "$sel")
    got=$(snap "$@" | wc -l)
    checkc "filter $name: $want records" '[ "$got" = "$want" ] && [ "$want" -gt 0 -o "$sel" = false ]'
}
filt "-6 --udp" '.proto=="udp" and (.src|test(":"))' -6 --udp
filt "-4" '.src|test("[.]")' -4
filt "--tcp" '.proto=="tcp"' --tcp
filt "-p server" ".pid==$S" -p "$S"
filt "-p other" false -p 1
filt "--comm pp-srv" '.comm=="pp-srv"' --comm pp-srv
filt "--comm other" false --comm pp-cli
filt "-u 0" '.uid==0' -u 0
filt "-u nobody" false -u nobody
cg=$(sed -n 's/^0:://p' /proc/$S/cgroup)
filt "--cgroup of the server" ".pid==$S" --cgroup "$cg"
filt "--cgroup elsewhere" false --cgroup /pp-no-such-cgroup
check "-6 --udp: the ::1 UDP socket" [ "$(snap -6 --udp | jq -r '.src + " " + (.sport|tostring)')" = "::1 9002" ]
check "snapshots: no sanitizer report" san_clean "$PP_TMP/snap.err"
check "snapshots: stderr empty" [ ! -s "$PP_TMP/snap.err" ]

"${NSX[@]}" "$T" --no-ebpf -c 2 >"$PP_TMP/c2" 2>"$PP_TMP/c2.err"; rc=$?
checkc "-c 2: two records, status 0" '[ $rc = 0 ] && [ "$(wc -l <"$PP_TMP/c2")" = 2 ]'

start=$SECONDS
timeout 20 "${NSX[@]}" "$T" --no-ebpf -d 0.5 -I 100ms >"$PP_TMP/d" 2>"$PP_TMP/d.err"; rc=$?
checkc "-d 0.5: ends by itself, status 0" '[ $rc = 0 ] && [ $((SECONDS - start)) -lt 15 ]'

"${NSX[@]}" "$T" --no-ebpf -I 100ms >"$PP_TMP/term" 2>"$PP_TMP/term.err" &
tp=$!
wait_for [ -s "$PP_TMP/term" ]
kill -TERM $tp
wait $tp; rc=$?
checkc "SIGTERM: status 0, output complete" '[ $rc = 0 ] && jq -e . "$PP_TMP/term" >/dev/null && [ "$(wc -l <"$PP_TMP/term")" = 6 ]'

# A reader that goes away ends the run quietly, even when nothing happens.
timeout 20 "${NSX[@]}" "$T" --no-ebpf -I 100ms 2>"$PP_TMP/head.err" | head -n 1 >/dev/null
rc=${PIPESTATUS[0]}
check "closed pipe: status 0 (no hang)" [ "$rc" = 0 ]
check "closed pipe: no message" [ ! -s "$PP_TMP/head.err" ]

if [ -w /dev/full ]; then
    "${NSX[@]}" "$T" --once >/dev/full 2>"$PP_TMP/full.err"; rc=$?
    checkc "ENOSPC: status 1, reported" '[ $rc = 1 ] && grep -q "write error" "$PP_TMP/full.err"'
fi

# /proc/net fallback: the same sockets and owners as sock_diag.
norm() { jq -r '[.event,.proto,.src,.sport,.dst,.dport,.state,.pid]|map(tostring)|join(" ")' | sort; }
snap >"$PP_TMP/a"; snap --proc-net >"$PP_TMP/b"
check "--proc-net: same records as sock_diag" [ "$(norm <"$PP_TMP/a")" = "$(norm <"$PP_TMP/b")" ]

# Usage.
usage_rc() { "$T" "$@" >/dev/null 2>&1; echo $?; }
check "usage: unknown option is status 2" [ "$(usage_rc --bogus)" = 2 ]
check "usage: -I 0 is status 2" [ "$(usage_rc --no-ebpf -I 0)" = 2 ]
check "usage: -c x is status 2" [ "$(usage_rc --no-ebpf -c x)" = 2 ]
check "usage: -u no-such-user is status 2" [ "$(usage_rc --once -u pp-no-such-user)" = 2 ]
check "usage: --no-fallback with --no-ebpf is status 2" [ "$(usage_rc --no-ebpf --no-fallback)" = 2 ]
check "usage: an operand is status 2" [ "$(usage_rc --once extra)" = 2 ]
checkc "--help: status 0, synopsis" '"$T" --help | grep -q "^usage: pp-trace "'
checkc "--version" '"$T" --version | grep -q "^pp-trace (PortPulse) "'
