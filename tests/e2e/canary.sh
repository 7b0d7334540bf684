#!/bin/bash
# Canaries across the whole pipeline: secrets that a real host carries in
# command lines (--password=X, --token X), in the environment, in HTTP
# headers and bodies, in plain TCP and UDP payloads, and in malformed input
# lines must never reach any output of any command (stdout or stderr):
#   1. the record readers (pp-fmt, pp-join, pp-nft) on bad lines holding
#      secrets: errors are reported by line number, never by content;
#   2. pp-trace (eBPF and --no-ebpf) watching a process with secrets in its
#      arguments and environment: its cmdline is redacted, the environment
#      never read;
#   3. pp-sniff live on the loopback of a namespace of our own, then again
#      offline on a capture of the same traffic: metadata only, no payload;
#   4. everything through pp-join, pp-fmt (table, CSV, JSON) and pp-nft;
#   5. pp-sniff's application dissectors, live: SMTP (Python's smtpd) with
#      AUTH and a body, IMAP LOGIN, POP3 and FTP PASS, MQTT password and
#      payload, SIP digest and body, a TURN relayed payload, an SNMP
#      community (tests/e2e/canary_apps.py); offline on the project's
#      captures of every dissector (tests/pcap, fixed canary).
# Each part checks first that it saw the traffic (else the absence of a
# canary would prove nothing), and is skipped, saying so, when its commands
# are not built in this tree.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
T=$PP_TMP
R=$RANDOM$RANDOM
CANARIES=(CanaryArg$R CanaryTok$R CanaryEnv$R CanaryHdr$R CanaryCookie$R CanaryBody$R
          CanaryRaw$R CanaryUdp$R CanaryLine$R CanaryApp$R)
export PP_CANARY_ENV=CanaryEnv$R   # every command runs with it in its environment

# leak_check NAME FILE...: PASS when no canary is in any of the files.
leak_check() {
    local name=$1 c f hits=
    shift
    for f in "$@"; do
        [ -f "$f" ] || continue
        for c in "${CANARIES[@]}"; do
            grep -aq "$c" "$f" && hits="$hits $c in $(basename "$f");"
        done
    done
    if [ -z "$hits" ]; then pass "canary $name: no secret in $# outputs"
    else fail "canary $name: leaked:$hits"; fi
}

# --- 1. record readers on bad lines holding secrets -------------------------
good='{"type":"sock","ts":1700000000.5,"event":"connect","proto":"tcp","src":"10.0.0.1","sport":40000,"dst":"10.0.0.2","dport":80,"pid":4242,"comm":"curl"}'
{
    echo "$good"
    echo "{\"type\":\"sock\",\"ts\":1,\"comm\":\"x\" CanaryLine$R}"
    echo "password=CanaryLine$R"
    printf '{"type":"sock","ts":1,"cmdline":["curl","--password=CanaryLine%s"]\n' "$R"
    printf '{"type":"sock","ts":1,\0"token":"CanaryLine%s"}\n' "$R"
    printf '{"x":"%s CanaryLine%s"}\n' "$(head -c 1100000 /dev/zero | tr '\0' a)" "$R"
    printf '\xff\xfe CanaryLine%s \\u12\n' "$R"
    echo "$good"
} >"$T/bad.jsonl"
declare -A READERS=([pp-fmt]="-t" [pp-join]="" [pp-nft]="--quarantine pid=4242")
outs=()
for cmd in pp-fmt pp-join pp-nft; do
    if [ ! -x "$PP_BIN/$cmd" ]; then
        skip "canary $cmd on bad lines: $cmd not built in this tree"
        continue
    fi
    read -ra args <<<"${READERS[$cmd]}"
    "$PP_BIN/$cmd" "${args[@]}" <"$T/bad.jsonl" >"$T/$cmd.bad.out" 2>"$T/$cmd.bad.err"
    if ! grep -qE "^$cmd: -:[0-9]+: " "$T/$cmd.bad.err"; then
        fail "canary $cmd on bad lines: the bad lines were not reported ($(head -n 1 "$T/$cmd.bad.err"))"
        continue
    fi
    outs+=("$T/$cmd.bad.out" "$T/$cmd.bad.err")
