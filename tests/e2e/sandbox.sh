#!/bin/bash
# The sandbox of the running commands (common/sandbox.c; the library itself
# is tested in tests/unit/test_sandbox.c): /proc/PID/status of a live
# pp-sniff and pp-trace shows no_new_privs and the reduced capability sets
# while they keep working; -v reports each layer; --sandbox-strict on a
# kernel lacking a feature (PP_SANDBOX_FAKE_ABI) stops with a clear message;
# --no-sandbox leaves the process as it was; pp-sniff -w refuses a planted
# symbolic link and creates its file with mode 0640.
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
    if wait_for "$T/sniff.err" 'sandbox: capabilities'; then
        check "sandbox pp-sniff live: NoNewPrivs 1" [ "$(field $pid NoNewPrivs)" = 1 ]
        check "sandbox pp-sniff live: CapEff empty" [ "$(field $pid CapEff)" = 0000000000000000 ]
        check "sandbox pp-sniff live: CapPrm empty" [ "$(field $pid CapPrm)" = 0000000000000000 ]
        check "sandbox pp-sniff live: CapBnd empty" [ "$(field $pid CapBnd)" = 0000000000000000 ]
        abi=$(grep -o 'landlock filesystem (ABI [0-9]*)' "$T/sniff.err" | grep -o '[0-9]*')
        check "sandbox pp-sniff -v: Landlock filesystem, nothing to open" \
            grep -q 'landlock filesystem (ABI [0-9]*): read only: nothing; write: nothing' "$T/sniff.err"
        if [ "${abi:-0}" -ge 4 ]; then
            check "sandbox pp-sniff -v: TCP denied" grep -q 'landlock network: TCP bind and connect denied' "$T/sniff.err"
        fi
        check "sandbox pp-sniff -v: one line per layer" \
            [ "$(grep -c 'pp-sniff: sandbox: ' "$T/sniff.err")" -ge 3 ]
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
    else
        fail "sandbox pp-sniff live: no sandbox report: $(head -n 3 "$T/sniff.err" | tr '\n' ' ')"
        stop $pid
    fi

    # --no-sandbox: as it was started (root keeps its capabilities).
    ip netns exec "$PP_NS" "$SNIFF" -v --no-sandbox -i lo >/dev/null 2>"$T/nosb.err" &
    pid=$!
    if wait_for "$T/nosb.err" 'sandbox: off'; then
        check "sandbox pp-sniff --no-sandbox: NoNewPrivs 0" [ "$(field $pid NoNewPrivs)" = 0 ]
        check "sandbox pp-sniff --no-sandbox: capabilities kept" \
            [ "$(field $pid CapEff)" = "$(field $$ CapEff)" ]
    else
        fail "sandbox pp-sniff --no-sandbox: no report"
    fi
    stop $pid

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
    if ! wait_for "$T/trace-$mode.err" 'sandbox: capabilities'; then
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
    # Still attributing sockets of another user's process.
    setpriv --reuid 65534 --regid 65534 --clear-groups /usr/bin/python3 -c '
import socket, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
c = socket.create_connection(l.getsockname()); time.sleep(0.6)' &
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
done
PP_SANDBOX_FAKE_ABI=0 "$TRACE" --sandbox-strict --once >/dev/null 2>"$T/tstrict.err"
check "sandbox pp-trace --sandbox-strict without Landlock: runs (Landlock is not its layer)" [ $? = 0 ]
