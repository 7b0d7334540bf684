#!/bin/bash
# Failing writes (fault injection in the style of jq's inject_errors, see
# tests/inject/inject_errors.c): for every command in $PP_BIN that can
# produce output, standard output fails with ENOSPC or EPIPE at the first
# byte, half way, and at the last byte. ENOSPC must be reported on stderr
# with a non-zero status, never a silent truncation; EPIPE (the reader went
# away) must end the command quietly with its usual status. A real ENOSPC
# from a tiny tmpfs cross-checks the injected one. Commands not built in
# this tree are skipped, saying so.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
DATA=$PP_ROOT/tests/data
SO=$PP_TMP/inject_errors.so
if ! cc -shared -fPIC -O1 -Wall -Wextra -Werror -o "$SO" "$PP_ROOT/tests/inject/inject_errors.c" -ldl \
        2>"$PP_TMP/cc.err"; then
    fail "inject: building inject_errors.so: $(head -n 3 "$PP_TMP/cc.err")"
    exit 1
fi
ASAN_SO=$(gcc -print-file-name=libasan.so)

# Input records: the sample many times over (a few hundred KiB of output),
# with pid 4242 so that pp-nft has something to quarantine.
for _ in $(seq 400); do cat "$DATA/sample.jsonl"; done >"$PP_TMP/big.jsonl"
sed 's/"pid":[0-9]*/"pid":4242/' "$PP_TMP/big.jsonl" >"$PP_TMP/big-pid.jsonl"
PCAP=
for f in "$PP_PCAPS"/ndpi_quic046.pcap "$PP_PCAPS"/ndpi_http_ipv6.pcap; do
    [ -f "$f" ] && PCAP=$f && break
done

# name | command and arguments | stdin
variants=(
    "pp-fmt json|pp-fmt -j|$PP_TMP/big.jsonl"
    "pp-fmt csv|pp-fmt --csv|$PP_TMP/big.jsonl"
    "pp-fmt table|pp-fmt --table|$PP_TMP/big.jsonl"
    "pp-join|pp-join|$PP_TMP/big.jsonl"
    "pp-nft|pp-nft --quarantine pid=4242|$PP_TMP/big-pid.jsonl"
    "pp-sniff|pp-sniff -r ${PCAP:-/nonexistent}|/dev/null"
    "pp-trace|pp-trace --no-ebpf --once|/dev/null"
)

# pp-trace --once writes the sockets of its network namespace: on the host
# they change between runs (other tests, other users), so that a run meant
# to stop at byte N may end before it. As root it runs in a namespace of
# the test's own holding a fixed set of sockets, the same in every run.
TRACE_NS=()
if need_root && have ip && have python3 && pp_netns inject; then
    PP_CLEANUP_CMDS=("ip netns pids $PP_NS | xargs -r kill" "${PP_CLEANUP_CMDS[@]}")
    ip netns exec "$PP_NS" python3 -c '
import socket, time
keep = []
for port in range(7001, 7025):
    t = socket.socket(); t.bind(("127.0.0.1", port)); t.listen(); keep.append(t)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", port)); keep.append(u)
print("ready", flush=True)
time.sleep(600)
' >"$PP_TMP/socks.out" 2>&1 &
    for _ in $(seq 100); do grep -q ready "$PP_TMP/socks.out" 2>/dev/null && break; sleep 0.1; done
    grep -q ready "$PP_TMP/socks.out" && TRACE_NS=(ip netns exec "$PP_NS")
fi

