#!/bin/bash
# pp-fmt --top driven like a person would, in a real terminal (tmux): a
# recorded stream is replayed slowly into it; the screen must show its
# processes and update as records arrive; q, Ctrl-C and SIGTERM must each
# leave the terminal as it was (main screen back, termios unchanged).
# Also: colours in tables only on a terminal and never with NO_COLOR.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
FMT=$PP_BIN/pp-fmt
DATA=$PP_ROOT/tests/data/conns.jsonl

# Not a terminal: refused with a clear message, status 2.
"$FMT" --top <"$DATA" >"$PP_TMP/top.out" 2>"$PP_TMP/top.err"; rc=$?
check "top refuses a non-terminal stdout: status 2" [ $rc = 2 ]
check "top refuses a non-terminal stdout: says why" grep -q 'not one; use --table' "$PP_TMP/top.err"
check "top refuses a non-terminal stdout: draws nothing" [ ! -s "$PP_TMP/top.out" ]

# Tables in a pipe never carry escape sequences.
"$FMT" -t "$DATA" >"$PP_TMP/pipe.out"
check "table in a pipe: no colour" bash -c "! grep -q $'\x1b' '$PP_TMP/pipe.out'"

source "$PP_ROOT/tests/tmux.sh"
tmux_start top 140 45
type_line "stty -g > stty.before; echo MARK-BEFORE-TOP"
wait_for '^MARK-BEFORE-TOP' 5

# The replay: one record every 0.15 s, so that the view is seen filling up.
cat >"$PP_TMP/replay.sh" <<EOF
while IFS= read -r l; do printf '%s\n' "\$l"; sleep 0.15; done < '$DATA'
EOF

# --- q ------------------------------------------------------------------------
type_line "bash replay.sh | '$FMT' --top -I 0.2 2>top.err; echo \"TOPRC=\$?\"; stty -g > stty.after-q"
if wait_for 'records ([1-9]|1[0-9]|2[0-5]) .* reading' 8; then
    screen >"$PP_TMP/early.screen"
    n_early=$(sed -n 's/.*records \([0-9]*\) .*/\1/p' "$PP_TMP/early.screen" | head -1)
    pass "top draws while the stream is still coming (records $n_early)"
else
    fail "top draws while the stream is still coming"; n_early=
fi
check "top hides the shell (alternate screen)" bash -c "! grep -q MARK-BEFORE-TOP '$PP_TMP/early.screen'"
if wait_for 'records 26 .*input ended' 15; then
    screen >"$PP_TMP/full.screen"
    pass "top reads the whole replay"
else
    screen >"$PP_TMP/full.screen"; fail "top reads the whole replay: $(head -1 "$PP_TMP/full.screen")"
fi
early_ok() { [ -n "$n_early" ] && [ "$n_early" -gt 0 ] && [ "$n_early" -lt 26 ]; }
check "top updated as records came" early_ok
for p in curl firefox-bin nginx sshd systemd-resolve; do
    check "top shows process $p" grep -qE "^[ >]$p " "$PP_TMP/full.screen"
done
# firefox: 2200 + 3500000 bytes from its close record, 2 connections, the
# QUIC one still open. Columns: PROCS CONNS OPEN LISTEN DOWN UP RX TX.
check "top: bytes per process from close records" grep -qE '^.firefox-bin +1 +2 +1 +0 +0B +0B +3\.3MiB +2\.1KiB' "$PP_TMP/full.screen"
# curl: the flow's running totals (1800/52000, then 2400/104000) and the
# socket's close (517/101400) describe one connection: counted once, the
# totals only growing.
check "top: flow updates counted once per connection" grep -qE '^.curl +1 +2 +0 +0 +0B +0B +103KiB +2\.4KiB' "$PP_TMP/full.screen"
check "top: listening sockets counted" grep -qE '^.sshd +1 +1 +1 +1 ' "$PP_TMP/full.screen"
check "top: grouped by program by default" grep -q 'PROCESSES by program (6)' "$PP_TMP/full.screen"
check "top: sort column marked" grep -q 'DOWN/s▼' "$PP_TMP/full.screen"
check "top: the name and port of the last destination" grep -q 'www.cloudflare.com:443' "$PP_TMP/full.screen"
keys q
if wait_for '^TOPRC=' 5; then
    screen >"$PP_TMP/after-q.screen"
    check "q: exit status 0" grep -q '^TOPRC=0' "$PP_TMP/after-q.screen"
    check "q: the shell's screen is back" grep -q '^MARK-BEFORE-TOP' "$PP_TMP/after-q.screen"
    check "q: no trace of the view left" bash -c "! grep -q 'PROCESSES by' '$PP_TMP/after-q.screen'"
    wait_for '^READY\$ *$' 3
    check "q: termios restored" cmp -s "$PP_TMP/stty.before" "$PP_TMP/stty.after-q"
    check "q: nothing on stderr" [ ! -s "$PP_TMP/top.err" ]
else
    fail "q quits top"
fi

