#!/bin/bash
# Runs every test and prints "N passed, N failed, N skipped" last.
#   unit tests:  $PP_UNIT/test_* (C, built with ASan+UBSan)
#   golden:      tests/TESTLIST via tests/golden.sh
#   end-to-end:  tests/e2e/*.sh
# Arguments select tests whose name contains any of them (make test TESTS=fmt).
# A test program that crashes, times out or prints no result counts as failed.
set -u
cd "$(dirname "$0")/.."
export PP_BIN=${PP_BIN:-$PWD/build/san/bin} PP_UNIT=${PP_UNIT:-$PWD/build/san/tests}
export TZ=UTC LC_ALL=C
filters=("$@")
TIMEOUT=${PP_TEST_TIMEOUT:-600}
log=$(mktemp -d /tmp/pp-run.XXXXXX)
passed=0 failed=0 skipped=0

# Every test runs in a cgroup of its own (cgroup v1 freezer, else cgroup
# v2), which every process it starts stays in, daemons and "ip netns exec"
# children included: whatever is still there when the test has ended was
# left behind, fails the test, and is killed. Without a usable cgroup
# hierarchy the test runs in a session of its own and the check looks for
# processes of that session (a daemon that calls setsid escapes it).
CG_ROOT=
if [ -w /sys/fs/cgroup/freezer ] && [ -f /sys/fs/cgroup/freezer/cgroup.procs ]; then
    CG_ROOT=/sys/fs/cgroup/freezer
elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    CG_ROOT=/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)
    CG_ROOT=${CG_ROOT%/}
fi
if [ -n "$CG_ROOT" ] && mkdir "$CG_ROOT/pp-test-$$-probe" 2>/dev/null; then
    rmdir "$CG_ROOT/pp-test-$$-probe"
else
    CG_ROOT=
fi
cg_seq=0

# left_behind CG SID: pids (with their command lines) still in the test's
# cgroup, or in its session; waits up to 5 s for ones on their way out.
left_behind() {
    local cg=$1 sid=$2 pids p
    for _ in $(seq 50); do
        if [ -n "$cg" ]; then
            pids=$(cat "$cg/cgroup.procs" 2>/dev/null)
        else
            pids=$(ps -eo pid=,sid= | awk -v s="$sid" '$2 == s { print $1 }')
        fi
        [ -z "$pids" ] && return 0
        sleep 0.1
    done
    for p in $pids; do
        printf '%s %s\n' "$p" "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-120)"
    done
}

# kill_left CG SID: end what was left, so that it does not leak into the
# next test or outlive make test.
kill_left() {
    local cg=$1 sid=$2 p
    for _ in $(seq 50); do
        local pids
        if [ -n "$cg" ]; then pids=$(cat "$cg/cgroup.procs" 2>/dev/null)
        else pids=$(ps -eo pid=,sid= | awk -v s="$sid" '$2 == s { print $1 }'); fi
        [ -z "$pids" ] && break
        for p in $pids; do kill -KILL "$p" 2>/dev/null; done
        sleep 0.1
    done
    [ -n "$cg" ] && rmdir "$cg" 2>/dev/null
}

selected() {
    [ ${#filters[@]} -eq 0 ] && return 0
    local f
    for f in "${filters[@]}"; do [[ $1 == *"$f"* ]] && return 0; done
    return 1
}

# A failure the runner itself finds: printed in place and kept for the end.
note_fail() {
    echo "  [$name] FAIL $*"
    echo "[$name] FAIL $*" >>"$log/failures"
}

run_one() {   # name, command...
    local name=$1; shift
    selected "$name" || return 0
    local out=$log/${name//\//_}.out start=$SECONDS cg= sid= left rc
    if [ -n "$CG_ROOT" ]; then
        cg=$CG_ROOT/pp-test-$$-$((cg_seq += 1))
        mkdir "$cg" || cg=
    fi
    if [ -n "$cg" ]; then
        bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' _ "$cg" \
            timeout --kill-after=10 "$TIMEOUT" "$@" >"$out" 2>"$out.err" </dev/null
        rc=$?
    else
        # setsid's child leads the new session: its pid is the session id.
        setsid --wait bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$out.sid" \
            timeout --kill-after=10 "$TIMEOUT" "$@" >"$out" 2>"$out.err" </dev/null
        rc=$?
        sid=$(cat "$out.sid" 2>/dev/null)
    fi
    local p f s
    p=$(grep -c '^PASS ' "$out"); f=$(grep -c '^FAIL ' "$out"); s=$(grep -c '^SKIP ' "$out")
    grep -E '^(PASS|FAIL|SKIP|INFO) ' "$out" | sed "s|^|  [$name] |"
    grep '^FAIL ' "$out" | sed "s|^|[$name] |" >>"$log/failures"
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
        note_fail "$name: exited with status $rc$([ $rc -eq 124 ] && echo ' (timeout)')"
        f=$((f + 1))
    fi
    left=$(left_behind "$cg" "$sid")
    if [ -n "$left" ]; then
        note_fail "$name: left processes running:"
        echo "$left" | sed 's/^/    /'
        f=$((f + 1))
        kill_left "$cg" "$sid"
    elif [ -n "$cg" ]; then
        rmdir "$cg" 2>/dev/null
    fi
    if [ $((p + f + s)) -eq 0 ]; then
        note_fail "$name: printed no result"
        f=1
    fi
    if [ "$f" -gt 0 ]; then
        echo "  --- $name stderr (last 40 lines) ---"
        tail -n 40 "$out.err" | sed 's/^/  | /'
    fi
    echo "  ($name: $((SECONDS - start))s)"
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

for t in "$PP_UNIT"/test_*; do
    [ -x "$t" ] || continue
    # A binary left from a branch whose source is gone is not a test now.
    [ -f "tests/unit/$(basename "$t").c" ] || continue
    run_one "unit/$(basename "$t")" "$t"
done
[ -f tests/TESTLIST ] && run_one golden bash tests/golden.sh
for t in tests/e2e/*.sh; do
    [ -f "$t" ] || continue
    run_one "e2e/$(basename "$t" .sh)" bash "$t"
done
# The failures again, next to the summary, where a log's tail shows them.
if [ -s "$log/failures" ]; then
    echo "failed:"
    head -n 50 "$log/failures" | sed 's/^/  /'
fi
rm -rf "$log"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
