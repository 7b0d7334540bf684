#!/bin/bash
# The sandbox of the running commands (common/sandbox.c; the library itself
# is tested in tests/unit/test_sandbox.c): /proc/PID/status of a live
# pp-sniff and pp-trace shows no_new_privs and the reduced capability sets
# while they keep working; -v reports each layer; --sandbox-strict on a
# kernel lacking a feature (PP_SANDBOX_FAKE_ABI) stops with a clear message;
# --no-sandbox leaves the process as it was; pp-sniff -w refuses a planted
# symbolic link and creates its file with mode 0640.
# seccomp: every running capture command (pp-sniff -i and -r, pp-trace in
# both modes) shows "Seccomp: 2", and system calls it must not make
# (execve, socket, ptrace), made to happen inside the running process from
# outside by tests/inject/syscall_probe.c, are refused while it goes on
# capturing and attributing; nothing is refused in normal operation (a
# refused call is named on stderr).
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
T=$PP_TMP
if ! need_root; then skip "sandbox: needs root (capabilities to drop, live capture)"; exit 0; fi

field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }

# wait_for FILE PATTERN: until a line matches (10 s at most).
wait_for() {
    for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}

# The probe that makes a running process execute a system call (x86_64).
PROBE=$T/syscall_probe
if [ "$(uname -m)" != x86_64 ]; then
    PROBE=
    skip "sandbox seccomp probes: tests/inject/syscall_probe.c is x86_64 only"
elif ! cc -O1 -Wall -Wextra -Werror -o "$PROBE" "$PP_ROOT/tests/inject/syscall_probe.c" 2>"$T/probe.err"; then
    fail "sandbox seccomp probes: building syscall_probe: $(head -n 3 "$T/probe.err" | tr '\n' ' ')"
    PROBE=
fi

# probe WHAT NAME EXPECT PID NR ARGS...: the probe's verdict is EXPECT
# ("refused" or "allowed").
probe() {
    local what=$1 name=$2 want=$3 out got
    shift 3
    out=$("$PROBE" "$@" 2>&1)
    case "$out" in
    "refused by seccomp") got=refused ;;
    allowed:*) got=allowed ;;
    *) got=error ;;
    esac
    if [ "$got" = "$want" ]; then pass "sandbox $what: $name $want in the running process"
    else fail "sandbox $what: $name: wanted $want, probe said: $out"; fi
}

# seccomp_checks PID WHAT: the filter is on, and refuses the calls that
# would start a program, open a network or packet socket, or trace.
seccomp_checks() {
    local pid=$1 what=$2
    check "sandbox $what: Seccomp: 2 (filter)" [ "$(field "$pid" Seccomp)" = 2 ]
    [ -n "$PROBE" ] || return 0
    probe "$what" "execve" refused "$pid" 59 0 0 0
    probe "$what" "socket(AF_INET, SOCK_STREAM)" refused "$pid" 41 2 1 0
    probe "$what" "socket(AF_UNIX, SOCK_STREAM)" refused "$pid" 41 1 1 0
    probe "$what" "socket(AF_PACKET, SOCK_RAW)" refused "$pid" 41 17 3 0
    probe "$what" "ptrace(PTRACE_TRACEME)" refused "$pid" 101 0 0 0
}

# The pid of the command NAME: PID itself or a child of it (ip netns exec
# may fork).
cmd_pid() {
    local c
    [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] && { echo "$1"; return; }
    for c in $(pgrep -P "$1"); do [ "$(cat "/proc/$c/comm")" = "$2" ] && { echo "$c"; return; }; done
    echo "$1"
}
no_refusals() { ! grep -q 'refused (seccomp' "$1"; }

# stop PID: SIGINT, then wait; status in $rc.
stop() {
    kill -INT "$1" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$1" 2>/dev/null && kill -KILL "$1"
    wait "$1"
    rc=$?
}

# --- pp-sniff ------------------------------------------------------------------
SNIFF=$PP_BIN/pp-sniff
if [ ! -x "$SNIFF" ]; then
    skip "sandbox pp-sniff: not built in this tree"
