#!/bin/bash
# pp-join end to end: live mode (pipes, FIFOs, hold-back) against file mode,
# hostile input, closed and failing stdout, signals, bounded memory.
# The inputs are tests/data/join/*.jsonl (tests/data/join/gen.py); the
# golden tests check the joins themselves, line by line.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
JOIN=$PP_BIN/pp-join
D=$PP_ROOT/tests/data/join
T=$PP_TMP

# Live mode over a pipe that delivers everything at once gives what file
# mode gives: the hold-back sees every record before the first is due.
"$JOIN" -q "$D/mixed.jsonl" >"$T/file.out" 2>"$T/file.err"
cat "$D/mixed.jsonl" | "$JOIN" -q --delay 5 >"$T/pipe.out" 2>"$T/pipe.err"
check "pipe (live) = file mode" cmp -s "$T/file.out" "$T/pipe.out"
check "no sanitizer report" san_clean "$T/pipe.err"
cat "$D/mixed.jsonl" | "$JOIN" -q --conn --delay 5 | sort >"$T/pipe-conn.out"
"$JOIN" -q --conn "$D/mixed.jsonl" | sort >"$T/file-conn.out"
check "--conn: pipe = file mode" cmp -s "$T/file-conn.out" "$T/pipe-conn.out"

# The summary: only with -v (or on a terminal): not a mail per cron run.
"$JOIN" "$D/mixed.jsonl" >/dev/null 2>"$T/nov.err"
check "no summary on stderr without -v (not a terminal)" [ ! -s "$T/nov.err" ]
"$JOIN" -v "$D/mixed.jsonl" >/dev/null 2>"$T/v.err"
check "summary with -v" grep -q '^pp-join: [0-9]* records; ' "$T/v.err"
if have script; then
    script -qec "$JOIN $D/mixed.jsonl >/dev/null" /dev/null >"$T/tty.err" 2>&1 </dev/null
    check "summary when stderr is a terminal" grep -q 'pp-join: [0-9]* records; ' "$T/tty.err"
fi

# Both modes write every record in, in event-time order (records more than
# a second older than their file's latest come when read); two files are
# merged by time; records pp-join does not know are unchanged.
check "every record out, once" \
    cmp -s <(jq -c '[.type,.ts]' "$D/mixed.jsonl" | sort) <(jq -c '[.type,.ts]' "$T/file.out" | sort)
"$JOIN" -q "$D/trace.jsonl" "$D/sniff.jsonl" >"$T/two.out"
check "two files: all records" [ "$(wc -l <"$T/two.out")" = "$(cat "$D/trace.jsonl" "$D/sniff.jsonl" | wc -l)" ]
check "unknown type passes unchanged" grep -qxF "$(grep '"type":"stats"' "$D/sniff.jsonl")" "$T/two.out"
jq_valid() { jq -e . "$1" >/dev/null 2>&1; }
check "every output line is valid JSON" jq_valid "$T/two.out"
# Enrichment only adds keys: each output record minus the added keys is
# its input record.
strip='del(.pid,.ppid,.uid,.comm,.exe,.cmdline,.cgroup,.container,.netns,.sni,.http_host,.alpn,.dst_name,.dst_cnames,.resp_pid,.resp_ppid,.resp_uid,.resp_comm,.resp_exe,.resp_cmdline,.resp_cgroup,.resp_container,.resp_netns)'
check "only adds keys" cmp -s <(jq -cS "$strip" "$D/mixed.jsonl" | sort) <(jq -cS "$strip" "$T/file.out" | sort)
# ... and never replaces one: a record that had pid keeps it.
check "keeps keys it has" grep -q '"host":"x.example","path":"/","pid":1,"comm":"given"}$' "$T/file.out"

