#!/bin/bash
# pp-fmt --zeek DIR: Zeek's conn, dns, ssl, http and ssh logs.
# - Every log of real captures (../shared/pcaps) and of our own is read by
#   tests/zeek_tsv.py, a reader of Zeek's TSV format written from Zeek's
#   documentation: header, every column with its type, #close.
# - tshark is the oracle of the values (tests/zeek_oracle.py): IP bytes and
#   packets, payload bytes (TCP sequence span, UDP lengths), DNS ids and
#   names, HTTP requests, SNIs, SSH banners; uids join the logs.
# - zeek-cut, where installed, reads the same columns.
# - Hostile strings survive the escaping byte for byte.
# - A live run: curl by name in a network namespace, pp-trace + pp-sniff
#   into pp-join, then --zeek: curl's pid and comm on its conn, http and dns
#   rows.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
T=$PP_TMP
SNIFF=$PP_BIN/pp-sniff FMT=$PP_BIN/pp-fmt
PY=/usr/bin/python3

# zeek DIR INPUT...: records -> logs; status and stderr kept.
zeek() {
    local d=$1; shift
    rm -rf "$d"
    "$FMT" --zeek "$d" --utc "$@" 2>"$d.err"
    echo $? >"$d.rc"
}
jqe() { jq -e "$@" >/dev/null; }
# rows DIR: every log as JSON rows (zeek_tsv.py), false on a format error.
rows() { "$PY" "$PP_ROOT/tests/zeek_tsv.py" "$1"/*.log >"$1.rows" 2>"$1.perr"; }

# --- captures: format and tshark as the oracle -------------------------------
ORACLE_PCAPS=(tcpdump_ssh.pcap sv_http-ipv6.pcap tcpdump_dns_udp_2.pcap tcpdump_dns_tcp.pcap
              sv_dns-tcp-multirequest-buffer.pcap ndpi_dns.pcap ndpi_malformed_dns.pcap
              zeek_dns-https.pcap ndpi_selfsigned.pcap ndpi_tls_port_80.pcapng
              ndpi_http_ua_splitted_in_two_pkts.pcapng)
if [ ! -d "$PP_PCAPS" ]; then
    skip "zeek: real captures: $PP_PCAPS absent (needs ../shared)"
elif ! have tshark; then
    skip "zeek: real captures: tshark not installed"
else
    for p in "${ORACLE_PCAPS[@]}"; do
        [ -f "$PP_PCAPS/$p" ] || { skip "zeek $p: absent from ../shared/pcaps"; continue; }
        d=$T/${p%.*}
        "$SNIFF" -r "$PP_PCAPS/$p" 2>/dev/null | zeek "$d"
        if ! [ "$(cat "$d.rc")" = 0 ] || ! san_clean "$d.err" || [ -s "$d.err" ]; then
            fail "zeek $p: pp-fmt status $(cat "$d.rc"): $(head -c 300 "$d.err")"; continue
        fi
        if rows "$d"; then pass "zeek $p: every log reads as Zeek TSV, every column with its type"
        else fail "zeek $p: $(head -c 300 "$d.perr")"; continue; fi
        "$PY" "$PP_ROOT/tests/zeek_oracle.py" "$PP_PCAPS/$p" "$d.rows" >"$d.oracle" 2>"$d.oerr"
        [ -s "$d.oracle" ] || fail "zeek $p: oracle failed: $(tail -c 300 "$d.oerr")"
        while read -r verdict what rest; do
            if [ "$verdict" = ok ]; then pass "zeek $p: $what agrees with tshark $rest"
            else fail "zeek $p: $what $rest"; cat "$d.oerr" >&2; fi
        done <"$d.oracle"
    done
fi

# Our own captures (tunnels, fragments, VLANs, ICMP errors): format only.
for p in "$PP_ROOT"/tests/pcap/*.pcap*; do
    b=$(basename "$p"); d=$T/own-${b%.*}
    "$SNIFF" -r "$p" 2>/dev/null | zeek "$d"
    if [ "$(cat "$d.rc")" = 0 ] && san_clean "$d.err" && [ ! -s "$d.err" ] && rows "$d"; then
        pass "zeek own $b: logs read as Zeek TSV"
    else
        fail "zeek own $b: status $(cat "$d.rc"): $(head -c 200 "$d.err" "$d.perr")"
    fi
done

# --- zeek-cut --------------------------------------------------------------------
d=$T/tcpdump_ssh
if ! have zeek-cut; then
    skip "zeek-cut reads conn.log: zeek-cut not installed (Zeek is not packaged in Debian)"
elif [ -f "$d/conn.log" ]; then
    want=$(jq -r 'select(._path=="conn") | [.uid, ."id.orig_h", (.orig_bytes|tostring)] | @tsv' "$d.rows")
    check "zeek-cut reads conn.log as our reader does" \
        [ "$(zeek-cut uid id.orig_h orig_bytes <"$d/conn.log")" = "$want" ]
fi

# --- hostile strings -------------------------------------------------------------
# Tabs, newlines, commas, backslashes, the markers themselves, C1 and
# non-ASCII bytes: each row stays one line and reads back as sent.
cat >"$T/hostile.jsonl" <<'EOF'
{"type":"flow","ts":100.000001,"event":"start","proto":"tcp","src":"10.0.0.1","sport":1000,"dst":"10.0.0.2","dport":80}
{"type":"http","ts":100.1,"msg":"request","proto":"tcp","src":"10.0.0.1","sport":1000,"dst":"10.0.0.2","dport":80,"method":"GET","host":"a\tb\nc\\d,e","path":"-","user_agent":"(empty)","pid":7,"comm":"x\u0085y\u00e9","cmdline":["a,b","","-","\\x41"]}
{"type":"http","ts":100.2,"msg":"response","proto":"tcp","src":"10.0.0.1","sport":1000,"dst":"10.0.0.2","dport":80,"status":200,"version":"HTTP/1.1"}
{"type":"flow","ts":100.3,"event":"end","proto":"tcp","src":"10.0.0.1","sport":1000,"dst":"10.0.0.2","dport":80,"orig_pkts":4,"orig_bytes":50,"orig_ip_bytes":210,"resp_pkts":3,"resp_bytes":60,"resp_ip_bytes":180,"orig_flags":"SAFP","resp_flags":"SAFP","app":"http","duration":0.299999}
EOF
d=$T/hostile
zeek "$d" "$T/hostile.jsonl"
if rows "$d"; then
    jq -e -s --slurpfile src <(jq -c 'select(.type=="http" and .msg=="request")' "$T/hostile.jsonl") '
        (.[] | select(._path=="http")) as $h | $src[0] as $s |
        $h.host == $s.host and $h.uri == $s.path and $h.user_agent == $s.user_agent and
        $h.comm == $s.comm and $h.cmdline == $s.cmdline and $h.pid == 7 and
        $h.status_code == 200 and $h.version == "1.1" and $h.trans_depth == 1' "$d.rows" >/dev/null
    check "hostile strings: read back byte for byte, one line per row" [ $? = 0 ]
    check "hostile strings: no raw control byte in any log" \
        bash -c "! LC_ALL=C grep -qP '[\\x00-\\x08\\x0b-\\x1f\\x7f-\\xff]' '$d'/*.log"
    check "conn_state SF and the uid shared by conn.log and http.log" \
        jqe -s '[.[] | select(._path=="conn")][0] as $c | $c.conn_state=="SF" and $c.service=="http"
                  and ([.[] | select(._path=="http")][0].uid == $c.uid) and $c.orig_bytes==50
                  and $c.orig_ip_bytes==210' "$d.rows"
else
    fail "hostile strings: $(head -c 300 "$d.perr")"
fi
# ICMP and UDP conn states, a rejected and an unanswered TCP connection.
cat >"$T/states.jsonl" <<'EOF'
{"type":"flow","ts":200.5,"event":"end","proto":"tcp","src":"10.0.0.1","sport":1001,"dst":"10.0.0.2","dport":81,"orig_pkts":1,"orig_bytes":0,"orig_ip_bytes":60,"resp_pkts":1,"resp_bytes":0,"resp_ip_bytes":40,"orig_flags":"S","resp_flags":"AR","duration":0.5}
{"type":"flow","ts":201.0,"event":"end","proto":"tcp","src":"10.0.0.1","sport":1002,"dst":"10.0.0.2","dport":82,"orig_pkts":3,"orig_bytes":0,"orig_ip_bytes":180,"resp_pkts":0,"resp_bytes":0,"resp_ip_bytes":0,"orig_flags":"S","duration":3.0}
{"type":"flow","ts":202.0,"event":"end","proto":"udp","src":"10.0.0.1","sport":1003,"dst":"10.0.0.2","dport":53,"orig_pkts":1,"orig_bytes":30,"orig_ip_bytes":58,"resp_pkts":0,"resp_bytes":0,"resp_ip_bytes":0,"duration":0.0}
{"type":"flow","ts":203.0,"event":"end","proto":"icmp","src":"10.0.0.1","sport":8,"dst":"10.0.0.2","dport":0,"orig_pkts":2,"orig_bytes":112,"orig_ip_bytes":168,"resp_pkts":2,"resp_bytes":112,"resp_ip_bytes":168,"duration":1.0}
EOF
zeek "$T/states" "$T/states.jsonl"
if rows "$T/states"; then
    check "conn_state: REJ, S0, UDP S0, ICMP OTH; a zero duration leaves duration and bytes unset" \
        jqe -s '[.[] | select(._path=="conn") | [.conn_state, .proto, .duration != null, .orig_bytes]] ==
                [["REJ","tcp",true,0],["S0","tcp",true,0],["S0","udp",false,null],["OTH","icmp",true,112]]' "$T/states.rows"
else
    fail "conn states: $(head -c 300 "$T/states.perr")"
fi
# A bad line is reported with its place and the status says so; the rest is written.
printf '{"type":"flow",\n' >>"$T/hostile.jsonl"
zeek "$T/bad" "$T/hostile.jsonl"
check "a malformed line: FILE:LINE on stderr, status 1, logs still written" \
    bash -c "[ \"\$(cat '$T/bad.rc')\" = 1 ] && grep -q 'hostile.jsonl:5:' '$T/bad.err' && [ -s '$T/bad/conn.log' ]"
ln -s /etc/passwd "$T/link"
rm -rf "$T/ldir"; mkdir "$T/ldir"; ln -s "$T/victim" "$T/ldir/conn.log"
"$FMT" --zeek "$T/ldir" "$T/hostile.jsonl" 2>"$T/ldir.err" >/dev/null
check "a planted symbolic link in DIR is refused" \
    bash -c "[ ! -e '$T/victim' ] && grep -q 'symbolic link' '$T/ldir.err'"
check "log files are created 0640" bash -c "[ \"\$(stat -c %a '$T/hostile/http.log')\" = 640 ]"

# --- live: curl in a network namespace, traced, sniffed, joined ------------------
LIVE=("live: http.log row of curl's request with curl's pid and comm"
      "live: conn.log row of curl's connection: SF, http, curl's pid"
      "live: dns.log row of curl's query with the answer and curl's pid"
      "live: conn.log bytes agree with tshark on the saved packets")
skip_live() { local c; for c in "${LIVE[@]}"; do skip "$c: $1"; done; exit 0; }
need_root || skip_live "needs root (eBPF, capture, netns)"
for c in dnsmasq curl tshark jq; do have $c || skip_live "$c not installed"; done
NAME=web.pp-zeek.test
pp_web_netns zeek "$NAME" "$T/live.pcap" || skip_live "cannot create a network namespace"
pp_web_curl
crc=$?
cpid=$PP_CURL_PID
sleep 1
pp_web_stop
[ $crc = 0 ] || { for c in "${LIVE[@]}"; do fail "$c: curl failed (status $crc)"; done; exit 0; }
"$PP_BIN/pp-join" -q "$T/trace.jsonl" "$T/sniff.jsonl" | zeek "$T/live"
rows "$T/live" || fail "live: logs do not read as Zeek TSV: $(head -c 300 "$T/live.perr")"
echo "INFO curl pid $cpid; $(grep -vc '^#' "$T/live"/*.log | tr '\n' ' ')"
R=$T/live.rows
check "${LIVE[0]}" jqe -s --argjson p "$cpid" --arg h "$NAME:8080" \
    'any(.[]; ._path=="http" and .host==$h and .uri=="/" and .status_code==200 and .pid==$p and .comm=="curl")' "$R"
check "${LIVE[1]}" jqe -s --argjson p "$cpid" \
    'any(.[]; ._path=="conn" and ."id.resp_p"==8080 and .conn_state=="SF" and .service=="http" and .pid==$p
         and .comm=="curl" and .orig_bytes > 0 and .resp_bytes > 0)' "$R"
check "${LIVE[2]}" jqe -s --argjson p "$cpid" --arg n "$NAME" \
    'any(.[]; ._path=="dns" and .query==$n and .qtype_name=="A" and (.answers|index("127.0.0.2")) != null
         and .rcode_name=="NOERROR" and .pid==$p)' "$R"
"$PY" "$PP_ROOT/tests/zeek_oracle.py" "$T/live.pcap" "$R" >"$T/live.oracle" 2>"$T/live.oerr"
check "${LIVE[3]}" bash -c "grep -q '^ok conn-payload ([1-9]' '$T/live.oracle' && ! grep -q '^bad' '$T/live.oracle'"
grep -q '^bad' "$T/live.oracle" && cat "$T/live.oracle" "$T/live.oerr" >&2
true