else
    pp_netns sbx || { fail "sandbox: cannot create a network namespace"; exit 1; }
    umask 022
    ip netns exec "$PP_NS" "$SNIFF" -v -i lo -w "$T/cap.pcap" >"$T/sniff.jsonl" 2>"$T/sniff.err" &
    pid=$!
    if wait_for "$T/sniff.err" 'sandbox: seccomp'; then
        spid=$(cmd_pid $pid pp-sniff)
        check "sandbox pp-sniff live: NoNewPrivs 1" [ "$(field $spid NoNewPrivs)" = 1 ]
        check "sandbox pp-sniff live: CapEff empty" [ "$(field $spid CapEff)" = 0000000000000000 ]
        check "sandbox pp-sniff live: CapPrm empty" [ "$(field $spid CapPrm)" = 0000000000000000 ]
        check "sandbox pp-sniff live: CapBnd empty" [ "$(field $spid CapBnd)" = 0000000000000000 ]
        check "sandbox pp-sniff -v: seccomp applied" grep -q 'sandbox: seccomp: .* rules' "$T/sniff.err"
        seccomp_checks $spid "pp-sniff -i"
        abi=$(grep -o 'landlock filesystem (ABI [0-9]*)' "$T/sniff.err" | grep -o '[0-9]*')
        check "sandbox pp-sniff -v: Landlock filesystem, nothing to open" \
            grep -q 'landlock filesystem (ABI [0-9]*): read only: nothing; write: nothing' "$T/sniff.err"
        if [ "${abi:-0}" -ge 4 ]; then
            check "sandbox pp-sniff -v: TCP denied" grep -q 'landlock network: TCP bind and connect denied' "$T/sniff.err"
        fi
        check "sandbox pp-sniff -v: one line per layer" \
            [ "$(grep -c 'pp-sniff: sandbox: ' "$T/sniff.err")" -ge 4 ]
        # Still capturing, dissecting and writing -w under the sandbox.
        ip netns exec "$PP_NS" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
