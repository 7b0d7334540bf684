#!/bin/bash
# pp-fmt --top's keys on a recorded stream, in a real terminal (tmux), at
# 80x24 and 200x60: views, grouping, sorting (order and marker), the live
# filter prompt, the detail pane, closed history, help, and layouts that
# never wrap or cut an IPv4 endpoint or a port.
source "$(dirname "$0")/../lib.sh"
source "$PP_ROOT/tests/tmux.sh"
pp_tmpdir
FMT=$PP_BIN/pp-fmt
DATA=$PP_ROOT/tests/data/conns.jsonl

tmux_start topkeys 80 24
snap() { screen >"$PP_TMP/$1.screen"; }
# fits FILE COLS: no line wider than COLS characters (UTF-8).
fits() { python3 -c 'import sys; sys.exit(any(len(l.rstrip("\n")) > int(sys.argv[2]) for l in open(sys.argv[1], encoding="utf-8")))' "$1" "$2"; }
S() { echo "$PP_TMP/$1.screen"; }
# Data rows of the table (after the header line), in order.
rows() { sed -n '4,$p' "$(S "$1")" | grep -E '^[ >][^ ]' | grep -v '^ *$'; }

type_line "'$FMT' --top -I 0.2 '$DATA' 2>top.err; echo \"TOPRC=\$?\""
wait_for 'records 26 .*input ended' 10 || { fail "top: did not read the file"; screen; exit 0; }
snap procs80
check "80x24: no line wider than the terminal" fits "$(S procs80)" 80
check "80x24: the key hints fit" grep -q '^q quit ? help Tab view g group s/S sort / filter Enter detail' "$(S procs80)"
check "80x24: all six programs" [ "$(rows procs80 | wc -l)" = 6 ]
check "80x24: selection marked without colours" grep -q '^>' "$(S procs80)"

# --- sorting: s moves the column, S reverses, the marker follows -------------
keys s; keys s
wait_for 'RX▼' 5; snap sort-rx
check "s: sort by the next column (RX), marked" grep -q 'RX▼' "$(S sort-rx)"
check "s: the old column is no longer marked" bash -c "! grep -q 'DOWN/s▼' '$(S sort-rx)'"
check "sort by RX: the biggest first (firefox-bin 3.3MiB)" bash -c "sed -n 4p '$(S sort-rx)' | grep -q '^.firefox-bin .*3\.3MiB'"
check "sort by RX: curl (103KiB) second" bash -c "sed -n 5p '$(S sort-rx)' | grep -q '^.curl '"
keys S
wait_for 'RX▲' 5; snap sort-rx-up
check "S: reversed, marked ▲" grep -q 'RX▲' "$(S sort-rx-up)"
check "S: firefox-bin now last" bash -c "rows() { sed -n '4,\$p' '$(S sort-rx-up)' | grep -E '^[ >][^ ]'; }; rows | tail -1 | grep -q firefox-bin"
keys S; keys s; keys s; keys s; keys s
wait_for 'PROGRAM▼' 5; snap sort-name
check "s cycles back through every column to the name" grep -q 'PROGRAM▼' "$(S sort-name)"

# --- grouping --------------------------------------------------------------------
keys g
wait_for 'PROCESSES by pid' 5; snap by-pid
check "g: by pid" grep -qE '^.4242 curl ' "$(S by-pid)"
keys g
wait_for 'PROCESSES by container' 5; snap by-container
check "g: by container (id prefix, the rest on the host)" bash -c "grep -q '3f4e5d6c7b8a' '$(S by-container)' && grep -q '(host)' '$(S by-container)'"
keys g
wait_for 'PROCESSES by user' 5; snap by-user
check "g: by user" grep -qE '^.(uid 1000|[a-z_][a-z0-9_-]*) ' "$(S by-user)"
keys g
wait_for 'PROCESSES by destination' 5; snap by-dest
check "g: by destination (server names where known)" grep -qE '^.(www\.cloudflare\.com|example\.com|github\.com) ' "$(S by-dest)"
keys g
wait_for 'PROCESSES by program' 5

# --- Enter on a process: its connections ---------------------------------------------
keys Home
for i in 1 2 3 4 5 6; do
    screen | grep -q '^>curl ' && break
    keys Down; sleep 0.3