# The joins that matter, read back with jq.
q() { jq -c "$1" "$T/file.out"; }
check "tls ClientHello gets curl's pid" [ "$(q 'select(.type=="tls" and .sni=="www.example.org" and .sport==51514)|.pid')" = 4242 ]
check "DNS query gets its UDP socket's pid" [ "$(q 'select(.type=="dns" and .msg=="query" and .sport==40000)|.pid' | sort -u)" = 4242 ]
check "sock gets dst_name via CNAMEs" [ "$(q 'select(.type=="sock" and .sport==51514)|.dst_name' | sort -u)" = '"www.example.org"' ]
check "reused 5-tuple: each its own pid" [ "$(q 'select(.type=="http" and .sport==45000 and .host!="x.example")|[.host,.pid]' | tr -d '\n')" = '["old.example",6001]["new.example",6002]["third.example",null]' ]
check "NAT sighting gets no pid" [ "$(q 'select(.sport==61000)|.pid' | sort -u)" = null ]
check "netns clash gets no pid" [ "$(q 'select(.type=="dns" and .sport==40100)|.pid')" = null ]
check "lo: originator's pid" [ "$(q 'select(.type=="tls" and .sport==33000)|.pid' | sort -u)" = 7001 ]

# Hold-back: over FIFOs, a ClientHello that arrives before its socket's
# connect record gets the pid when --delay leaves time, not with 0.
mkfifo "$T/trace" "$T/sniff"
hold_case() {   # delay -> pid of the tls record, or null
    "$JOIN" -q --delay "$1" "$T/trace" "$T/sniff" >"$T/hold.out" 2>"$T/hold.err" &
    local pid=$!
    exec 7>"$T/sniff" 8>"$T/trace"
    grep '"type":"tls"' "$D/sniff.jsonl" | grep -m1 '"sport":51514' >&7
    sleep 0.3
    grep '"sport":51514' "$D/trace.jsonl" | head -1 >&8
    exec 7>&- 8>&-
    wait $pid
    jq -c 'select(.type=="tls")|.pid' "$T/hold.out"
}
# Event time: when a record arrives does not matter, only its time stamp.
check "--delay 3: late socket still matches" [ "$(hold_case 3)" = 4242 ]
check "--delay 0: a socket arriving later still matches" [ "$(hold_case 0)" = 4242 ]

# Live output streams: a record shows up before the input ends.
mkfifo "$T/live"
"$JOIN" -q --delay 0.1 "$T/live" >"$T/live.out" &
jpid=$!
exec 7>"$T/live"
echo '{"type":"early","ts":1}' >&7
for _ in $(seq 50); do grep -q early "$T/live.out" && break; sleep 0.1; done
check "streams per batch" grep -q early "$T/live.out"
# SIGTERM: what is held back is written, then a clean exit.
echo '{"type":"held","ts":2}' >&7
kill -TERM $jpid
wait $jpid; rc=$?
exec 7>&-
check "SIGTERM: status 0" [ $rc = 0 ]
check "SIGTERM: held records written" grep -q held "$T/live.out"
# SIGINT right after a burst: every line written before it comes out (the
# reader thread drains what is there, ahead.c), none twice.
mkfifo "$T/burst"
"$JOIN" -q "$T/burst" >"$T/burst.out" 2>"$T/burst.err" &
jpid=$!
exec 7>"$T/burst"
seq 1 3000 | sed 's/.*/{"type":"burst","ts":&}/' >&7
kill -INT $jpid
wait $jpid; rc=$?
exec 7>&-
check "SIGINT after a burst: status 0, all 3000 lines out once" \
    eval '[ $rc = 0 ] && [ "$(grep -c burst "$T/burst.out")" = 3000 ] && [ "$(sort -u "$T/burst.out" | wc -l)" = 3000 ]'