q = bytes.fromhex("abcd01000001000000000000") + b"\x07example\x03com\x00\x00\x01\x00\x01"
for _ in range(3): s.sendto(q, ("127.0.0.1", 53))'
        wait_for "$T/sniff.jsonl" '"qname":"example.com"'
        stop $pid
        check "sandbox pp-sniff live: DNS still dissected" grep -q '"qname":"example.com"' "$T/sniff.jsonl"
        check "sandbox pp-sniff live: ends on SIGINT with 0" [ "$rc" = 0 ]
        check "sandbox pp-sniff -w: packets written" [ "$(stat -c %s "$T/cap.pcap")" -gt 100 ]
        check "sandbox pp-sniff -w: mode 0640" [ "$(stat -c %a "$T/cap.pcap")" = 640 ]
        check "sandbox pp-sniff live: no sanitizer report" san_clean "$T/sniff.err"
        check "sandbox pp-sniff live: no system call refused in normal operation" no_refusals "$T/sniff.err"
    else
        fail "sandbox pp-sniff live: no sandbox report: $(head -n 3 "$T/sniff.err" | tr '\n' ' ')"
        stop $pid
    fi

    # --no-sandbox: as it was started (root keeps its capabilities).
    ip netns exec "$PP_NS" "$SNIFF" -v --no-sandbox -i lo >/dev/null 2>"$T/nosb.err" &
    pid=$!
    if wait_for "$T/nosb.err" 'sandbox: off'; then
        spid=$(cmd_pid $pid pp-sniff)
        check "sandbox pp-sniff --no-sandbox: NoNewPrivs 0" [ "$(field $spid NoNewPrivs)" = 0 ]
        check "sandbox pp-sniff --no-sandbox: capabilities kept" \
            [ "$(field $spid CapEff)" = "$(field $$ CapEff)" ]
        check "sandbox pp-sniff --no-sandbox: Seccomp: 0" [ "$(field $spid Seccomp)" = 0 ]
        # The probe itself tells allowed from refused: calls get through
        # to an unfiltered process (fd 1 queried; TRACEME fails, traced).
        if [ -n "$PROBE" ]; then
            probe "pp-sniff --no-sandbox" "fcntl(1, F_GETFD) (probe control)" allowed "$spid" 72 1 1 0
            probe "pp-sniff --no-sandbox" "ptrace(PTRACE_TRACEME) unfiltered (probe control)" allowed "$spid" 101 0 0 0
        fi
    else
        fail "sandbox pp-sniff --no-sandbox: no report"
    fi
    stop $pid

    # -r: a capture streamed into a pipe, the command waiting for more.
    mkfifo "$T/cap.fifo"
    "$SNIFF" -v -r - <"$T/cap.fifo" >"$T/r.jsonl" 2>"$T/r.err" &
    pid=$!
    exec 3>"$T/cap.fifo"
    cat "$PP_ROOT/tests/pcap/sll_dns.pcap" >&3
    if wait_for "$T/r.jsonl" '"qname":"sll.example'; then
        seccomp_checks $pid "pp-sniff -r"
    else
        fail "sandbox pp-sniff -r: no records before the end of the stream: $(head -n 3 "$T/r.err" | tr '\n' ' ')"
    fi
    tail -c +25 "$PP_ROOT/tests/pcap/sll_dns.pcap" >&3  # the same packets again, no file header
    exec 3>&-
    wait $pid
    rc=$?
    once=$("$SNIFF" -r "$PP_ROOT/tests/pcap/sll_dns.pcap" 2>/dev/null | grep -c '"type":"dns"')
    check "sandbox pp-sniff -r: ends at the end of the stream with 0" [ $rc = 0 ]
    check "sandbox pp-sniff -r: packets after the probes still dissected" \
        [ "$(grep -c '"type":"dns"' "$T/r.jsonl")" = $((2 * once)) ]
    check "sandbox pp-sniff -r: no system call refused in normal operation" no_refusals "$T/r.err"
    check "sandbox pp-sniff -r: no sanitizer report" san_clean "$T/r.err"

    # --sandbox-strict without seccomp: a stop before any record.
    PP_SANDBOX_FAKE_NO_SECCOMP=1 "$SNIFF" --sandbox-strict -r "$PP_ROOT/tests/pcap/sll_dns.pcap" \
        >"$T/strict.out" 2>"$T/strict.err" </dev/null
    rc=$?
    check "sandbox pp-sniff --sandbox-strict, no seccomp: status 1" [ $rc = 1 ]
    check "sandbox pp-sniff --sandbox-strict, no seccomp: says why" \
        grep -q "^pp-sniff: sandbox: seccomp filtering is not supported by this kernel; --sandbox-strict: stopping" "$T/strict.err"
    check "sandbox pp-sniff --sandbox-strict, no seccomp: no records" [ ! -s "$T/strict.out" ]
    PP_SANDBOX_FAKE_NO_SECCOMP=1 "$SNIFF" -v -r "$PP_ROOT/tests/pcap/sll_dns.pcap" >"$T/nosc.out" 2>"$T/nosc.err"
    rc=$?
    check "sandbox pp-sniff, no seccomp, not strict: goes on (status 0, records)" [ $rc = 0 -a -s "$T/nosc.out" ]
    check "sandbox pp-sniff, no seccomp, not strict: -v says so" grep -q 'sandbox: seccomp: not applied' "$T/nosc.err"

    # --sandbox-strict on an older kernel: a clear stop before any record.
    PP_SANDBOX_FAKE_ABI=3 "$SNIFF" --sandbox-strict -r "$PP_ROOT/tests/pcap/sll_dns.pcap" \
        >"$T/strict.out" 2>"$T/strict.err" </dev/null
    rc=$?
    check "sandbox pp-sniff --sandbox-strict, Landlock ABI 3: status 1" [ $rc = 1 ]
    check "sandbox pp-sniff --sandbox-strict: says why" \
        grep -q "^pp-sniff: sandbox: this kernel's Landlock ABI is 3: .*--sandbox-strict: stopping" "$T/strict.err"
    check "sandbox pp-sniff --sandbox-strict: no records" [ ! -s "$T/strict.out" ]
    PP_SANDBOX_FAKE_ABI=3 "$SNIFF" -v -r "$PP_ROOT/tests/pcap/sll_dns.pcap" >/dev/null 2>"$T/abi3.err"
    check "sandbox pp-sniff, ABI 3 not strict: goes on, says what is missing" \
        grep -q 'landlock network: not applied' "$T/abi3.err"
    "$SNIFF" --no-sandbox --sandbox-strict -r /dev/null >/dev/null 2>&1
    check "sandbox pp-sniff: --no-sandbox with --sandbox-strict is a usage error" [ $? = 2 ]

    # -w never writes through a link planted where the capture should go.
    echo precious >"$T/victim"
    ln -s "$T/victim" "$T/planted.pcap"
    "$SNIFF" -r "$PP_ROOT/tests/pcap/sll_dns.pcap" -w "$T/planted.pcap" >/dev/null 2>"$T/planted.err"
    rc=$?
    check "sandbox pp-sniff -w planted symlink: status 1" [ $rc = 1 ]
    check "sandbox pp-sniff -w planted symlink: refused, said so" grep -q 'symbolic link' "$T/planted.err"
    check "sandbox pp-sniff -w planted symlink: target intact" [ "$(cat "$T/victim")" = precious ]
