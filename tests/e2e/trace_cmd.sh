#!/bin/bash
# pp-trace -- COMMAND and pp-trace -p PID --children, against real clients
# in a network namespace of the test's own:
# - a shell script run as `pp-trace -- sh script.sh` that forks curl (TCP),
#   a python UDP client, a DNS query and a grandchild that connects only
#   after its parent has exited: each is reported with its own pid (the
#   query also as a dns record, in eBPF mode); nothing else is, no sock
#   record and no dns record (the unrelated clients query DNS too),
#   although unrelated clients outside the trace talk to the same servers
#   all the while; the script's exit status (7) is pp-trace's; its standard
#   output goes to pp-trace's standard error, not into the records; the
#   cgroup is gone afterwards. In eBPF mode, by cgroup and (the fallback
#   when no cgroup can be made, PP_TRACE_NO_CGROUP=1) by process tree; the
#   same in polling mode.
# - -p PID --children: the same script started first and traced from
#   outside, eBPF and polling.
# - Exit status of a COMMAND killed by a signal (128+N), not found (127), a
#   SIGTERM sent to pp-trace passed on to COMMAND, -o leaving COMMAND the
#   standard output, sudo's SUDO_UID/SUDO_GID taken by COMMAND, usage errors.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
TRACE=$PP_BIN/pp-trace
T=$PP_TMP
PEERS=$PP_ROOT/tests/e2e/trace_cmd_peers.py
HOLD=1

if ! need_root; then
    skip "trace_cmd: needs root (eBPF, network namespaces, cgroups)"
    exit 0
fi
for t in jq curl python3 ip nsenter setpriv; do
    have $t || { fail "trace_cmd: $t missing"; exit 0; }
done
# Not the invoking user's credentials for the clients here: they need root
# for ip netns exec (the sudo case is tested on its own below).
unset SUDO_UID SUDO_GID SUDO_USER
CGROOT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)

pp_netns cmd || { fail "trace_cmd: cannot create a network namespace"; exit 0; }
PP_CLEANUP_CMDS=("ip netns pids $PP_NS | xargs -r kill" "${PP_CLEANUP_CMDS[@]}")
inns python3 "$PEERS" tcpserver "$T/tcp.port" $HOLD 2>"$T/tcpserver.err" &
inns python3 "$PEERS" udpserver "$T/udp.port" 2>"$T/udpserver.err" &
for _ in $(seq 1 100); do [ -s "$T/tcp.port" ] && [ -s "$T/udp.port" ] && break; sleep 0.05; done
TPORT=$(cat "$T/tcp.port" 2>/dev/null) UPORT=$(cat "$T/udp.port" 2>/dev/null)
[ -n "$TPORT" ] && [ -n "$UPORT" ] || { fail "trace_cmd: servers did not start"; exit 0; }