done
keys Enter
wait_for 'CONNECTIONS of program curl' 5; snap curl-conns
check "Enter on a process: its connections only" bash -c "[ \$(sed -n '4,\$p' '$(S curl-conns)' | grep -cE '^[ >][a-z]') = 2 ] && ! sed -n '4,\$p' '$(S curl-conns)' | grep -E '^[ >][a-z]' | grep -qv 'curl\['"
keys Escape
wait_for 'PROCESSES by program' 5 && pass "Esc: back to the processes" || fail "Esc: back to the processes"

# --- the connection view at 80 columns ----------------------------------------------
keys Tab
wait_for '^CONNECTIONS \(11\)' 5; snap conns80
check "Tab: the connection view" grep -q '^CONNECTIONS (11)' "$(S conns80)"
check "80x24 connections: no line wider than the terminal" fits "$(S conns80)" 80
check "80x24 connections: IPv4 endpoints whole" grep -q ' 93\.184\.216\.34:443 ' "$(S conns80)"
check "80x24 connections: IPv6 endpoints keep their port" grep -qE '\[2606:4700:[^ ]*:443 ' "$(S conns80)"
check "80x24 connections: states" bash -c "grep -q ' ESTAB ' '$(S conns80)' && grep -q ' LISTEN ' '$(S conns80)' && grep -q ' NXDOMAIN ' '$(S conns80)'"
check "80x24 connections: DPI (SSH banner, DNS name)" bash -c "grep -q 'SSH OpenSSH' '$(S conns80)' && grep -q 'DNS ' '$(S conns80)'"
check "80x24 connections: the process of each" grep -q 'sshd\[640\]' "$(S conns80)"

# --- the filter prompt, applied while typing ---------------------------------------
keys /
T send-keys -t t -l 'port:ht'
wait_for '^/port:ht +\[column' 5; snap filter-bad
check "filter prompt: a half-typed term says what is wrong" grep -q "^/port:ht .*not a port" "$(S filter-bad)"
T send-keys -t t -l 'tps'
wait_for '^CONNECTIONS \(3\)' 5; snap filter-live
check "filter prompt: applied as it is typed (3 connections to https)" grep -q '^CONNECTIONS (3)' "$(S filter-live)"
check "filter prompt: only port 443" bash -c "! sed -n '4,\$p' '$(S filter-live)' | grep -E '^[ >][a-z]' | grep -v ':443 '"
keys Down
sleep 0.5
check "filter prompt: Down moves the selection while typing" bash -c "tmux -u -L $TMUX_SOCK capture-pane -p -t t | sed -n 5p | grep -q '^>'"
keys Enter
wait_for 'filter: port:https' 5 && pass "Enter keeps the filter (shown in the title)" || fail "Enter keeps the filter"
keys Tab
wait_for 'PROCESSES by program \(2\)' 5 && pass "the filter applies to the process view too" || fail "the filter applies to the process view too"
keys Tab
keys /; keys C-u
T send-keys -t t -l 'sni:example.com dport:443 state:CLOSE'
keys Enter
wait_for '^CONNECTIONS \(1\)' 5; snap filter-sni
check "filter: sni: and state: together" bash -c "grep -q 'TLS example.co' '$(S filter-sni)' && grep -q '^CONNECTIONS (1)' '$(S filter-sni)'"

# --- the detail pane ------------------------------------------------------------------
keys Enter
wait_for 'DETAIL' 5; snap detail
check "detail: the connection" grep -q 'connection  *tcp 10.0.0.2:51514 -> 93.184.216.34:443 (outgoing)' "$(S detail)"
check "detail: the process" grep -q 'process  *curl\[4242\]' "$(S detail)"
check "detail: the state history" grep -q 'history SYN-SENT>CLOSE' "$(S detail)"
check "detail: bytes" grep -qE 'bytes  *rx 102KiB  tx 2\.3KiB' "$(S detail)"
keys PageDown
sleep 0.5; snap detail2
check "detail: PgDn shows the rest" bash -c "! grep -q 'connection  *tcp' '$(S detail2)'"
check "detail: JA4" grep -q 'ja4  *t13d1516h2_8daaf6152771_02713d6af862' "$(S detail2)"
check "detail: Community ID" grep -q 'community_id  *1:LQU9qZlK+B5F3KDmev6m5PMibrg=' "$(S detail)"
check "detail: the exe" grep -q 'exe  */usr/bin/curl' "$(S detail2)"
keys Escape
wait_for '^ PROTO' 5 && pass "Esc: back from the detail" || fail "Esc: back from the detail"
keys /; keys C-u; keys Enter
wait_for '^CONNECTIONS \(11\)' 5 && pass "an empty filter shows everything again" || fail "an empty filter shows everything again"