fi

# --- pp-trace --------------------------------------------------------------------
TRACE=$PP_BIN/pp-trace
if [ ! -x "$TRACE" ]; then
    skip "sandbox pp-trace: not built in this tree"
    exit 0
fi
# Capabilities pp-trace may keep: CAP_DAC_READ_SEARCH (2), CAP_SYS_PTRACE (19),
# and CAP_BPF (39) where this kernel needs it to read a map.
allowed=$(( (1 << 2) | (1 << 19) | (1 << 39) ))
for mode in ebpf poll; do
    args=(-v)
    [ $mode = poll ] && args+=(--no-ebpf -I 100ms)
    "$TRACE" "${args[@]}" >"$T/trace-$mode.jsonl" 2>"$T/trace-$mode.err" &
    pid=$!
    if ! wait_for "$T/trace-$mode.err" 'sandbox: seccomp'; then
        fail "sandbox pp-trace ($mode): no sandbox report: $(head -n 3 "$T/trace-$mode.err" | tr '\n' ' ')"
        stop $pid
        continue
    fi
    if [ $mode = ebpf ] && ! grep -q 'eBPF attached' "$T/trace-$mode.err"; then
        skip "sandbox pp-trace (ebpf): eBPF unavailable here, it polled instead"
    fi
    eff=$((16#$(field $pid CapEff))) bnd=$((16#$(field $pid CapBnd)))
    check "sandbox pp-trace ($mode): NoNewPrivs 1" [ "$(field $pid NoNewPrivs)" = 1 ]
    check "sandbox pp-trace ($mode): CapEff reduced to the reads of /proc (and map reads)" \
        [ $((eff & ~allowed)) = 0 ]
    check "sandbox pp-trace ($mode): CapBnd reduced the same" [ $((bnd & ~allowed)) = 0 ]
    check "sandbox pp-trace ($mode): -v says why Landlock is not used" \
        grep -q 'sandbox: landlock: not used: ' "$T/trace-$mode.err"
    seccomp_checks $pid "pp-trace ($mode)"
    # Polling has no use for a UDP socket; eBPF mode has (ebpf_local_addr).
    [ -n "$PROBE" ] && [ $mode = poll ] &&
        probe "pp-trace ($mode)" "socket(AF_INET, SOCK_DGRAM)" refused "$pid" 41 2 2 0
    # Still attributing sockets of another user's process.
    setpriv --reuid 65534 --regid 65534 --clear-groups /usr/bin/python3 -c '
import socket, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
c = socket.create_connection(l.getsockname()); time.sleep(2)' &
    cpid=$!
    wait $cpid
    sleep 0.5
    stop $pid
    check "sandbox pp-trace ($mode): another user's socket still has its pid" \
        grep -q "\"pid\":$cpid[,}]" "$T/trace-$mode.jsonl"
    has_exe() { grep "\"pid\":$cpid[,}]" "$T/trace-$mode.jsonl" | grep -q '"exe":"/'; }
    check "sandbox pp-trace ($mode): and its exe" has_exe
    check "sandbox pp-trace ($mode): ends on SIGINT with 0" [ "$rc" = 0 ]
    check "sandbox pp-trace ($mode): no sanitizer report" san_clean "$T/trace-$mode.err"
    check "sandbox pp-trace ($mode): no system call refused in normal operation" no_refusals "$T/trace-$mode.err"
done
# --update's thread starts before the sandbox: it must end up as confined
# (no_new_privs and seccomp synchronised to it, no capability of its own).
"$TRACE" -v --update 0.5 >/dev/null 2>"$T/upd.err" &
pid=$!
if wait_for "$T/upd.err" 'sandbox: seccomp'; then
    n=0 ok=0 bare=0
    for t in /proc/$pid/task/*; do
        n=$((n + 1))
        [ "$(sed -n 's/^Seccomp:[[:space:]]*//p' $t/status)" = 2 ] &&
            [ "$(sed -n 's/^NoNewPrivs:[[:space:]]*//p' $t/status)" = 1 ] && ok=$((ok + 1))
        [ "$(sed -n 's/^CapEff:[[:space:]]*//p' $t/status)" = 0000000000000000 ] && bare=$((bare + 1))
    done
    check "sandbox pp-trace --update: two threads, both Seccomp 2 and NoNewPrivs 1" [ $n = 2 -a $ok = 2 ]
    check "sandbox pp-trace --update: the update thread holds no capability" [ $bare -ge 1 ]
else
    fail "sandbox pp-trace --update: no sandbox report: $(head -n 3 "$T/upd.err" | tr '\n' ' ')"
fi
stop $pid
check "sandbox pp-trace --update: ends with 0, nothing refused" eval "[ $rc = 0 ] && no_refusals '$T/upd.err'"
# Polling puts the sandbox in at once: the update thread dropped its
# capabilities after the filter was in when the machine was slow to run
# it (capset refused, SIGSYS blocked in the thread: the process killed,
# status 159). Now upd_start waits for it.
died=
for i in 1 2 3 4 5; do
    "$TRACE" --no-ebpf -I 0.2 --update 0.2 >/dev/null 2>"$T/upd-poll.err" &
    pid=$!
    sleep 1
    stop $pid
    [ $rc = 0 ] && no_refusals "$T/upd-poll.err" || died="$died run $i: status $rc;"
done
check "sandbox pp-trace --no-ebpf --update: 5 runs end with 0, nothing refused${died:+ ($died)}" [ -z "$died" ]
PP_SANDBOX_FAKE_ABI=0 "$TRACE" --sandbox-strict --once >/dev/null 2>"$T/tstrict.err"
check "sandbox pp-trace --sandbox-strict without Landlock: runs (Landlock is not its layer)" [ $? = 0 ]
PP_SANDBOX_FAKE_NO_SECCOMP=1 "$TRACE" --sandbox-strict --once >"$T/tstrict.out" 2>"$T/tstrict.err"
check "sandbox pp-trace --sandbox-strict without seccomp: status 1" [ $? = 1 ]
check "sandbox pp-trace --sandbox-strict without seccomp: says why" \
    grep -q 'seccomp filtering is not supported.*--sandbox-strict: stopping' "$T/tstrict.err"
check "sandbox pp-trace --sandbox-strict without seccomp: no records" [ ! -s "$T/tstrict.out" ]
