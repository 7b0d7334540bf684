#!/bin/bash
# Hostile input on stdin for every command that reads records: random bytes,
# NUL bytes, a 100 MiB line, deep nesting, invalid UTF-8, numbers out of
# range, repeated keys, odd whitespace. Each kind sits between good records.
# Wanted: numbered errors ("cmd: -:LINE: ..."), the good records still
# processed (whatever a command prints for them alone comes out), no crash
# or sanitizer report, a status of 0 or 1, and bounded memory: under 64 MiB
# peak RSS for the 100 MiB line (release build, where ASan's shadow memory
# does not blur the figure). Commands not built in this tree are skipped.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
REL_BIN=${PP_REL_BIN:-$PP_ROOT/bin}
RSS_LIMIT_KB=$((64 * 1024))

# Commands that read records from stdin, with the arguments that make them
# print something for a record.
declare -A ARGS=([pp-fmt]="-j" [pp-join]="" [pp-nft]="--quarantine pid=4242")

good() {  # a record each command has something to say about
    printf '{"type":"sock","ts":1700000000.%06d,"event":"connect","dir":"out","proto":"tcp","src":"10.0.0.1","sport":%d,"dst":"10.0.0.2","dport":80,"pid":4242,"comm":"%s","source":"poll"}\n' \
        "$1" "$((40000 + $1))" "$2"
}

# Each kind of garbage, written to stdout by a function.
g_random()  { head -c 1048576 /dev/urandom; echo; }
g_nul()     { printf '{"type":"sock",\0"ts":1}\n'; head -c 70000 /dev/zero; echo; printf '\0\0\0\n'; }
g_nesting() {
    printf '{"a":%s1%s}\n' "$(printf '[%.0s' $(seq 200000))" "$(printf ']%.0s' $(seq 200000))"
    printf '%s\n' "$(printf '{"a":%.0s' $(seq 100000))"
    printf '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n'
}
g_utf8()    {
    printf '{"type":"sock","ts":1,"comm":"\xff\xfe\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82"}\n'
    printf '{"type":"dns","ts":2,"qname":"\x80\x80\x80\\ud800\\udfff\\u0000x"}\n'
    printf '{"\xff":"\xc3"}\n\xff\xfe\n'
}
g_numbers() {
    printf '{"type":"sock","ts":1e999,"pid":99999999999999999999999,"sport":-1,"dport":70000}\n'
    printf '{"type":"sock","ts":-1e308,"pid":-9223372036854775809,"sport":1.5e300,"dport":1e-400}\n'
    printf '{"type":"sock","ts":%s1}\n' "$(printf '9%.0s' $(seq 5000))"
    printf '{"type":"flow","ts":NaN,"orig_bytes":Infinity}\n{"ts":01,"x":-}\n'
}
g_repeated() {
    printf '{"type":"sock","type":"dns","ts":1,"ts":"x","pid":1,"pid":4242,"comm":"a","comm":2}\n'
    printf '{%s"type":"sock","ts":3}\n' "$(for i in $(seq 20000); do printf '"k":%d,' "$i"; done)"
}
g_misc()    {
    printf '   \n\t\r\n{"type":"sock","ts":1}\r\n{"type":"sock","ts":1}   {"x":1}\n'
    printf '{"type":"sock","ts":1,"comm":"%s"}\n' "$(printf '\\\\%.0s' $(seq 30000))"
    printf '{"type":"sock","ts":1,"comm":"\\u12"}\n{"type":"sock","ts":1,"comm":"\\x"}\n'
    printf '{"type":"sock"\n"ts":1}\n}\n{\n'
}
g_longline() { head -c 104857600 /dev/zero | tr '\0' a; echo; }
KINDS="random nul nesting utf8 numbers repeated misc longline"

input() {  # kind: good, garbage, good
    good 1 GOODBEFORE
    "g_$1"
    good 2 GOODAFTER
}

any=0
for cmd in pp-fmt pp-join pp-nft; do
    bin=$PP_BIN/$cmd
    if [ ! -x "$bin" ]; then
        skip "garbage $cmd: not built in this tree"
        continue
    fi
    any=1
    read -ra args <<<"${ARGS[$cmd]}"
    # What the good records alone give: the markers expected later.
    { good 1 GOODBEFORE; good 2 GOODAFTER; } | "$bin" "${args[@]}" >"$PP_TMP/base" 2>"$PP_TMP/base.err"
    base_rc=$?
    markers=()
    for m in GOODBEFORE GOODAFTER; do grep -q "$m" "$PP_TMP/base" && markers+=("$m"); done
    if [ $base_rc -ne 0 ]; then
        fail "garbage $cmd: good records alone give status $base_rc: $(head -n 1 "$PP_TMP/base.err")"
        continue
    fi
    [ ${#markers[@]} -eq 0 ] && echo "INFO garbage $cmd: prints nothing naming the good records; checking crashes and memory only"
    for kind in $KINDS; do
        why=
        if [ "$kind" = longline ]; then
            # Streamed, never stored; the sanitizer build checks behaviour.
            input "$kind" | timeout 300 "$bin" "${args[@]}" >"$PP_TMP/out" 2>"$PP_TMP/err"
        else
            input "$kind" >"$PP_TMP/in"
            timeout 120 "$bin" "${args[@]}" <"$PP_TMP/in" >"$PP_TMP/out" 2>"$PP_TMP/err"
        fi
        rc=$?
        [ $rc -le 1 ] || why="$why; status $rc"
        san_clean "$PP_TMP/err" || why="$why; sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$PP_TMP/err")"
        # Repeated keys are valid JSON (the last one wins): no error there.
        [ "$kind" = repeated ] || grep -qE "^$cmd: -:[0-9]+: " "$PP_TMP/err" ||
            why="$why; no numbered error on stderr"
        for m in "${markers[@]}"; do
            grep -q "$m" "$PP_TMP/out" || why="$why; good record $m lost"
        done
        if [ "$cmd" = pp-fmt ] && ! jq -e . "$PP_TMP/out" >/dev/null 2>&1; then
            why="$why; output is not valid JSON"
        fi
        if [ -z "$why" ]; then pass "garbage $cmd: $kind"; else fail "garbage $cmd: $kind${why}"; fi
    done
    # Bounded memory on the 100 MiB line, measured on the release build.
    if [ -x "$REL_BIN/$cmd" ] && [ -x /usr/bin/time ]; then
        input longline | /usr/bin/time -f '%M' -o "$PP_TMP/rss" "$REL_BIN/$cmd" "${args[@]}" \
            >/dev/null 2>"$PP_TMP/err"
        rss=$(tail -n 1 "$PP_TMP/rss")
        if [ -n "$rss" ] && [ "$rss" -lt $RSS_LIMIT_KB ]; then
            pass "garbage $cmd: 100 MiB line in $((rss / 1024)) MiB peak RSS (limit 64)"
        else
            fail "garbage $cmd: 100 MiB line: peak RSS ${rss:-?} KiB (limit $RSS_LIMIT_KB)"
        fi
    else
        skip "garbage $cmd: memory: no release build in $REL_BIN or no /usr/bin/time"
    fi
done
[ $any = 1 ] || skip "garbage: no record-reading command built"
