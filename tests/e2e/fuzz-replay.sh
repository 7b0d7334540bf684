#!/bin/bash
# Every fuzz target, built without libFuzzer under ASan+UBSan (Makefile:
# build/san/tests/replay_fuzz_X), runs its seeds, its seed-files and every
# kept crash input in tests/fuzz/regress/fuzz_X/: a parser bug once found
# stays fixed. make fuzz does the fuzzing itself.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
cd "$PP_ROOT" || exit 1
n=0
for src in tests/fuzz/fuzz_*.c; do
    [ -f "$src" ] || continue
    name=$(basename "$src" .c)
    bin=$PP_UNIT/replay_$name
    if [ ! -x "$bin" ]; then
        fail "fuzz replay $name: $bin not built"
        continue
    fi
    inputs=("tests/fuzz/seeds/$name" "tests/fuzz/regress/$name")
    for g in $(sed -n '1,5s|^// seed-files:||p' "$src"); do
        for f in $g; do [ -f "$f" ] && inputs+=("$f"); done
    done
    "$bin" "${inputs[@]}" >"$PP_TMP/$name.out" 2>"$PP_TMP/$name.err"
    rc=$?
    count=$(sed -n 's/^\([0-9]*\) inputs$/\1/p' "$PP_TMP/$name.out")
    if [ $rc -eq 0 ] && san_clean "$PP_TMP/$name.err"; then
        pass "fuzz replay $name: ${count:-0} inputs"
    else
        fail "fuzz replay $name: status $rc"
        head -n 30 "$PP_TMP/$name.err" >&2
    fi
    n=$((n + 1))
done
[ $n -gt 0 ] || skip "fuzz replay: no targets in tests/fuzz"