# The traced script: D NS PEERS TPORT UPORT HOLD PWAIT (how long the
# grandchild's parent lives on; WAITGO=1: first wait for D/go).
cat >"$T/script.sh" <<'EOF'
D=$1 NS=$2 P=$3 TPORT=$4 UPORT=$5 HOLD=$6 PWAIT=$7
if [ -n "$WAITGO" ]; then
    i=0; while [ ! -e "$D/go" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done
fi
echo "script says hello"
ip netns exec "$NS" sh -c 'echo $$ >"$1/curl.pid"; exec curl -s -o /dev/null "http://127.0.0.1:$2/"' sh "$D" "$TPORT"
ip netns exec "$NS" python3 "$P" udpclient "$D/py.pid" "$UPORT" "$HOLD"
ip netns exec "$NS" python3 "$P" dnsquery "$D/dns.pid" traced.cmd.test
ip netns exec "$NS" sh -c 'python3 "$1" orphan "$2/gc.pid" "$3" "$4" "$2/gc.done" $$ & sleep "$5"; exit 0' \
    sh "$P" "$D" "$TPORT" "$HOLD" "$PWAIT"
i=0; while [ ! -e "$D/gc.done" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done
exit 7
EOF

# Unrelated clients of the same servers, outside the trace, until D/stop.
unrelated() {   # DIR
    local d=$1
    : >"$d/unrel.pids"
    while [ ! -e "$d/stop" ]; do
        inns sh -c 'echo $$ >>"$1"; exec curl -s -o /dev/null "http://127.0.0.1:$2/"' sh "$d/unrel.pids" "$TPORT"
        inns python3 "$PEERS" udpclient "$d/unrel.one" "$UPORT" 0 && cat "$d/unrel.one" >>"$d/unrel.pids" &&
            echo >>"$d/unrel.pids"
        inns python3 "$PEERS" dnsquery "$d/unrel.one" unrelated.cmd.test && cat "$d/unrel.one" >>"$d/unrel.pids" &&
            echo >>"$d/unrel.pids"
    done
}

# verdict NAME DIR RECORDS: each client with its own pid, nothing else.
verdict() {
    local name=$1 d=$2 f=$3 c p g q u
    c=$(cat "$d/curl.pid" 2>/dev/null) p=$(cat "$d/py.pid" 2>/dev/null) g=$(cat "$d/gc.pid" 2>/dev/null)
    q=$(cat "$d/dns.pid" 2>/dev/null)
    if [ -z "$c" ] || [ -z "$p" ] || [ -z "$g" ] || [ -z "$q" ] || [ ! -e "$d/gc.done" ]; then
        fail "trace_cmd $name: the clients did not all run"
        return
    fi
    u=$(grep -c . "$d/unrel.pids")
    [ "$u" -gt 0 ] || { fail "trace_cmd $name: no unrelated traffic ran meanwhile"; return; }
    if ! jq -e . "$f" >/dev/null; then
        fail "trace_cmd $name: records are not valid JSON"
        return
    fi
    check "trace_cmd $name: curl connect with its own pid" \
        jq -se --argjson pid "$c" --argjson port "$TPORT" \
        'any(.[]; .type=="sock" and .event=="connect" and .pid==$pid and .comm=="curl" and .dport==$port)' "$f"
    check "trace_cmd $name: python UDP flow with its own pid" \
        jq -se --argjson pid "$p" --argjson port "$UPORT" \
        'any(.[]; .type=="sock" and .event=="udp" and .pid==$pid and .dport==$port)' "$f"
    check "trace_cmd $name: grandchild after its parent exited, own pid" \
        jq -se --argjson pid "$g" --argjson port "$TPORT" \
        'any(.[]; .type=="sock" and .event=="connect" and .pid==$pid and .dport==$port)' "$f"
    if [[ $name == *ebpf* ]]; then
        check "trace_cmd $name: its DNS query as a dns record with its own pid" \
            jq -se --argjson pid "$q" 'any(.[]; .type=="dns" and .pid==$pid and .qname=="traced.cmd.test")' "$f"
    fi
    local others
    others=$(jq -r --argjson c "$c" --argjson p "$p" --argjson g "$g" --argjson q "$q" \
        'select((.type=="sock" or .type=="dns") and (.pid != $c and .pid != $p and .pid != $g and .pid != $q))
         | "\(.pid // "no pid") \(.comm // "") \(.type) \(.event // .qname)"' "$f")
    if [ -z "$others" ]; then
        pass "trace_cmd $name: nothing else from the host ($u unrelated clients meanwhile)"
    else
        fail "trace_cmd $name: records of other processes: $(echo "$others" | sort | uniq -c | head -5 | tr '\n' ';')"
    fi
}

# Polling reads the socket tables of its own network namespace: it runs in
# the test's (nsenter --net only: "ip netns exec" would also hide the
# cgroup v2 mount behind a new /sys).
NSENTER=(nsenter --net="/var/run/netns/$PP_NS")

# run_cmd NAME [ENV=V...] -- [pp-trace options...]: the script under
# pp-trace -- sh, with unrelated traffic alongside.
run_cmd() {
    local name=$1; shift
    local envs=() pre=()
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    [[ " $* " == *" --no-ebpf "* ]] && pre=("${NSENTER[@]}")
    local d=$T/$name
    mkdir -p "$d"
    unrelated "$d" &
    local upid=$!
    env "${envs[@]}" "${pre[@]}" "$TRACE" -v "$@" -- sh "$T/script.sh" "$d" "$PP_NS" "$PEERS" "$TPORT" "$UPORT" $HOLD 0 \
        >"$d/out.jsonl" 2>"$d/err"
    local rc=$?
    touch "$d/stop"
    wait $upid
    verdict "$name" "$d" "$d/out.jsonl"
    check "trace_cmd $name: exit status of the command (got $rc)" [ $rc = 7 ]
    check "trace_cmd $name: the command's stdout on stderr, not in the records" \
        eval 'grep -q "script says hello" "$d/err" && ! grep -q "script says hello" "$d/out.jsonl"'
    check "trace_cmd $name: sanitizers clean" san_clean "$d/err"
    grep -v '^pp-trace: sandbox\|^pp-trace: eBPF attached\|kernel events\|following\|PP_TRACE_NO_CGROUP\|polling\|script says' \
        "$d/err" | head -3 | sed "s/^/INFO trace_cmd $name stderr: /"
}

run_cmd ebpf --
d=$T/ebpf
# The cgroup is read from /proc when a record is written: a process gone by
# then (a resolver that got an ICMP error and exited within a millisecond)
# has none, as it has no exe: no answer, not another cgroup.
cg=$(jq -r 'select(.type == "sock" and .cgroup != null) | .cgroup' "$d/out.jsonl" | sort -u)
echo "INFO trace_cmd ebpf: $(jq -c 'select(.type == "sock" and .cgroup == null)' "$d/out.jsonl" | wc -l)" \
    "records of processes gone before their cgroup was read"
check "trace_cmd ebpf: one cgroup of its own (${cg//$'\n'/,})" eval '[[ "$cg" =~ ^/([^$'"'"'\n'"'"']*/)?pp-trace\.[0-9]+$ ]]'
check "trace_cmd ebpf: the cgroup is removed at the end" eval '[ -n "$cg" ] && [ ! -d "$CGROOT$cg" ]'
check "trace_cmd ebpf: sandboxed as usual (seccomp)" grep -q 'sandbox: seccomp: [0-9]* rules' "$d/err"
check "trace_cmd ebpf: closes reported too" \
    jq -se --argjson pid "$(cat "$d/curl.pid")" 'any(.[]; .event=="close" and .pid==$pid)' "$d/out.jsonl"
run_cmd ebpf-tree PP_TRACE_NO_CGROUP=1 --
check "trace_cmd ebpf-tree: said it follows the process tree" grep -q "following the process tree" "$T/ebpf-tree/err"
run_cmd poll -- --no-ebpf -I 50ms
cg=$(jq -r 'select(.type=="sock") | .cgroup' "$T/poll/out.jsonl" | sort -u)
check "trace_cmd poll: by the cgroup of its own (${cg//$'\n'/,})" \
    eval '[[ "$cg" =~ ^/([^$'"'"'\n'"'"']*/)?pp-trace\.[0-9]+$ ]] && ! grep -q following "$T/poll/err"'
run_cmd poll-tree PP_TRACE_NO_CGROUP=1 -- --no-ebpf -I 50ms

# -p PID --children: the script is started first and waits for D/go.
# run_children NAME PWAIT [pp-trace options...]
run_children() {
    local name=$1 pwait=$2; shift 2
    local d=$T/$name pre=()
    [[ " $* " == *" --no-ebpf "* ]] && pre=("${NSENTER[@]}")
    mkdir -p "$d"
    WAITGO=1 sh "$T/script.sh" "$d" "$PP_NS" "$PEERS" "$TPORT" "$UPORT" $HOLD "$pwait" >/dev/null &
    local spid=$!
    "${pre[@]}" "$TRACE" -v -p $spid --children "$@" -o "$d/out.jsonl" 2>"$d/err" &
    local tpid=$!
    for _ in $(seq 1 200); do
        grep -q 'eBPF attached\|polling' "$d/err" 2>/dev/null && break
        sleep 0.05
    done
    unrelated "$d" &
    local upid=$!
    touch "$d/go"
    wait $spid
    sleep 0.3
    kill -INT $tpid
    wait $tpid
    local rc=$?
    touch "$d/stop"
    wait $upid
    verdict "$name" "$d" "$d/out.jsonl"
    check "trace_cmd $name: ends with 0 on SIGINT (got $rc)" [ $rc = 0 ]
    check "trace_cmd $name: sanitizers clean" san_clean "$d/err"
}
run_children children-ebpf 0
# Polling sees the tree only at its polls: the grandchild's parent lives a
# second on, so that a poll finds the grandchild while it still has it.
run_children children-poll 1 --no-ebpf -I 50ms

# A server as the command, its client outside: the accepted connection is
# the server's (its socket is its listener's child, born in softirq), the
# client's own connect is not reported.
"$TRACE" -o "$T/acc.jsonl" -- python3 "$PEERS" acceptone "$T/acc.pid" "$T/acc.port" 2>"$T/acc.err" &
tpid=$!
for _ in $(seq 1 200); do [ -s "$T/acc.port" ] && break; sleep 0.05; done
sh -c 'echo $$ >"$1"; exec curl -s -o /dev/null "http://127.0.0.1:$2/"' sh "$T/acc.cli" "$(cat "$T/acc.port")"
wait $tpid
check "trace_cmd: a server as the command: its accept with its own pid" \
    jq -se --argjson pid "$(cat "$T/acc.pid")" --argjson port "$(cat "$T/acc.port")" \
    'any(.[]; .event=="accept" and .pid==$pid and .dport==$port)' "$T/acc.jsonl"
check "trace_cmd: a server as the command: its outside client not reported" \
    jq -se --argjson pid "$(cat "$T/acc.cli")" 'all(.[]; .pid != $pid)' "$T/acc.jsonl"

# Unprivileged: no eBPF and no cgroup to make; polling follows the process
# tree (in the test's namespace, whose servers it uses).
mkdir -m 777 "$T/nobody"
chmod o+x "$T"
"${NSENTER[@]}" setpriv --reuid=65534 --regid=65534 --clear-groups "$TRACE" -v -I 50ms -o "$T/nobody/out.jsonl" \
    -- /usr/bin/python3 "$PEERS" udpclient "$T/nobody/py.pid" "$UPORT" $HOLD 2>"$T/nobody.err"
rc=$?
check "trace_cmd nobody: polling by the process tree, status 0 (got $rc)" \
    eval '[ $rc = 0 ] && grep -q "following" "$T/nobody.err" && grep -q "polling instead" "$T/nobody.err"'
check "trace_cmd nobody: its UDP flow with its own pid" \
    jq -se --argjson pid "$(cat "$T/nobody/py.pid" 2>/dev/null || echo 0)" --argjson port "$UPORT" \
    'any(.[]; .event=="udp" and .pid==$pid and .dport==$port) and all(.[]; .pid==$pid)' "$T/nobody/out.jsonl"

# --- exit status, signals, standard output, credentials ------------------------
"$TRACE" -o "$T/sig.jsonl" -- sh -c 'kill -TERM $$' 2>"$T/sig.err"
rc=$?
check "trace_cmd: a command killed by SIGTERM gives 143 (got $rc)" [ $rc = 143 ]
"$TRACE" -o "$T/nf.jsonl" -- "$T/no-such-command" 2>"$T/nf.err"
rc=$?
check "trace_cmd: a command not found gives 127 (got $rc)" eval '[ $rc = 127 ] && grep -q "cannot run" "$T/nf.err"'
out=$("$TRACE" -o "$T/o.jsonl" -- echo "to stdout" 2>"$T/o.err")
check "trace_cmd: with -o the command keeps standard output" [ "$out" = "to stdout" ]
"$TRACE" -v -o "$T/fw.jsonl" -- sleep 60 2>"$T/fw.err" &
tpid=$!
for _ in $(seq 1 200); do grep -q 'eBPF attached' "$T/fw.err" 2>/dev/null && break; sleep 0.05; done
sleep 0.2
kill -TERM $tpid
wait $tpid
rc=$?
check "trace_cmd: SIGTERM to pp-trace is passed on to the command (got $rc)" [ $rc = 143 ]
out=$(SUDO_UID=65534 SUDO_GID=65534 "$TRACE" -o "$T/su.jsonl" -- sh -c 'id -u; id -g' 2>"$T/su.err" | tr '\n' ' ')
check "trace_cmd: under sudo the command runs as SUDO_UID/SUDO_GID (got '$out')" [ "$out" = "65534 65534 " ]
# Polling: the run ends a poll and a half after COMMAND's exit (a last
# poll), also when the keeper reads polling's word in the same round as the
# exit: pp-trace is stopped as soon as it has forked the keeper, the keeper
# once it has forked COMMAND and passed its pid on; pp-trace goes on (sends the word, COMMAND
# runs and exits), and only then the keeper. Set up only when pp-trace was
# stopped before its first poll was done (a loaded machine may be late to
# see the keeper, then COMMAND has come and gone): tried up to 5 times.
# linger_try: sets lg_rc, lg_took; fails when it could not set this up.
linger_try() {
    local tpid keeper= cmd= t0
    "$TRACE" --no-ebpf -I 1 -o "$T/lg.jsonl" -- true 2>>"$T/lg.err" &
    tpid=$!
    # (a children file has no newline: read fails, and has read the pid)
    for _ in $(seq 100000); do
        read -r keeper _ 2>/dev/null <"/proc/$tpid/task/$tpid/children"
        [ -n "$keeper" ] && break
    done
    kill -STOP $tpid
    for _ in $(seq 100000); do
        [ -n "$keeper" ] || break
        read -r cmd _ 2>/dev/null <"/proc/$keeper/task/$keeper/children"
        [ -n "$cmd" ] && break
    done
    # (a moment for the keeper to hand COMMAND's pid over, then poll)
    [ -n "$cmd" ] && sleep 0.2 && kill -STOP "$keeper" 2>/dev/null
    kill -CONT $tpid
    if [ -z "$cmd" ]; then
        wait $tpid
        return 1
    fi
    sleep 2
    [ "$(cat "/proc/$cmd/stat" 2>/dev/null | cut -d' ' -f3)" = Z ] || { kill -CONT "$keeper"; wait $tpid; return 1; }
    t0=$(date +%s.%N)
    kill -CONT "$keeper"
    wait $tpid
    lg_rc=$?
    lg_took=$(echo "$(date +%s.%N) - $t0" | bc)
}
lg_set=
for _ in 1 2 3 4 5; do linger_try && { lg_set=1; break; }; done
if [ -n "$lg_set" ]; then
    check "trace_cmd: polling lingers 1.5 intervals after the exit, read late or not (status $lg_rc, $lg_took s)" \
        eval '[ $lg_rc = 0 ] && [ "$(echo "$lg_took >= 1.5" | bc)" = 1 ]'
    [ "$lg_rc" = 0 ] || sed 's/^/INFO lg.err: /' "$T/lg.err" | tail -n 5
else
    skip "trace_cmd: polling's linger read late: pp-trace was never stopped before its first poll (5 tries)"
fi
"$TRACE" --children -o "$T/u1.jsonl" 2>/dev/null
rc1=$?
"$TRACE" -p 1 -o "$T/u2.jsonl" -- true 2>/dev/null
rc2=$?
check "trace_cmd: --children without -p, -p with a command: usage errors ($rc1 $rc2)" eval '[ $rc1 = 2 ] && [ $rc2 = 2 ]'
for f in nobody acc sig nf o fw su lg; do san_clean "$T/$f.err" || fail "trace_cmd: sanitizer report in $f.err"; done
exit 0