# Both modes keep closed sockets six minutes (of record time) after they
# closed, so that what pp-sniff writes when an idle flow times out (after
# five) still finds its socket; older than that, neither matches.
cat >"$T/expire.jsonl" <<'EOF2'
{"type":"sock","ts":1000.0,"event":"connect","dir":"out","proto":"tcp","src":"10.0.0.2","sport":40000,"dst":"10.0.0.9","dport":443,"pid":77}
{"type":"sock","ts":1001.0,"event":"close","dir":"out","proto":"tcp","src":"10.0.0.2","sport":40000,"dst":"10.0.0.9","dport":443,"pid":77}
{"type":"flow","ts":1300.0,"event":"start","proto":"tcp","src":"10.0.0.2","sport":40001,"dst":"10.0.0.9","dport":443}
{"type":"tls","ts":1000.5,"msg":"client_hello","proto":"tcp","src":"10.0.0.2","sport":40000,"dst":"10.0.0.9","dport":443,"sni":"late.example"}
EOF2
late_pid() { jq -c 'select(.type=="tls")|.pid'; }
check "file mode keeps closed sockets" [ "$("$JOIN" -q "$T/expire.jsonl" | late_pid)" = 77 ]
check "live mode too" [ "$(cat "$T/expire.jsonl" | "$JOIN" -q --delay 0.1 | late_pid)" = 77 ]
# (event time has to be past on every source, the sock records' too: a
# record more than a second older than its source's latest comes when read)
{ sed -n 1,2p "$T/expire.jsonl"
  echo '{"type":"flow","ts":1400.0,"event":"start","proto":"tcp","src":"10.0.0.2","sport":40001,"dst":"10.0.0.9","dport":443}'
  echo '{"type":"sock","ts":1402.0,"event":"connect","dir":"out","proto":"tcp","src":"10.0.0.2","sport":40009,"dst":"10.0.0.9","dport":443,"pid":78}'
  echo '{"type":"flow","ts":1402.0,"event":"start","proto":"tcp","src":"10.0.0.2","sport":40009,"dst":"10.0.0.9","dport":443}'
  sed -n 4p "$T/expire.jsonl"; } >"$T/expire2.jsonl"
check "both forget them after 6 min" [ "$("$JOIN" -q "$T/expire2.jsonl" | late_pid)$(cat "$T/expire2.jsonl" | "$JOIN" -q | late_pid)" = nullnull ]

# Garbage: random bytes between good records: reported by line, skipped,
# status 1; the good records come through, valid JSON.
head -c 100000 /dev/urandom >"$T/random"
{ cat "$D/mixed.jsonl"; cat "$T/random"; echo; cat "$D/mixed.jsonl"; } >"$T/hostile"
"$JOIN" -q "$T/hostile" >"$T/hostile.out" 2>"$T/hostile.err"; rc=$?
check "garbage: status 1" [ $rc = 1 ]
check "garbage: good records kept" [ "$(grep -c '"type":"sock"' "$T/hostile.out")" = $((2 * $(grep -c '"type":"sock"' "$D/mixed.jsonl"))) ]
check "garbage: valid JSON out" jq_valid "$T/hostile.out"
check "garbage: numbered errors" grep -qE '^pp-join: [^:]+:[0-9]+: ' "$T/hostile.err"
check "garbage: no sanitizer report" san_clean "$T/hostile.err"
cat "$T/hostile" | "$JOIN" -q >"$T/hostile2.out" 2>"$T/hostile2.err"; rc=$?
check "garbage (live): status 1" [ $rc = 1 ]
# (records that came after their place in time order, the second copy,
# come out where they are decided: compared as sets)
check "garbage (live): same records" cmp -s <(sort "$T/hostile.out") <(sort "$T/hostile2.out")
# However the pipe hands it over: all 132 KB in one read (a pipe made
# large enough first), or 4 KB at a time with pauses. The second copy comes
# after its place in time; a socket's records taken in twice change nothing.
feed() { # feed CHUNK PAUSE FILE -- CMD...: FILE into CMD's stdin, CHUNK bytes a write
    python3 - "$@" <<'PY'
import fcntl, os, subprocess, sys, time
chunk, pause, path, cmd = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[5:]
data = open(path, 'rb').read()
r, w = os.pipe()
if chunk >= len(data):
    fcntl.fcntl(w, 1031, 1 << 20)  # F_SETPIPE_SZ: the whole input fits, one read
p = subprocess.Popen(cmd, stdin=r, stdout=sys.stdout, stderr=sys.stderr)
os.close(r)
for i in range(0, len(data), chunk):
    os.write(w, data[i:i + chunk])
    time.sleep(pause)
os.close(w)
sys.exit(p.wait())
PY
}
feed 1000000 0 "$T/hostile" -- "$JOIN" -q >"$T/hostile3.out" 2>"$T/hostile3.err"
check "garbage, one read: same records as file mode" cmp -s <(sort "$T/hostile.out") <(sort "$T/hostile3.out")
check "garbage, one read: replayed sockets keep their names" \
    [ "$(grep -c '"type":"sock".*"sni"' "$T/hostile3.out")" = $((2 * $(grep -c '"type":"sock".*"sni"' "$T/file.out"))) ]