# run_inj ERRNO AFTER INPUT CMD...: sets rc; output in $PP_TMP/o, stderr in e.
run_inj() {
    local errno=$1 after=$2 input=$3; shift 3
    local preload=$SO a bin=$1
    # (the command may come after a wrapper: ip netns exec NS CMD)
    for a in "$@"; do case $a in "$PP_BIN"/*) bin=$a; break ;; esac; done
    ldd "$bin" 2>/dev/null | grep -q libasan && preload="$ASAN_SO $SO"
    LD_PRELOAD="$preload" PP_INJECT_ERRNO=$errno PP_INJECT_AFTER=$after \
        "$@" <"$input" >"$PP_TMP/o" 2>"$PP_TMP/e"
    rc=$?
}

declare -A skipped
for v in "${variants[@]}"; do
    IFS='|' read -r name cmdline input <<<"$v"
    read -ra argv <<<"$cmdline"
    cmd=${argv[0]}
    if [ ! -x "$PP_BIN/$cmd" ]; then
        [ -z "${skipped[$cmd]:-}" ] && skip "inject $cmd: not built in this tree"
        skipped[$cmd]=1
        continue
    fi
    if [ "$cmd" = pp-sniff ] && [ -z "$PCAP" ]; then
        skip "inject $name: no capture in $PP_PCAPS"
        continue
    fi
    argv[0]=$PP_BIN/$cmd
    [ "$cmd" = pp-trace ] && argv=("${TRACE_NS[@]}" "${argv[@]}")
    "${argv[@]}" <"$input" >"$PP_TMP/base" 2>"$PP_TMP/base.err"
    base_rc=$? size=$(wc -c <"$PP_TMP/base")
    if [ "$size" -eq 0 ] || [ $base_rc -eq 2 ]; then
        skip "inject $name: '$cmdline' gives no output here (status $base_rc: $(head -n 1 "$PP_TMP/base.err"))"
        continue
    fi
    points="0 $((size / 2)) $((size - 1))"
    why=
    for after in $points; do
        # pp-trace --once writes the host's sockets, which change between
        # runs: a run whose output stops short of the point may have met
        # no error at all; it is run again, 3 times at most (a command that
        # stops at the error with status 0 does so every time).
        for _ in 1 2 3; do
            run_inj ENOSPC "$after" "$input" "${argv[@]}"
            got=$(wc -c <"$PP_TMP/o")
            [ $rc -eq 0 ] && [ "$got" -le "$after" ] || break
        done
        if [ $rc -eq 0 ] && [ "$got" -le "$after" ]; then
            why="$why; silent truncation at $after bytes in 3 runs (status 0, $got of $size bytes out)"
        elif [ $rc -eq 0 ]; then
            why="$why; silent truncation at $after bytes (status 0, $got of $size bytes out)"
        elif [ $rc -ne 1 ]; then
            why="$why; status $rc at $after bytes (want 1)"
        elif ! grep -q "^$cmd: .*No space left on device" "$PP_TMP/e"; then
            why="$why; not reported at $after bytes: $(head -n 1 "$PP_TMP/e")"
        elif [ "$got" -gt "$after" ]; then
            why="$why; injection not in effect ($got bytes out, $after allowed)"
        fi
        san_clean "$PP_TMP/e" || why="$why; sanitizer report at $after bytes"
    done
    if [ -z "$why" ]; then pass "inject $name: ENOSPC at byte $points: reported, status 1"
    else fail "inject $name: ENOSPC${why}"; fi
    why=
    for after in $points; do
        run_inj EPIPE "$after" "$input" "${argv[@]}"
        if [ $rc -ne $base_rc ]; then
            why="$why; status $rc at $after bytes (want $base_rc as without the error)"
        elif grep -qiE 'write error|broken pipe' "$PP_TMP/e"; then
            why="$why; not quiet at $after bytes: $(head -n 1 "$PP_TMP/e")"
        fi
        san_clean "$PP_TMP/e" || why="$why; sanitizer report at $after bytes"
    done
    if [ -z "$why" ]; then pass "inject $name: EPIPE at byte $points: quiet, status $base_rc"
    else fail "inject $name: EPIPE${why}"; fi
    # The real thing: a file system that fills up part way.
    if need_root && have unshare && [ "$size" -gt 65536 ]; then
        mnt=$PP_TMP/full-$RANDOM
        mkdir -p "$mnt"
        # The command writes into the tmpfs through its stdout:
        unshare -m --propagation private bash -c \
            'mount -t tmpfs -o size=64k pp-full "$1" || exit 99; m=$1; shift; "$@" >"$m/out"; echo "rc=$?" >&2' \
            _ "$mnt" "${argv[@]}" <"$input" 2>"$PP_TMP/e"
        if grep -q '^rc=1$' "$PP_TMP/e" && grep -q "^$cmd: .*No space left on device" "$PP_TMP/e"; then
            pass "inject $name: real ENOSPC on a 64 KiB tmpfs: reported, status 1"
        else
            fail "inject $name: real ENOSPC on a 64 KiB tmpfs: $(tr '\n' ' ' <"$PP_TMP/e" | head -c 200)"
        fi
    fi
done