# --- Ctrl-C ---------------------------------------------------------------------
# Ctrl-C goes to the whole pipeline and bash drops the rest of the line, so
# the checks are typed at the prompt that comes back.
type_line "clear; echo MARK-BEFORE-CTRLC; bash replay.sh | '$FMT' --top -I 0.2 2>top2.err"
if wait_for 'records [0-9]+' 5; then
    keys C-c
    if wait_for '^READY\$ *$' 5; then
        type_line "stty -g > stty.after-c; echo CTRLC-DONE"
        wait_for '^CTRLC-DONE' 3
        screen >"$PP_TMP/after-c.screen"
        check "Ctrl-C: the shell's screen is back" grep -q '^MARK-BEFORE-CTRLC' "$PP_TMP/after-c.screen"
        check "Ctrl-C: no trace of the view left" bash -c "! grep -q 'q quit ' '$PP_TMP/after-c.screen'"
        check "Ctrl-C: termios restored" cmp -s "$PP_TMP/stty.before" "$PP_TMP/stty.after-c"
        check "Ctrl-C: no sanitizer report" san_clean "$PP_TMP/top2.err"
    else
        fail "Ctrl-C quits top"
    fi
else
    fail "Ctrl-C: top did not start"
fi

# --- Ctrl-Z, fg, q: the shell gets the terminal back while it is stopped ----------
type_line "clear; echo MARK-BEFORE-TSTP; bash replay.sh | '$FMT' --top -I 0.2 2>top4.err"
if wait_for 'records [0-9]+' 5; then
    keys C-z
    if wait_for '^READY\$ *$' 5; then
        type_line "stty -g > stty.after-z; echo TSTP-DONE"
        wait_for '^TSTP-DONE' 3
        screen >"$PP_TMP/after-z.screen"
        check "Ctrl-Z: the shell's screen is back" grep -q '^MARK-BEFORE-TSTP' "$PP_TMP/after-z.screen"
        check "Ctrl-Z: termios restored while stopped" cmp -s "$PP_TMP/stty.before" "$PP_TMP/stty.after-z"
        type_line "fg"
        check "fg: the view comes back" wait_for 'q quit ' 5
        keys q
        wait_for '^READY\$ *$' 5
        type_line "stty -g > stty.after-fg; echo FG-DONE"
        wait_for '^FG-DONE' 3
        check "fg, q: termios restored" cmp -s "$PP_TMP/stty.before" "$PP_TMP/stty.after-fg"
        check "fg, q: no trace of the view left" bash -c "! tmux -L $TMUX_SOCK capture-pane -p -t t | grep -q 'q quit '"
    else
        fail "Ctrl-Z stops top"
    fi
else
    fail "Ctrl-Z: top did not start"
fi

# --- SIGTERM (from elsewhere, by its pid) ------------------------------------------
type_line "clear; echo MARK-BEFORE-TERM; bash replay.sh | sh -c 'echo \$\$ > top.pid; exec \"\$0\" --top -I 0.2 2>top3.err' '$FMT'; echo \"TOPRC=\$?\"; stty -g > stty.after-t"
if wait_for 'records [0-9]+' 5 && [ -s "$PP_TMP/top.pid" ]; then
    kill -TERM "$(cat "$PP_TMP/top.pid")"
    if wait_for '^TOPRC=' 5; then
        screen >"$PP_TMP/after-t.screen"
        check "SIGTERM: the shell's screen is back" grep -q '^MARK-BEFORE-TERM' "$PP_TMP/after-t.screen"
        wait_for '^READY\$ *$' 3
        check "SIGTERM: termios restored" cmp -s "$PP_TMP/stty.before" "$PP_TMP/stty.after-t"
        check "SIGTERM: ends cleanly (status 0)" grep -q '^TOPRC=0' "$PP_TMP/after-t.screen"
    else
        fail "SIGTERM ends top"
    fi
else
    fail "SIGTERM: top did not start"
fi

# --- a filter, and records from a file rather than stdin ---------------------------
type_line "clear; '$FMT' --top -I 0.2 '!comm:nginx' type:sock '$DATA' 2>top5.err; echo \"TOPRC=\$?\""
if wait_for 'records 26 .*input ended' 10; then
    screen >"$PP_TMP/filter.screen"
    check "top with a filter: matching processes shown" grep -qE '^[ >]curl ' "$PP_TMP/filter.screen"
    check "top with a filter: the excluded process is not" bash -c "! grep -q nginx '$PP_TMP/filter.screen'"
    check "top with a filter: counts what was read" grep -q 'records 26 ' "$PP_TMP/filter.screen"
    keys Tab
    wait_for '^CONNECTIONS' 5
    screen >"$PP_TMP/filter-conns.screen"
    check "top with a filter: only sockets' connections listed" bash -c "! grep -qE 'NXDOMAIN|NOERROR' '$PP_TMP/filter-conns.screen'"
    keys q
    wait_for '^TOPRC=0' 5
    check "top from a file: q ends it with status 0" grep -q '^TOPRC=0' <(screen)
else
    fail "top with a filter, from a file"
fi

# --- colours: on a terminal only, never with NO_COLOR ---------------------------------
# Each run ends with a marker line, so that the capture is of this run's
# screen, not of the previous one still showing the same rows.
type_line "clear; '$FMT' -t -c 3 '$DATA'; echo END-COLOR-RUN"
wait_for '^END-COLOR-RUN' 5
T capture-pane -e -p -t t >"$PP_TMP/color.screen"
check "table on a terminal: coloured header" grep -q $'\x1b\\[1mTIME' "$PP_TMP/color.screen"
type_line "clear; NO_COLOR=1 '$FMT' -t -c 3 '$DATA'; echo END-NOCOLOR-RUN"
wait_for '^END-NOCOLOR-RUN' 5
T capture-pane -e -p -t t >"$PP_TMP/nocolor.screen"
check "table with NO_COLOR: no colour" bash -c "! grep -q $'\x1b\\[1m' '$PP_TMP/nocolor.screen'"