feed 4096 0.01 "$T/hostile" -- "$JOIN" -q >"$T/hostile4.out" 2>"$T/hostile4.err"
check "garbage, 4 KB reads: same records as file mode" cmp -s <(sort "$T/hostile.out") <(sort "$T/hostile4.out")
check "garbage, one read: no sanitizer report" san_clean "$T/hostile3.err"
check "garbage, 4 KB reads: no sanitizer report" san_clean "$T/hostile4.err"

# An input that cannot be read (a directory: EISDIR from the reader
# thread): named with the system's reason, status 1, the other input's
# records all out.
mkdir -p "$T/notafile"
"$JOIN" -q "$T/notafile" "$D/mixed.jsonl" >"$T/dir.out" 2>"$T/dir.err"; rc=$?
check "unreadable input: status 1, its reason, the other's records out" \
    eval '[ $rc = 1 ] && grep -q "^pp-join: $T/notafile: read error: Is a directory" "$T/dir.err" &&
          [ "$(grep -c . "$T/dir.out")" = "$(grep -c . "$D/mixed.jsonl")" ]'

# Read ahead (file mode parses on a second core, ahead.c): what comes out,
# messages and their line numbers included, is what one CPU gives (no
# thread) and what live mode gives, over many batches, with a line too long
# among them.
{ for _ in 1 2 3 4 5 6; do cat "$T/hostile"; done
  head -c 1100000 /dev/zero | tr '\0' x; echo; cat "$D/mixed.jsonl"; } >"$T/ahead"
long=$(( $(wc -l <"$T/ahead") - $(wc -l <"$D/mixed.jsonl") ))
"$JOIN" -q "$T/ahead" >"$T/ahead.out" 2>"$T/ahead.err"; rc=$?
taskset -c 0 "$JOIN" -q "$T/ahead" >"$T/ahead1.out" 2>"$T/ahead1.err"; rc1=$?
cat "$T/ahead" | "$JOIN" -q >"$T/ahead2.out" 2>"$T/ahead2.err"; rc2=$?
echo "INFO read ahead: $(wc -l <"$T/ahead") lines, $(grep -c . "$T/ahead.err") messages, status $rc $rc1 $rc2"
check "read ahead: one CPU gives the same records, messages and status" \
    eval '[ $rc = 1 ] && [ $rc1 = 1 ] && cmp -s "$T/ahead.out" "$T/ahead1.out" && cmp -s "$T/ahead.err" "$T/ahead1.err"'
check "read ahead: live mode gives the same messages and records" \
    eval '[ $rc2 = 1 ] && cmp -s <(sed "s|^pp-join: $T/ahead:|pp-join: -:|" "$T/ahead.err") "$T/ahead2.err" &&
          cmp -s <(sort "$T/ahead.out") <(sort "$T/ahead2.out")'
check "read ahead: the long line by its number, the records after it kept" \
    eval 'grep -q "^pp-join: $T/ahead:$long: line longer than" "$T/ahead.err" &&
          [ "$(grep -c "\"type\":\"sock\"" "$T/ahead.out")" = $((13 * $(grep -c "\"type\":\"sock\"" "$D/mixed.jsonl"))) ]'
check "read ahead: no sanitizer report" san_clean "$T/ahead.err"

