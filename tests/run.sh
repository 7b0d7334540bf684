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

selected() {
    [ ${#filters[@]} -eq 0 ] && return 0
    local f
    for f in "${filters[@]}"; do [[ $1 == *"$f"* ]] && return 0; done
    return 1
}

run_one() {   # name, command...
    local name=$1; shift
    selected "$name" || return 0
    local out=$log/${name//\//_}.out start=$SECONDS
    timeout --kill-after=10 "$TIMEOUT" "$@" >"$out" 2>"$out.err" </dev/null
    local rc=$? p f s
    p=$(grep -c '^PASS ' "$out"); f=$(grep -c '^FAIL ' "$out"); s=$(grep -c '^SKIP ' "$out")
    grep -E '^(PASS|FAIL|SKIP|INFO) ' "$out" | sed "s|^|  [$name] |"
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "  [$name] FAIL $name: exited with status $rc$([ $rc -eq 124 ] && echo ' (timeout)')"
        f=$((f + 1))
    fi
    if [ $((p + f + s)) -eq 0 ]; then
        echo "  [$name] FAIL $name: printed no result"
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
rm -rf "$log"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