# --- closed history --------------------------------------------------------------------
keys x
wait_for 'closed hidden' 5; snap no-closed
check "x: closed connections hidden" bash -c "! sed -n '4,\$p' '$(S no-closed)' | grep -q ' CLOSE '"
check "x: open ones stay" grep -q ' ESTAB ' "$(S no-closed)"
keys x
wait_for '^CONNECTIONS \(11\)' 5

# --- help ---------------------------------------------------------------------------------
keys '?'
wait_for '^ KEYS' 5; snap help
check "?: help with the keys" bash -c "grep -q 'g  *group processes by program' '$(S help)' && grep -q 's / S' '$(S help)'"
keys Space
wait_for '^ PROTO' 5 && pass "any key closes the help" || fail "any key closes the help"

T capture-pane -e -p -t t >"$PP_TMP/attrs.screen"
check "colours on a terminal: the selection in reverse video" grep -q $'\x1b\[7m' "$PP_TMP/attrs.screen"
keys q
wait_for '^TOPRC=0' 5 && pass "q: status 0" || fail "q: status 0"
check "no sanitizer report" san_clean "$PP_TMP/top.err"

# --- 200x60: the wide layout -----------------------------------------------------------
T resize-window -t t -x 200 -y 60 2>/dev/null || T kill-server
type_line "clear; '$FMT' --top -I 0.2 '$DATA' 2>top2.err; echo \"TOPRC=\$?\""
wait_for 'records 26 .*input ended' 10; snap procs200
check "200x60: every process column" grep -qE '^ PROGRAM +PROCS +CONNS +OPEN +LISTEN +DOWN/s▼ +UP/s +RX +TX +IDLE +LAST DESTINATION' "$(S procs200)"
check "200x60: names not cut" grep -q '^.systemd-resolve ' "$(S procs200)"
keys Tab
wait_for '^CONNECTIONS' 5; snap conns200
check "200x60: every connection column" grep -qE '^ PROTO +LOCAL +REMOTE +STATE +SERVICE +DPI +DOWN/s▼ +UP/s +RX +TX +PROCESS +IDLE' "$(S conns200)"
check "200x60: IPv6 endpoints whole" grep -q '\[2606:4700::6810:85e5\]:443' "$(S conns200)"
check "200x60: no line wider than the terminal" fits "$(S conns200)" 200
keys q
wait_for '^TOPRC=0' 5
check "200x60: no sanitizer report" san_clean "$PP_TMP/top2.err"

# --- 30 curl runs are one program with 30 processes ------------------------------------
for i in $(seq 30); do
    echo "{\"type\":\"sock\",\"ts\":1763884800.$i,\"event\":\"connect\",\"dir\":\"out\",\"proto\":\"tcp\",\"src\":\"10.0.0.2\",\"sport\":$((40000 + i)),\"dst\":\"93.184.216.34\",\"dport\":443,\"pid\":$((7000 + i)),\"comm\":\"curl\"}"
    echo "{\"type\":\"sock\",\"ts\":1763884801.$i,\"event\":\"close\",\"dir\":\"out\",\"proto\":\"tcp\",\"src\":\"10.0.0.2\",\"sport\":$((40000 + i)),\"dst\":\"93.184.216.34\",\"dport\":443,\"state\":\"CLOSE\",\"tx_bytes\":100,\"rx_bytes\":1000,\"pid\":$((7000 + i)),\"comm\":\"curl\"}"
done >"$PP_TMP/curls.jsonl"
type_line "clear; '$FMT' --top -I 0.2 curls.jsonl 2>top3.err; echo \"TOPRC=\$?\""
wait_for 'records 60 .*input ended' 10; snap curls
check "30 curl runs: one row, 30 processes, 30 connections, bytes summed" grep -qE '^.curl +30 +30 +0 +0 +0B +0B +29KiB +2\.9KiB ' "$(S curls)"
check "30 curl runs: nothing else" bash -c "[ \$(sed -n '4,\$p' '$(S curls)' | grep -cE '^[ >][a-z]') = 1 ]"
keys g
wait_for 'PROCESSES by pid \(30\)' 5 && pass "g: 30 curl runs as 30 pids" || fail "g: 30 curl runs as 30 pids"
keys q
wait_for '^TOPRC=0' 5