# Bounded memory: 20000 flows through --max-flows 100: evictions counted.
python3 - "$T/many.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(20000):
        t = {"proto": "tcp", "src": "10.1.%d.%d" % (i // 250, i % 250), "sport": 40000 + i % 20000, "dst": "10.9.9.9", "dport": 443}
        f.write(json.dumps(dict(type="sock", ts=1e9 + i, event="connect", dir="out", pid=i, comm="x", **t)) + "\n")
        f.write(json.dumps(dict(type="tls", ts=1e9 + i + 0.001, msg="client_hello", sni="s%d.example" % i, **t)) + "\n")
PY
"$JOIN" -m 100 "$T/many.jsonl" >"$T/many.out" 2>"$T/many.err"
check "--max-flows: evictions reported" grep -qE 'evicted: [1-9][0-9]* sockets' "$T/many.err"
check "--max-flows: recent flows still match" [ "$(jq -c 'select(.type=="tls" and .sni=="s19999.example")|.pid' "$T/many.out")" = 19999 ]
check "--max-flows: all records out" [ "$(wc -l <"$T/many.out")" = 40000 ]

# | head: quiet end with status 0.
"$JOIN" "$T/many.jsonl" 2>"$T/head.err" | head -n 2 >/dev/null
rc=${PIPESTATUS[0]}
check "closed stdout: status 0" [ "$rc" = 0 ]
check "closed stdout: no message" [ ! -s "$T/head.err" ]

# A write that fails for real: reported, status 1.
if [ -w /dev/full ]; then
    "$JOIN" -q "$T/many.jsonl" >/dev/full 2>"$T/full.err"; rc=$?
    check "ENOSPC: status 1" [ "$rc" = 1 ]
    check "ENOSPC: reported" grep -q 'write error' "$T/full.err"
else
    skip "ENOSPC: /dev/full not writable here"
fi

# Missing file: named, the rest still read, status 1.
"$JOIN" -q /nonexistent "$D/trace.jsonl" >"$T/nf.out" 2>"$T/nf.err"; rc=$?
check "missing file: status 1" [ $rc = 1 ]
check "missing file: named" grep -q '^pp-join: /nonexistent: No such file' "$T/nf.err"
check "missing file: other file read" [ "$(wc -l <"$T/nf.out")" = "$(wc -l <"$D/trace.jsonl")" ]

# Usage.
"$JOIN" --bogus </dev/null >/dev/null 2>&1
check "usage error: status 2" [ $? = 2 ]
"$JOIN" --delay=-1 </dev/null >/dev/null 2>&1
check "bad --delay: status 2" [ $? = 2 ]
"$JOIN" --max-flows 0 </dev/null >/dev/null 2>&1
check "bad --max-flows: status 2" [ $? = 2 ]
version_ok() { "$JOIN" --version | grep -q "^pp-join (PortPulse) "; }
check "--version" version_ok
help_ok() { "$JOIN" --help | grep -q '^usage: pp-join'; }
check "--help" help_ok

# Network namespaces: a record and a socket of two namespaces never meet on
# loopback (each namespace has its own); off loopback the record's own
# namespace comes first, and a container's socket still names its traffic
# captured on the host's bridge.
ns_pid() { "$JOIN" -q | jq -c 'select(.type=="tls")|.pid'; }
cat >"$T/ns.jsonl" <<'EOF2'
{"type":"sock","ts":10.0,"event":"connect","dir":"out","proto":"tcp","src":"127.0.0.1","sport":40000,"dst":"127.0.0.1","dport":443,"pid":71,"netns":111}
{"type":"tls","ts":10.1,"msg":"client_hello","proto":"tcp","src":"127.0.0.1","sport":40000,"dst":"127.0.0.1","dport":443,"netns":222}
{"type":"sock","ts":10.0,"event":"connect","dir":"out","proto":"tcp","src":"172.17.0.2","sport":40000,"dst":"198.51.100.1","dport":443,"pid":72,"netns":111}
{"type":"tls","ts":10.1,"msg":"client_hello","proto":"tcp","src":"172.17.0.2","sport":40000,"dst":"198.51.100.1","dport":443,"netns":222}
{"type":"sock","ts":10.0,"event":"connect","dir":"out","proto":"tcp","src":"172.17.0.3","sport":40000,"dst":"198.51.100.1","dport":443,"pid":73,"netns":111}
{"type":"sock","ts":10.0,"event":"connect","dir":"out","proto":"tcp","src":"172.17.0.3","sport":40000,"dst":"198.51.100.1","dport":443,"pid":74,"netns":222}
{"type":"tls","ts":10.1,"msg":"client_hello","proto":"tcp","src":"172.17.0.3","sport":40000,"dst":"198.51.100.1","dport":443,"netns":222}
EOF2
check "netns: loopback of another namespace: no pid; a bridge capture: the container's; its own first" \
    [ "$(ns_pid <"$T/ns.jsonl" | tr '\n' ' ')" = "null 72 74 " ]
# Off loopback, a socket of another namespace only when it is the one
# socket of all other namespaces that fits: a record of namespace 222 and
# sockets of 111 and 333 on its 5-tuple (one open, one closed just before,
# which fits less well; or both open) gets no pid, never one of them. The
# one socket of another namespace joins, even when it fits only by
# --window.
cat >"$T/ns2.jsonl" <<'EOF2'
{"type":"sock","ts":10.0,"event":"connect","dir":"out","proto":"tcp","src":"172.17.0.4","sport":40000,"dst":"198.51.100.1","dport":443,"pid":81,"netns":111}
{"type":"sock","ts":8.0,"event":"connect","dir":"out","proto":"tcp","src":"172.17.0.4","sport":40000,"dst":"198.51.100.1","dport":443,"pid":82,"netns":333}
{"type":"sock","ts":10.05,"event":"close","dir":"out","proto":"tcp","src":"172.17.0.4","sport":40000,"dst":"198.51.100.1","dport":443,"pid":82,"netns":333}
{"type":"tls","ts":10.1,"msg":"client_hello","proto":"tcp","src":"172.17.0.4","sport":40000,"dst":"198.51.100.1","dport":443,"netns":222}
{"type":"sock","ts":10.0,"event":"connect","dir":"out","proto":"tcp","src":"172.17.0.5","sport":40000,"dst":"198.51.100.1","dport":443,"pid":83,"netns":111}
{"type":"sock","ts":10.0,"event":"connect","dir":"out","proto":"tcp","src":"172.17.0.5","sport":40000,"dst":"198.51.100.1","dport":443,"pid":84,"netns":333}
{"type":"tls","ts":10.1,"msg":"client_hello","proto":"tcp","src":"172.17.0.5","sport":40000,"dst":"198.51.100.1","dport":443,"netns":222}
{"type":"sock","ts":8.0,"event":"connect","dir":"out","proto":"tcp","src":"172.17.0.6","sport":40000,"dst":"198.51.100.1","dport":443,"pid":85,"netns":333}
{"type":"sock","ts":10.05,"event":"close","dir":"out","proto":"tcp","src":"172.17.0.6","sport":40000,"dst":"198.51.100.1","dport":443,"pid":85,"netns":333}
{"type":"tls","ts":10.1,"msg":"client_hello","proto":"tcp","src":"172.17.0.6","sport":40000,"dst":"198.51.100.1","dport":443,"netns":222}
EOF2
check "netns: two other namespaces' sockets fit: no pid (one fitting better, or both alike); the one other namespace's socket that fits: its pid" \
    [ "$(ns_pid <"$T/ns2.jsonl" | tr '\n' ' ')" = "null null 85 " ]
"$JOIN" -v "$T/ns2.jsonl" >/dev/null 2>"$T/ns2.err"
check "netns: the two refusals counted" grep -q '; 2 refused: ' "$T/ns2.err"

# A wildcard-bound UDP client in another namespace (pp-trace saw its source
# as 0.0.0.0) sending to a server whose socket is known: the server's
# process never goes into pid of the client's datagrams (resp_pid only,
# the client unnamed), since the originator may be that local socket
# (scripts/join-repro-wildcard-far.sh); a client no local socket can be
# (another port) is remote, and gets the server's process in pid.
far_pids() { "$JOIN" -q "$@" | jq -r 'select(.type != "sock") | "\(.type):\(.netns):\(.pid):\(.resp_pid)"' | tr '\n' ' '; }
cat >"$T/far.jsonl" <<'EOF2'
{"type":"sock","ts":20.472893,"event":"listen","dir":"in","proto":"udp","src":"0.0.0.0","sport":48257,"state":"UNCONN","pid":9128,"comm":"python3","netns":248,"source":"ebpf"}
{"type":"sock","ts":20.472929,"event":"udp","dir":"out","proto":"udp","src":"0.0.0.0","sport":48257,"dst":"10.213.0.1","dport":53,"pid":9128,"comm":"python3","netns":248,"source":"ebpf"}
{"type":"sock","ts":20.473177,"event":"udp","dir":"in","proto":"udp","src":"10.213.0.9","sport":48257,"dst":"10.213.0.1","dport":53,"pid":8797,"comm":"dnsmasq","netns":317,"source":"ebpf"}
{"type":"sock","ts":20.473608,"event":"close","dir":"in","proto":"udp","src":"0.0.0.0","sport":48257,"state":"UNCONN","tx_bytes":32,"rx_bytes":48,"duration":0.000718,"pid":9128,"comm":"python3","netns":248,"source":"ebpf"}
{"type":"flow","ts":20.473117,"event":"start","proto":"udp","src":"10.213.0.9","sport":48257,"dst":"10.213.0.1","dport":53,"netns":248,"iface":"ppc"}
{"type":"flow","ts":20.473126,"event":"start","proto":"udp","src":"10.213.0.9","sport":48257,"dst":"10.213.0.1","dport":53,"netns":317,"iface":"pps"}
{"type":"dns","ts":20.473126,"proto":"udp","src":"10.213.0.9","sport":48257,"dst":"10.213.0.1","dport":53,"netns":317,"msg":"query","id":9128,"qname":"web.truth.test","qtype":"A","transport":"udp"}
EOF2
check "netns: a wildcard UDP client of another namespace: its own end pid=client resp_pid=server; the server's end no pid, resp_pid=server" \
    [ "$(far_pids "$T/far.jsonl")" = "flow:248:9128:8797 flow:317:null:8797 dns:317:null:8797 " ]
# The reverse: the same client socket, but the server's datagrams come from
# port 48300, which no local socket has: a remote client, the server in pid.
{ grep '"netns":248,"source"' "$T/far.jsonl"
  grep -v '"netns":248,"source"' "$T/far.jsonl" | grep -v '"netns":248,"iface"' | sed 's/48257/48300/'
} >"$T/far-remote.jsonl"
check "netns: a remote UDP client (no local socket of its port): the server in pid, as documented" \
    [ "$(far_pids "$T/far-remote.jsonl")" = "flow:317:8797:null dns:317:8797:null " ]

# A record decided late (a flow's end, written after its producer's mark)
# gets the name its time had, however many answers for the address were
# taken in before it was decided: tests/data/join/late-name.jsonl has an
# answer (app.test -> 127.0.0.2), a flow to it, then its end (line 86,
# trailing), then twelve other names for 127.0.0.2 (half of them pp-trace's
# kernel dns records). In file mode its end was decided after them, live
# (the end alone between two pauses) before them: names kept at most 8 per
# address, by insertion, and file mode lost dst_name.
late_name() { jq -c 'select(.type=="flow" and .sport==50000)|[.event,.dst_name]' | tr '\n' ' '; }
LN=$D/late-name.jsonl
ln_file=$("$JOIN" -q --delay 0.1 "$LN" | late_name)
ln_live=$({ head -n 85 "$LN"; sleep 0.5; sed -n 86p "$LN"; sleep 0.5; tail -n +87 "$LN"; } |
    "$JOIN" -q --delay 0.1 | late_name)
check "a trailing flow end: the name of its time, file mode and live alike" \
    [ "$ln_file" = '["start","app.test"] ["end","app.test"] ' -a "$ln_live" = "$ln_file" ]