done
[ ${#outs[@]} -gt 0 ] && leak_check "record readers on bad lines" "${outs[@]}"

# --- 2 and 3: live traffic in a namespace of our own --------------------------
have_trace=0 have_sniff=0
[ -x "$PP_BIN/pp-trace" ] && have_trace=1
[ -x "$PP_BIN/pp-sniff" ] && have_sniff=1
[ $have_trace = 1 ] || skip "canary pp-trace: not built in this tree"
[ $have_sniff = 1 ] || skip "canary pp-sniff: not built in this tree"
if [ $have_trace = 0 ] && [ $have_sniff = 0 ]; then
    exit 0
fi
if ! need_root; then
    skip "canary live parts: need root for a network namespace and capture"
    exit 0
fi
pp_netns canary || { fail "canary: cannot create a network namespace"; exit 1; }
NS=$PP_NS
nsx() { ip netns exec "$NS" "$@"; }

# Peers: an HTTP server on 8080, a plain TCP sink on 9090, a UDP sink on 5300.
cat >"$T/server.py" <<'PY'
import socket, threading, sys, os
def http(c):
    data = b""
    while b"\r\n\r\n" not in data:
        d = c.recv(4096)
        if not d: break
        data += d
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
    c.close()
def sink(c):
    while c.recv(4096): pass
    c.close()
def serve(port, fn):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(16)
    while True:
        c, _ = s.accept(); threading.Thread(target=fn, args=(c,), daemon=True).start()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 5300))
threading.Thread(target=serve, args=(8080, http), daemon=True).start()
threading.Thread(target=serve, args=(9090, sink), daemon=True).start()
open(sys.argv[1], "w").write("%d\n" % os.getpid())  # its own pid: ip netns exec may fork
while True: u.recvfrom(4096)
PY
# The client carries every secret; it keeps its connections open a while so
# that polling sees them too.
cat >"$T/client.py" <<'PY'
import socket, sys, time, os
args = sys.argv[1:]
hdr, cookie, body, raw, udp = (os.environ["PP_C_" + k] for k in ("HDR", "COOKIE", "BODY", "RAW", "UDP"))
h = socket.create_connection(("127.0.0.1", 8080))
req = ("POST /upload HTTP/1.1\r\nHost: canary.test\r\nUser-Agent: canary-client/1\r\n"
       "Authorization: Bearer %s\r\nCookie: session=%s\r\nContent-Length: %d\r\n\r\n%s"
       % (hdr, cookie, len(body), body)).encode()
h.sendall(req)
t = socket.create_connection(("127.0.0.1", 9090))
t.sendall(("password=%s\n" % raw).encode())
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(("token=%s" % udp).encode(), ("127.0.0.1", 5300))
print(h.recv(4096)[:12])
time.sleep(1.5)
h.close(); t.close()
PY
nsx python3 "$T/server.py" "$T/server.ready" 2>/dev/null &
server_pid=$!
pp_on_exit "kill $server_pid"
for _ in $(seq 50); do [ -s "$T/server.ready" ] && break; sleep 0.1; done
# The server itself, whether or not $! was it (it was the wrapper, left
# running after make test).
pp_on_exit "kill $(cat "$T/server.ready" 2>/dev/null)"

# probe PORT FILE: connect until a record naming the port shows up in FILE;
# each connection stays open 0.4 s so that polling every 100 ms sees it.
probe() {
    local i
    for i in $(seq 30); do
        nsx python3 -c "import socket, time; s = socket.create_connection(('127.0.0.1', $1)); time.sleep(0.4)" 2>/dev/null
        grep -q "\"dport\":$1[,}]" "$2" 2>/dev/null && return 0
    done
    return 1
}

# Background commands are started without a shell function around them, so
# that $! is the command itself (ip netns exec execs it) and SIGINT reaches it.
pids=()
if [ $have_trace = 1 ]; then
    "$PP_BIN/pp-trace" >"$T/trace.jsonl" 2>"$T/trace.err" &
    pids+=($!)
    ip netns exec "$NS" "$PP_BIN/pp-trace" --no-ebpf -I 100ms >"$T/poll.jsonl" 2>"$T/poll.err" &
    pids+=($!)
