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

if ! have tmux; then
    skip "top in tmux: tmux not installed"
    exit 0
fi

SOCK=pp-top-$$
T() { tmux -L "$SOCK" "$@"; }
pp_on_exit "tmux -L $SOCK kill-server"
T new-session -d -s top -x 140 -y 45 "env -i PATH=$PATH HOME=$PP_TMP TERM=xterm-256color ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} ${UBSAN_OPTIONS:+UBSAN_OPTIONS=$UBSAN_OPTIONS} bash --norc --noprofile" || {
    fail "top in tmux: tmux could not start a session"; exit 0; }

screen() { T capture-pane -p -t top; }
# wait_for PATTERN [SECONDS]: until the screen matches (grep -E).
wait_for() {
    local i
    for ((i = 0; i < ${2:-10} * 10; i++)); do
        screen | grep -qE -- "$1" && return 0
        sleep 0.1
    done
    return 1
}
type_line() { T send-keys -t top -l "$1"; T send-keys -t top Enter; }

type_line "PS1='READY\$ '; cd '$PP_TMP'"
wait_for '^READY\$' 5 || { fail "top in tmux: shell prompt never came"; exit 0; }
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
    check "top shows process $p" grep -qE "^ +[0-9]+ $p " "$PP_TMP/full.screen"
done
# firefox: 2200 + 3500000 bytes from its close record.
check "top: bytes per process from close records" grep -qE '^ +3100 firefox-bin +2 +[01] +0 +2\.1KiB +3\.3MiB' "$PP_TMP/full.screen"
# curl: the flow's running totals (1800/52000, then 2400/104000) and the
# socket's close (517/101400) describe one connection: counted once.
check "top: flow updates counted once per connection" grep -qE '^ +4242 curl +2 +0 +0 +2\.4KiB +103KiB' "$PP_TMP/full.screen"
check "top shows the newest events" grep -q 'NEWEST EVENTS' "$PP_TMP/full.screen"
check "top: newest event first" bash -c "grep -A1 'NEWEST EVENTS' '$PP_TMP/full.screen' | tail -1 | grep -q 'close .*curl\[4242\]'"
check "top: service names" grep -q '93.184.216.34:https' "$PP_TMP/full.screen"
T send-keys -t top q
if wait_for '^TOPRC=' 5; then
    screen >"$PP_TMP/after-q.screen"
    check "q: exit status 0" grep -q '^TOPRC=0' "$PP_TMP/after-q.screen"
    check "q: the shell's screen is back" grep -q '^MARK-BEFORE-TOP' "$PP_TMP/after-q.screen"
    check "q: no trace of the view left" bash -c "! grep -q 'NEWEST EVENTS' '$PP_TMP/after-q.screen'"
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
    T send-keys -t top C-c
    if wait_for '^READY\$ *$' 5; then
        type_line "stty -g > stty.after-c; echo CTRLC-DONE"
        wait_for '^CTRLC-DONE' 3
        screen >"$PP_TMP/after-c.screen"
        check "Ctrl-C: the shell's screen is back" grep -q '^MARK-BEFORE-CTRLC' "$PP_TMP/after-c.screen"
        check "Ctrl-C: no trace of the view left" bash -c "! grep -q 'q quits' '$PP_TMP/after-c.screen'"
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
    T send-keys -t top C-z
    if wait_for '^READY\$ *$' 5; then
        type_line "stty -g > stty.after-z; echo TSTP-DONE"
        wait_for '^TSTP-DONE' 3
        screen >"$PP_TMP/after-z.screen"
        check "Ctrl-Z: the shell's screen is back" grep -q '^MARK-BEFORE-TSTP' "$PP_TMP/after-z.screen"
        check "Ctrl-Z: termios restored while stopped" cmp -s "$PP_TMP/stty.before" "$PP_TMP/stty.after-z"
        type_line "fg"
        check "fg: the view comes back" wait_for 'q quits' 5
        T send-keys -t top q
        wait_for '^READY\$ *$' 5
        type_line "stty -g > stty.after-fg; echo FG-DONE"
        wait_for '^FG-DONE' 3
        check "fg, q: termios restored" cmp -s "$PP_TMP/stty.before" "$PP_TMP/stty.after-fg"
        check "fg, q: no trace of the view left" bash -c "! tmux -L $SOCK capture-pane -p -t top | grep -q 'q quits'"
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
    check "top with a filter: matching processes shown" grep -qE '^ +4242 curl ' "$PP_TMP/filter.screen"
    check "top with a filter: the excluded process is not" bash -c "! grep -q nginx '$PP_TMP/filter.screen'"
    check "top with a filter: only sock events listed" bash -c "sed -n '/NEWEST EVENTS/,\$p' '$PP_TMP/filter.screen' | grep -E '^[0-9]' | awk '{print \$2}' | sort -u | grep -qx sock && ! sed -n '/NEWEST EVENTS/,\$p' '$PP_TMP/filter.screen' | grep -E '^[0-9]' | awk '{print \$2}' | grep -qvx sock"
    check "top with a filter: counts read and shown" grep -q 'records 26  shown 11 ' "$PP_TMP/filter.screen"
    T send-keys -t top q
    wait_for '^TOPRC=0' 5
    check "top from a file: q ends it with status 0" grep -q '^TOPRC=0' <(screen)
else
    fail "top with a filter, from a file"
fi

# --- colours: on a terminal only, never with NO_COLOR ---------------------------------
# Each run ends with a marker line, so that the capture is of this run's
# screen, not of the previous one still showing the same rows.
type_line "clear; '$FMT' -t -n 3 '$DATA'; echo END-COLOR-RUN"
wait_for '^END-COLOR-RUN' 5
T capture-pane -e -p -t top >"$PP_TMP/color.screen"
check "table on a terminal: coloured header" grep -q $'\x1b\\[1mTIME' "$PP_TMP/color.screen"
type_line "clear; NO_COLOR=1 '$FMT' -t -n 3 '$DATA'; echo END-NOCOLOR-RUN"
wait_for '^END-NOCOLOR-RUN' 5
T capture-pane -e -p -t top >"$PP_TMP/nocolor.screen"
check "table with NO_COLOR: no colour" bash -c "! grep -q $'\x1b\\[1m' '$PP_TMP/nocolor.screen'"
