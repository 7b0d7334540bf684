#!/bin/bash
# Nothing from a record reaches a terminal raw: every byte value and every
# C1 code point (U+0080..U+009F, e.g. U+009B, the 8-bit CSI) in comm and sni
# goes through pp-fmt -t and --top (and the messages of pp-fmt and pp-nft
# that quote a value) as visible escapes. Checked on the bytes written and
# on what tmux shows (capture-pane, with and without attributes).
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
FMT=$PP_BIN/pp-fmt NFT=$PP_BIN/pp-nft
PY=python3
REC=$PP_TMP/hostile.jsonl
$PY "$PP_ROOT/tests/termsafe_records.py" >"$REC"
n=$(wc -l <"$REC")

"$FMT" -t "$REC" >"$PP_TMP/table.out" 2>"$PP_TMP/table.err"
check "table: one row per record ($n), none split" [ "$(wc -l <"$PP_TMP/table.out")" = $((n + 1)) ]
check "table: no raw control, valid UTF-8" $PY "$PP_ROOT/tests/termsafe_check.py" "$PP_TMP/table.out"
check "table: ESC shown as \\x1b" grep -qF 'a\x1bb' "$PP_TMP/table.out"
check "table: U+009B shown as \\u009b" grep -qF 'a\u009bb' "$PP_TMP/table.out"
check "table: a raw 0x9b byte shown as \\x9b" grep -qF 'a\x9bb' "$PP_TMP/table.out"
check "table: U+202E shown as \\u202e" grep -qF 'a\u202eb' "$PP_TMP/table.out"
"$FMT" --csv "$REC" >/dev/null 2>&1 # CSV is for programs: not checked here
"$FMT" -t -f comm,sni,info "$REC" >"$PP_TMP/table2.out" 2>&1
check "table with -f: no raw control" $PY "$PP_ROOT/tests/termsafe_check.py" "$PP_TMP/table2.out"

# Messages that quote a value.
"$FMT" -F $'comm:\x1b[31m\xc2\x9bx' "$REC" >/dev/null 2>"$PP_TMP/fmt.err"
"$FMT" -F $'comm:<\x1b[2J' "$REC" >/dev/null 2>>"$PP_TMP/fmt.err"
check "pp-fmt filter errors: the expression echoed safely" $PY "$PP_ROOT/tests/termsafe_check.py" "$PP_TMP/fmt.err"
check "pp-fmt filter errors: said" grep -q 'filter: column' "$PP_TMP/fmt.err"
"$NFT" --action $'\x1b]0;owned\x07\xc2\x9b' --quarantine pid=1 </dev/null >/dev/null 2>"$PP_TMP/nft.err"
"$NFT" --quarantine $'comm\x1b[31m=x' </dev/null >/dev/null 2>>"$PP_TMP/nft.err"
check "pp-nft messages: the value quoted safely" $PY "$PP_ROOT/tests/termsafe_check.py" "$PP_TMP/nft.err"
check "pp-nft messages: said" grep -q "x1b" "$PP_TMP/nft.err"
printf '{"type":"sock","comm":"x\\u001b[31m"\x1b[2J\n' >"$PP_TMP/bad.jsonl"
"$FMT" -t "$PP_TMP/bad.jsonl" $'./\x1b[31mnofile' >/dev/null 2>"$PP_TMP/input.err"
check "input errors: file names and reasons quoted safely" $PY "$PP_ROOT/tests/termsafe_check.py" "$PP_TMP/input.err"
check "no sanitizer report" bash -c "! cat '$PP_TMP'/*.err | grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:'"

source "$PP_ROOT/tests/tmux.sh"
tmux_start termsafe 120 50
# A table on the terminal, with colours: only our own SGR sequences.
type_line "clear; '$FMT' -t -f pid,comm,sni '$REC' > /dev/tty; echo END-TABLE"
wait_for '^END-TABLE' 10
T capture-pane -e -J -p -S - -t t >"$PP_TMP/tmux-table.screen" # -J: a wrapped row whole
check "tmux, table: nothing but our colours reached the terminal" $PY "$PP_ROOT/tests/termsafe_check.py" "$PP_TMP/tmux-table.screen" --sgr-ok
check "tmux, table: rows intact (the last record's row is there)" grep -qF 'a\u2028b' "$PP_TMP/tmux-table.screen"
check "tmux, table: no colour from the data" bash -c "! grep -q $'\x1b\\[31m' '$PP_TMP/tmux-table.screen'"

# --top without colours: every page of both views, captured with
# attributes: any escape sequence at all came from the data.
type_line "clear; NO_COLOR=1 '$FMT' --top -I 0.3 '$REC' 2>top.err; echo TOPRC=\$?"
if wait_for 'input ended' 15; then
    : >"$PP_TMP/tmux-top.screen"
    for view in procs conns; do
        for ((p = 0; p < 12; p++)); do
            T capture-pane -e -p -t t >>"$PP_TMP/tmux-top.screen"
            keys PageDown; sleep 0.3
        done
        keys Tab; sleep 0.5
    done
    keys q
    wait_for '^TOPRC=' 5
    check "tmux, --top: no escape sequence from the data on any page" bash -c "! grep -q $'\x1b' '$PP_TMP/tmux-top.screen'"
    check "tmux, --top: no raw control, valid UTF-8" $PY "$PP_ROOT/tests/termsafe_check.py" "$PP_TMP/tmux-top.screen"
    check "tmux, --top: escapes visible" grep -qF '\x1b' "$PP_TMP/tmux-top.screen"
    check "tmux, --top: C1 visible as \\u009b" grep -qF '\u009b' "$PP_TMP/tmux-top.screen"
    check "tmux, --top: no sanitizer report" san_clean "$PP_TMP/top.err"
else
    fail "tmux, --top: the view did not read the records"
fi