fi
if [ $have_sniff = 1 ]; then
    ip netns exec "$NS" "$PP_BIN/pp-sniff" -i lo -w "$T/sniff.pcap" >"$T/sniff.jsonl" 2>"$T/sniff.err" &
    pids+=($!)
fi
ready=1
if [ $have_trace = 1 ]; then
    probe 8080 "$T/trace.jsonl" || { ready=0; fail "canary pp-trace: never saw a probe connection"; }
    probe 8080 "$T/poll.jsonl" || { ready=0; fail "canary pp-trace --no-ebpf: never saw a probe connection"; }
fi
if [ $have_sniff = 1 ]; then
    probe 8080 "$T/sniff.jsonl" || { ready=0; fail "canary pp-sniff: never saw a probe connection"; }
fi
nsx env PP_C_HDR=CanaryHdr$R PP_C_COOKIE=CanaryCookie$R PP_C_BODY=CanaryBody$R \
    PP_C_RAW=CanaryRaw$R PP_C_UDP=CanaryUdp$R \
    python3 "$T/client.py" --password=CanaryArg$R --token CanaryTok$R >"$T/client.out" 2>&1
client_rc=$?
sleep 1
for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null; done
for p in "${pids[@]}"; do
    for _ in $(seq 150); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$p" 2>/dev/null; then
        fail "canary: $(tr '\0' ' ' </proc/"$p"/cmdline) did not end on SIGINT"
        kill -KILL "$p"
    fi
    wait "$p" 2>/dev/null
done
if [ $client_rc -ne 0 ] || ! grep -q 'HTTP/1.1 200' "$T/client.out"; then
    fail "canary: the client did not get through: $(head -n 3 "$T/client.out" | tr '\n' ' ')"
fi
# The secrets were on the wire: a capture of the traffic has them (so their
# absence from the records means something).
if [ $have_sniff = 1 ] && [ -s "$T/sniff.pcap" ]; then
    if grep -aq "CanaryBody$R" "$T/sniff.pcap"; then
        pass "canary: the payload secrets were on the wire (in the -w capture)"
    else
        fail "canary: the -w capture does not hold the payload; nothing to prove"
    fi
fi

if [ $have_trace = 1 ]; then
    for mode in trace poll; do
        f=$T/$mode.jsonl
        # Saw the client: a connect to 9090 by client.py (eBPF sees the
        # whole host: other programs may use port 9090 too).
        if grep '"dport":9090' "$f" | grep -q 'client\.py'; then
            pass "canary pp-trace ($mode): saw the client with its command line"
            grep '"dport":9090' "$f" | grep 'client\.py' | grep -q 'REDACTED' &&
                pass "canary pp-trace ($mode): secret arguments redacted" ||
                fail "canary pp-trace ($mode): no [REDACTED] in the client's cmdline"
        elif grep -q '"dport":9090' "$f"; then
            pass "canary pp-trace ($mode): saw the client (no cmdline in this mode)"
        else
            [ $ready = 1 ] && fail "canary pp-trace ($mode): no record of the client's connection"
        fi
        leak_check "pp-trace ($mode)" "$f" "$T/$mode.err"
    done
fi
if [ $have_sniff = 1 ]; then
    if grep -q '"type":"http"' "$T/sniff.jsonl"; then
        pass "canary pp-sniff: saw the HTTP request"
    else
        [ $ready = 1 ] && fail "canary pp-sniff: no http record of the client's request"
    fi
    leak_check "pp-sniff live" "$T/sniff.jsonl" "$T/sniff.err"
    "$PP_BIN/pp-sniff" -r "$T/sniff.pcap" >"$T/sniff-r.jsonl" 2>"$T/sniff-r.err"
    if grep -q '"type":"http"' "$T/sniff-r.jsonl"; then
        leak_check "pp-sniff -r (same traffic)" "$T/sniff-r.jsonl" "$T/sniff-r.err"
    else
        fail "canary pp-sniff -r: no http record from the capture"
    fi
