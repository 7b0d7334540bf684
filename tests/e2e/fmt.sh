#!/bin/bash
# pp-fmt end to end: CSV read back by a real CSV parser, garbage handling,
# a closed stdout, failing writes, and streaming per batch.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
FMT=$PP_BIN/pp-fmt
DATA=$PP_ROOT/tests/data

# CSV loads in Python's csv module with the right fields per row.
"$FMT" --csv -f ts,type,comm,alpn,answers "$DATA/sample.jsonl" >"$PP_TMP/out.csv"
if python3 - "$PP_TMP/out.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
assert len(rows) == 5, rows
assert rows[0]['comm'] == 'curl' and rows[0]['type'] == 'sock'
assert rows[1]['answers'] == '93.184.216.34'
assert rows[2]['alpn'] == 'h2;http/1.1'
assert rows[4]['comm'] == 'sshd "quoted"\nnewline', repr(rows[4]['comm'])
PY
then pass "csv parses with python csv"; else fail "csv parses with python csv"; fi

# Every --json line is valid JSON to jq, also for hostile input.
head -c 200000 /dev/urandom >"$PP_TMP/random"
{ cat "$DATA/sample.jsonl"; cat "$PP_TMP/random"; echo; cat "$DATA/sample.jsonl"; } >"$PP_TMP/mixed"
"$FMT" --json "$PP_TMP/mixed" >"$PP_TMP/mixed.out" 2>"$PP_TMP/mixed.err"; rc=$?
check "garbage: exit status 1" [ $rc = 1 ]
check "garbage: good lines still come out" [ "$(wc -l <"$PP_TMP/mixed.out")" = 10 ]
jq_valid() { jq -e . "$1" >/dev/null 2>&1; }
check "garbage: output is valid JSON" jq_valid "$PP_TMP/mixed.out"
check "garbage: numbered errors" grep -qE '^pp-fmt: [^:]+:[0-9]+: ' "$PP_TMP/mixed.err"
check "garbage: count at exit" grep -qE '^pp-fmt: [0-9]+ malformed lines? skipped' "$PP_TMP/mixed.err"
check "garbage: no sanitizer report" san_clean "$PP_TMP/mixed.err"

# A 2 MiB line is an error for that line only.
{ echo '{"type":"a","ts":1}'; printf '{"x":"%s"}\n' "$(head -c 2097152 /dev/zero | tr '\0' x)"; echo '{"type":"b","ts":2}'; } >"$PP_TMP/long"
"$FMT" -j -f type "$PP_TMP/long" >"$PP_TMP/long.out" 2>"$PP_TMP/long.err"
check "long line: neighbours kept" [ "$(cat "$PP_TMP/long.out" | tr -d '\n')" = '{"type":"a"}{"type":"b"}' ]
check "long line: reported with its number" grep -q ':2: line longer than' "$PP_TMP/long.err"

# | head ends it quietly with status 0.
yes "$(head -1 "$DATA/sample.jsonl")" | head -n 200000 >"$PP_TMP/many"
"$FMT" --csv "$PP_TMP/many" 2>"$PP_TMP/head.err" | head -n 2 >/dev/null
rc=${PIPESTATUS[0]}
check "closed stdout: status 0" [ "$rc" = 0 ]
check "closed stdout: no message" [ ! -s "$PP_TMP/head.err" ]

# A write that fails for real (ENOSPC) is reported, status 1.
if [ -w /dev/full ]; then
    "$FMT" --json "$PP_TMP/many" >/dev/full 2>"$PP_TMP/full.err"; rc=$?
    check "ENOSPC: status 1" [ "$rc" = 1 ]
    check "ENOSPC: reported" grep -q 'write error' "$PP_TMP/full.err"
else
    skip "ENOSPC: /dev/full not writable here"
fi

# Missing file: reported, others still processed, status 1.
"$FMT" -j -f type /nonexistent "$DATA/sample.jsonl" >"$PP_TMP/nf.out" 2>"$PP_TMP/nf.err"; rc=$?
check "missing file: status 1" [ $rc = 1 ]
check "missing file: named" grep -q '^pp-fmt: /nonexistent: No such file' "$PP_TMP/nf.err"
check "missing file: other file read" [ "$(wc -l <"$PP_TMP/nf.out")" = 5 ]

# Streams per batch: a record shows up before the input ends.
mkfifo "$PP_TMP/fifo"
"$FMT" -t -f type <"$PP_TMP/fifo" >"$PP_TMP/stream.out" &
fmt_pid=$!
exec 7>"$PP_TMP/fifo"
echo '{"type":"early","ts":1}' >&7
for _ in $(seq 50); do grep -q early "$PP_TMP/stream.out" && break; sleep 0.1; done
check "table streams per batch" grep -q early "$PP_TMP/stream.out"
exec 7>&-
wait $fmt_pid

# Usage errors: status 2.
"$FMT" --bogus </dev/null >/dev/null 2>&1
check "usage error: status 2" [ $? = 2 ]
version_ok() { "$FMT" --version | grep -q "^pp-fmt (PortPulse) "; }
check "--version" version_ok
