#!/bin/bash
# --table on a stream never jumps: batches that need wider columns come
# under a new header with the new widths; IPv6 endpoints keep their port
# (cut in the middle when too long); records not from today carry their
# date, and --date puts it on every row; pp-join --conn rows say state,
# bytes, duration and application.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
FMT=$PP_BIN/pp-fmt JOIN=$PP_BIN/pp-join
now=$(date +%s)

# A live stream: one record, then (after it is out) a wider one.
mkfifo "$PP_TMP/fifo"
"$FMT" -t <"$PP_TMP/fifo" >"$PP_TMP/stream.out" 2>"$PP_TMP/stream.err" &
fmt_pid=$!
exec 7>"$PP_TMP/fifo"
echo "{\"type\":\"sock\",\"ts\":$now,\"event\":\"connect\",\"proto\":\"tcp\",\"src\":\"10.0.0.1\",\"sport\":4000,\"dst\":\"10.0.0.2\",\"dport\":443,\"pid\":1,\"comm\":\"a\"}" >&7
for _ in $(seq 50); do grep -q 10.0.0.1 "$PP_TMP/stream.out" && break; sleep 0.1; done
echo "{\"type\":\"sock\",\"ts\":$now,\"event\":\"connect\",\"proto\":\"tcp\",\"src\":\"2001:db8:1111:2222:3333:4444:5555:6666\",\"sport\":40000,\"dst\":\"2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff\",\"dport\":65000,\"pid\":2,\"comm\":\"b\"}" >&7
for _ in $(seq 50); do grep -q 2001 "$PP_TMP/stream.out" && break; sleep 0.1; done
echo "{\"type\":\"sock\",\"ts\":$now,\"event\":\"close\",\"proto\":\"tcp\",\"src\":\"10.0.0.1\",\"sport\":4000,\"dst\":\"10.0.0.2\",\"dport\":443,\"pid\":1,\"comm\":\"a\"}" >&7
exec 7>&-
wait $fmt_pid
check "stream: a new header before the wider rows" [ "$(grep -c '^TIME ' "$PP_TMP/stream.out")" = 2 ]
check "stream: the second header comes right before the IPv6 row" bash -c "grep -B1 '2001:db8' '$PP_TMP/stream.out' | head -1 | grep -q '^TIME '"
# Every row under a header has its columns where that header has them.
aligned() {
    python3 - "$PP_TMP/stream.out" <<'PY'
import sys
hdr = None
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    if line.startswith("TIME "):
        hdr = [line.index(t) for t in ("TYPE", "EVENT", "PROTO", "SOURCE", "DESTINATION", "PID")]
        continue
    for at in hdr:
        if at > 0 and (line[at - 1] != " " or line[at] == " "):
            sys.exit("misaligned: %r" % line)
PY
}
check "stream: every row aligned with the header above it" aligned
check "stream: IPv6 endpoints whole, with their port" bash -c "grep -qF '[2001:db8:1111:2222:3333:4444:5555:6666]:40000 ' '$PP_TMP/stream.out' && grep -qF '[2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff]:65000 ' '$PP_TMP/stream.out'"
check "an endpoint too long for its column is cut in the middle, its port kept" bash -c "echo '{\"type\":\"sock\",\"proto\":\"tcp\",\"dst\":\"2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff\",\"dport\":5432}' | '$FMT' -t -f destination,pid | grep -q '^\[2001:db8:aaaa:bbbb:cccc:dddd:eeee:…:postgresql$'"
check "stream: a short IPv6 endpoint is whole" bash -c "echo '{\"type\":\"sock\",\"src\":\"2001:db8::1\",\"sport\":22}' | '$FMT' -t -f source | grep -qx '\[2001:db8::1\]:ssh'"
check "stream: today's records show the time of day only" bash -c "sed -n 2p '$PP_TMP/stream.out' | grep -qE '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} '"

# Dates: not from today -> the date; --date -> always.
old='{"type":"sock","ts":1700000000.5,"event":"close","src":"10.0.0.1"}'
today="{\"type\":\"sock\",\"ts\":$now,\"event\":\"close\",\"src\":\"10.0.0.1\"}"
check "a record from another day shows its date" bash -c "echo '$old' | '$FMT' -t -f time,event | grep -q '^2023-11-14 22:13:20.500 '"
check "--date: today's records too" bash -c "echo '$today' | '$FMT' -t --date -f time,event | grep -qE '^$(date -u +%Y-%m-%d) [0-9:.]{12} '"
check "without --date: today's record without it" bash -c "echo '$today' | '$FMT' -t -f time,event | sed -n 2p | grep -qE '^[0-9]{2}:'"

# pp-join --conn rows.
"$JOIN" --conn "$PP_ROOT/tests/data/join/trace.jsonl" "$PP_ROOT/tests/data/join/sniff.jsonl" 2>/dev/null |
    "$FMT" -t --utc >"$PP_TMP/conn.out"
check "conn rows: state, bytes, duration, application" grep -qE ' curl +closed tx=517B rx=5\.0KiB dur=1\.5s app=tls sni=www\.example\.org' "$PP_TMP/conn.out"
check "conn rows: wire counts when no socket was seen" grep -q 'closed bytes=700B rbytes=2.9KiB dur=300ms app=tls sni=untraced.example' "$PP_TMP/conn.out"
check "no sanitizer report" san_clean "$PP_TMP/stream.err"