fi

# --- 4. the rest of the pipeline ---------------------------------------------
cat "$T"/trace.jsonl "$T"/poll.jsonl "$T"/sniff.jsonl 2>/dev/null >"$T/all.jsonl"
outs=()
if [ -x "$PP_BIN/pp-join" ]; then
    "$PP_BIN/pp-join" "$T/all.jsonl" >"$T/joined.jsonl" 2>"$T/join.err"
    outs+=("$T/joined.jsonl" "$T/join.err")
else
    cp "$T/all.jsonl" "$T/joined.jsonl"
    skip "canary pp-join in the pipeline: not built in this tree"
fi
for opt in -t -c -j; do
    "$PP_BIN/pp-fmt" "$opt" "$T/joined.jsonl" >"$T/fmt$opt.out" 2>"$T/fmt$opt.err"
    outs+=("$T/fmt$opt.out" "$T/fmt$opt.err")
done
if [ -x "$PP_BIN/pp-nft" ]; then
    "$PP_BIN/pp-nft" --quarantine comm=python3 "$T/joined.jsonl" >"$T/nft.out" 2>"$T/nft.err"
    outs+=("$T/nft.out" "$T/nft.err")
fi
leak_check "pipeline (join, fmt, nft)" "${outs[@]}"

# --- 5. application protocols: passwords, bodies, payloads, communities -----
if [ $have_sniff = 1 ]; then
    ip netns exec "$NS" "$PP_BIN/pp-sniff" -i lo -w "$T/apps.pcap" >"$T/apps.jsonl" 2>"$T/apps.err" &
    apps_pid=$!
    pp_on_exit "kill $apps_pid"
    probe 8080 "$T/apps.jsonl" || fail "canary pp-sniff apps: never saw a probe connection"
    nsx /usr/bin/python3 "$PP_ROOT/tests/e2e/canary_apps.py" "CanaryApp$R" >"$T/apps-peers.out" 2>&1 ||
        fail "canary apps: the peers failed: $(tail -3 "$T/apps-peers.out")"
    sleep 1
    kill -INT $apps_pid 2>/dev/null
    for _ in $(seq 150); do kill -0 $apps_pid 2>/dev/null || break; sleep 0.1; done
    if grep -aq "CanaryApp${R}SmtpBody" "$T/apps.pcap" && grep -aq "CanaryApp${R}FtpPass" "$T/apps.pcap" && grep -aq "CanaryApp${R}MqttPayload" "$T/apps.pcap"; then
        pass "canary apps: the secrets were on the wire (in the capture)"
    else
        fail "canary apps: the capture lacks the secrets, so their absence proves nothing"
    fi
    for t in smtp imap pop3 ftp mqtt sip stun; do
        check "canary apps: a $t record of the traffic" grep -q "\"type\":\"$t\"" "$T/apps.jsonl"
    done
    leak_check "pp-sniff apps live" "$T/apps.jsonl" "$T/apps.err"
    "$PP_BIN/pp-sniff" -r "$T/apps.pcap" >"$T/apps-r.jsonl" 2>"$T/apps-r.err"
    leak_check "pp-sniff apps -r (same traffic)" "$T/apps-r.jsonl" "$T/apps-r.err"
    # the project's captures of every dissector carry a fixed canary
    for c in mail_ftp udp_apps sip_mqtt_bt; do
        "$PP_BIN/pp-sniff" -r "$PP_ROOT/tests/pcap/$c.pcap" >"$T/$c.jsonl" 2>"$T/$c.err"
        if grep -aq CANARY-7f3a9c "$PP_ROOT/tests/pcap/$c.pcap" && ! grep -aq CANARY-7f3a9c "$T/$c.jsonl" "$T/$c.err"; then
            pass "canary apps $c.pcap: $(jq -r .type "$T/$c.jsonl" | sort -u | grep -v flow | tr '\n' ' ')without the canary"
        else
            fail "canary apps $c.pcap: canary missing from the capture or present in the records"
        fi
    done
fi
