#!/bin/bash
# Golden tests in the tcpdump TESTLIST style. Each non-comment line of
# tests/TESTLIST is:
#     NAME  COMMAND  INPUT  EXPECTED  [ARGS...]
# COMMAND is run as "$PP_BIN/COMMAND ARGS < INPUT" (INPUT relative to tests/,
# or "-" for no input; a path starting with shared/ is under ../shared and
# is skipped when that folder is absent). Its stdout must equal
# tests/golden/EXPECTED; its stderr must equal tests/golden/EXPECTED.err if
# that file exists, else be empty. A sanitizer report always fails.
# Set PP_GOLDEN_UPDATE=1 to rewrite the expected files (review the diff!).
source "$(dirname "$0")/lib.sh"
cd "$PP_ROOT/tests"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

while read -r name cmd input expected args; do
    [[ -z $name || $name == \#* ]] && continue
    if [[ $input == shared/* ]]; then
        input=$PP_SHARED/${input#shared/}
        [ -e "$input" ] || { skip "$name: $input absent (needs ../shared)"; continue; }
    fi
    [ "$input" = - ] && input=/dev/null
    eval "set -- $args"
    "$PP_BIN/$cmd" "$@" <"$input" >"$tmp/out" 2>"$tmp/err"
    echo $? >"$tmp/rc"
    # Exit status is part of the expectation when a .rc file exists.
    if [ "${PP_GOLDEN_UPDATE:-0}" = 1 ]; then
        cp "$tmp/out" "golden/$expected"
        if [ -s "$tmp/err" ]; then cp "$tmp/err" "golden/$expected.err"; else rm -f "golden/$expected.err"; fi
        if [ "$(cat "$tmp/rc")" != 0 ]; then cp "$tmp/rc" "golden/$expected.rc"; else rm -f "golden/$expected.rc"; fi
    fi
    why=
    if ! san_clean "$tmp/err"; then why="sanitizer report"
    elif ! cmp -s "$tmp/out" "golden/$expected"; then
        why="stdout differs"; diff -u "golden/$expected" "$tmp/out" | head -20 >&2
    elif [ -f "golden/$expected.err" ] && ! cmp -s "$tmp/err" "golden/$expected.err"; then
        why="stderr differs"; diff -u "golden/$expected.err" "$tmp/err" | head -20 >&2
    elif [ ! -f "golden/$expected.err" ] && [ -s "$tmp/err" ]; then
        why="unexpected stderr: $(head -c 200 "$tmp/err")"
    elif [ "$(cat "$tmp/rc")" != "$(cat "golden/$expected.rc" 2>/dev/null || echo 0)" ]; then
        why="exit status $(cat "$tmp/rc")"
    fi
    if [ -z "$why" ]; then pass "$name"; else fail "$name: $why"; fi
done < TESTLIST
