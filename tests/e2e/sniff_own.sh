#!/bin/bash
# pp-sniff end to end on the project's own captures (tests/pcap, made by
# scripts/make-test-pcaps.py): what each edge case must give, the options,
# the exit status contract, the -w file, and the canary that must never
# come out (metadata only, never payload).
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
SNIFF=$PP_BIN/pp-sniff
PCAP=$PP_ROOT/tests/pcap
CANARY=CANARY-7f3a9c-payload-must-not-leak
has() { [ -f "$PP_ROOT/cmd/pp-sniff/$1.c" ]; }

# run NAME ARGS...: output in $PP_TMP/NAME.{out,err}, status in $rc.
run() {
    local n=$1; shift
    "$SNIFF" "$@" >"$PP_TMP/$n.out" 2>"$PP_TMP/$n.err"
    rc=$?
    san_clean "$PP_TMP/$n.err" || fail "$n: sanitizer report"
}
# q NAME JQ-FILTER: true when some record of NAME's output satisfies it.
q() { jq -e -s "any(.[]; $2)" "$PP_TMP/$1.out" >/dev/null 2>&1; }
# j NAME JQ-FILTER: the filter over all of NAME's records is true.
j() { jq -e -s "$2" "$PP_TMP/$1.out" >/dev/null 2>&1; }

# --- link layers and the network layer --------------------------------------
run qinq -r "$PCAP/eth_qinq_http.pcap"
check "qinq: outer VLAN id" q qinq '.type=="flow" and .event=="end" and .vlan==100'
check "qinq: FIN both ways ends with reason fin" q qinq '.event=="end" and .reason=="fin" and .orig_pkts==8 and .resp_pkts==3'
check "qinq: TCP flags each way" q qinq '.event=="end" and .orig_flags=="SAFP" and .resp_flags=="SAFP"'
if has http; then
    check "tcp reassembly: out of order and overlapping, first copy wins" \
        q qinq '.type=="http" and .method=="GET" and .host=="vlan.example" and .path=="/vlan/path?q=1"'
else skip "tcp reassembly (http): no http dissector in this tree"; fi

run sll -r "$PCAP/sll_dns.pcap"
check "sll: flow with originator = first sender" q sll '.type=="flow" and .src=="192.0.2.10" and .dport==53'
has dns && check "sll: DNS answer" q sll '.type=="dns" and .answers[0].data=="198.51.100.7"'

run sll2 -r "$PCAP/sll2_tls_split.pcap"
check "sll2: RST ends with reason rst" q sll2 '.event=="end" and .reason=="rst"'
if has tls; then
    check "split ClientHello (3 overlapping segments, last first)" \
        q sll2 '.type=="tls" and .sni=="split.example" and .alpn==["h2","http/1.1"]'
else skip "split ClientHello: no tls dissector in this tree"; fi

run null -r "$PCAP/null_ipv6_ext_ssh.pcap"
check "null: IPv6 behind hop-by-hop and destination options" q null '.type=="flow" and .src=="2001:db8::1" and .dport==22'
has ssh && check "null: SSH banner split over two segments" \
    q null '.type=="ssh" and .server=="SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"'

run raw -r "$PCAP/raw_ipv4_options.pcap"
check "raw: IPv4 with options" q raw '.type=="flow" and .dst=="203.0.113.53" and .dport==53'
check "raw: ICMP echo and reply are one flow" q raw '.proto=="icmp" and .event=="end" and .orig_pkts==1 and .resp_pkts==1 and .sport==8'
check "raw: an echo reply alone: the requester is the originator" \
    q raw '.proto=="icmp" and .event=="end" and .src=="203.0.113.20" and .sport==8 and .orig_pkts==0 and .resp_pkts==1'

run frag4 -r "$PCAP/frag_ipv4_dns.pcap"
check "frag4: the incomplete datagram is counted" grep -q '2 fragments of incomplete datagrams dropped' "$PP_TMP/frag4.err"
check "frag4: exit status 0" [ $rc = 0 ]
nfrag=$(tshark -r "$PCAP/frag_ipv4_dns.pcap" -Y 'ip.id==777' 2>/dev/null | wc -l)
check "frag4: each fragment counts as a packet of the flow" q frag4 ".event==\"end\" and .resp_pkts==$nfrag"
if has dns; then
    check "frag4: reassembled out of order" q frag4 '.type=="dns" and .msg=="response" and (.answers|length)==2'
    check "frag4: a rewritten duplicate fragment did not win" bash -c "! grep -q ZZZZ '$PP_TMP/frag4.out'"
fi
run frag6 -r "$PCAP/frag_ipv6_dns.pcap"
has dns && check "frag6: IPv6 fragments reassembled" q frag6 '.type=="dns" and .msg=="response" and (.answers|length)==2'

run trunc -r "$PCAP/truncated.pcap"
check "truncated: counted, status 0" bash -c "[ $rc = 0 ] && grep -q '3 packets truncated' '$PP_TMP/trunc.err'"
# A small snaplen, as tcpdump -s or pp-sniff -s gives it: editcap -s cuts
# every packet of our captures to that length.
if have editcap; then
    editcap -s 76 "$PCAP/null_ipv6_ext_ssh.pcap" "$PP_TMP/snap_ssh.pcap"
    run snapssh -r "$PP_TMP/snap_ssh.pcap"
    check "snaplen: TCP header cut after the flags: the flow is counted with IP lengths" \
        q snapssh '.event=="end" and .dport==22 and .orig_pkts==5 and .orig_bytes==408 and .resp_bytes==344'
    check "snaplen: no SSH record from cut banners" j snapssh 'all(.[]; .type=="flow")'
    editcap -s 70 "$PCAP/sll_dns.pcap" "$PP_TMP/snap_dns.pcap"
    run snapdns -r "$PP_TMP/snap_dns.pcap"
    check "snaplen: cut DNS datagrams are counted as truncated" grep -q '2 packets truncated' "$PP_TMP/snapdns.err"
    has dns && check "snaplen: a cut DNS message is marked cut, not malformed" \
        j snapdns '[.[] | select(.type=="dns")] | length==2 and all(.[]; .cut==true and .malformed==null and .id==4660)'
    editcap -s 100 "$PCAP/eth_qinq_http.pcap" "$PP_TMP/snap_http.pcap"
    run snaphttp -r "$PP_TMP/snap_http.pcap"
    has http && check "snaplen: the header lines before the cut are reported, none after" \
        j snaphttp '[.[] | select(.type=="http" and .msg=="request")] | length==1 and .[0].host=="vlan.example" and .[0].user_agent==null'
else skip "snaplen (editcap): editcap not installed"; fi

run icmp -r "$PCAP/icmp_errors.pcap"
check "icmp errors: port unreachable counts on the UDP flow it quotes" \
    q icmp '.event=="end" and .dport==33434 and .icmp_errors==1 and .icmp_last_type==3 and .icmp_last_code==3 and .resp_pkts==0'
check "icmp errors: two time exceeded on the TCP flow of the SYN" \
    q icmp '.event=="end" and .dport==80 and .icmp_errors==2 and .icmp_last_type==11'
check "icmpv6 packet too big on the IPv6 UDP flow" q icmp '.event=="end" and .dport==4500 and .icmp_last_type==2'
check "icmp errors: time exceeded for a ping counts on the echo flow" \
    q icmp '.event=="end" and .proto=="icmp" and .sport==8 and .icmp_errors==1'
check "icmp errors: no flows of their own when the quoted flow is known" \
    j icmp '[.[] | select(.event=="end" and .proto=="icmp" and (.sport==11 or .sport==2))] | length==0'
check "icmp errors: quoting an unknown flow, a flow of its own" \
    q icmp '.event=="end" and .proto=="icmp" and .sport==3 and .dport==1 and .icmp_errors==null'
run h2s -r "$PCAP/http_to_ssh.pcap"
if has http && has ssh; then
    check "http to an ssh server: the request and the server's banner" \
        j h2s 'any(.[]; .type=="http" and .host=="ssh.example") and any(.[]; .type=="ssh" and .server_software=="OpenSSH_9.6") and any(.[]; .event=="end" and .app=="http")'
else skip "http to ssh: no http or ssh dissector in this tree"; fi

run life -r "$PCAP/tcp_lifecycle.pcap"
check "SYN-ACK first: its receiver is the originator" q life '.event=="start" and .src=="10.4.0.1" and .sport==40004'
check "port reuse after RST: a second flow" \
    j life '[.[] | select(.event=="end" and .sport==40004)] | length==2 and .[0].reason=="rst" and .[1].reason=="fin"' 
check "MPLS label stack" q life '.src=="10.5.0.1" and .proto=="udp"'
has http && check "TCP Fast Open data in the SYN" q life '.type=="http" and .path=="/tfo"'

run ng -r "$PCAP/pcapng_mixed.pcapng"
check "pcapng: idle timeouts end flows inside the file" \
    j ng '[.[] | select(.event=="end" and .reason=="idle")] | length==2' 
check "pcapng: the same 5-tuple after its timeout is a new flow" \
    j ng '[.[] | select(.event=="start" and .sport==5000)] | length==2' 

run tun -r "$PCAP/tunnels_starttls.pcap"
check "GTP-U: the inner flow" q tun '.type=="flow" and .src=="10.8.0.1" and .dport==53'
check "VXLAN: the inner flow" q tun '.type=="flow" and .src=="10.9.0.1" and .dport==53'
check "tunnels: the outer UDP flows too" q tun '.type=="flow" and .sport==2152'
check "GRE and 6in4: the inner flows" j tun 'any(.[]; .src=="10.10.0.1") and any(.[]; .src=="2001:db8:6::1")'
check "GRE and 6in4: the outer flows too" j tun 'any(.[]; .proto=="47") and any(.[]; .proto=="41")'
has dns && check "GTP-U, VXLAN, GRE, 6in4: DNS inside" \
    j tun '[.[] | select(.type=="dns") | .qname] | sort == ["6in4.example","gre.example","gtp.example","vxlan.example"]'
if has tls; then
    check "IMAP STARTTLS: the ClientHello after the upgrade" q tun '.type=="tls" and .sni=="imap.example" and .alpn==["imap"]'
else skip "IMAP STARTTLS: no tls dissector in this tree"; fi

# --- issue 20: what real captures hold -------------------------------------
run tun2 -r "$PCAP/tunnels_more.pcap"
has dns && check "Geneve, GRE-in-UDP, ERSPAN II/III, AYIYA, CAPWAP, Aruba, PPPoE: DNS inside" \
    j tun2 '[.[] | select(.type=="dns") | .qname] | sort == ["aruba.example","ayiya.example","capwap.example","erspan.example","erspan3.example","geneve.example","greudp.example","pppoe.example"]'
for l in wlan radiotap ppi fddi; do
    run "link_$l" -r "$PCAP/link_$l.pcap"
    has dns && check "link type $l: the DNS answer" q "link_$l" '.type=="dns" and .answers[0].data=="192.0.2.40"'
done
run pre -r "$PCAP/preambles.pcap"
if has tls && has http; then
    check "preambles: TLS after PROXY v1/v2, PostgreSQL, MySQL, LDAP StartTLS, XMPP, HTTP CONNECT" \
        j pre '[.[] | select(.type=="tls") | .sni] | sort == ["connect.example","ldap.example","mysql.example","pg.example","proxy1.example","proxy2.example","xmpp.example"]'
    check "preambles: HTTP after SOCKS 5, SOCKS 5 with a password, SOCKS 4a" \
        j pre '[.[] | select(.type=="http" and .msg=="request" and .method=="GET") | .host] | sort == ["socks4.example","socks5.example","socks5auth.example"]'
    check "preambles: the CONNECT request itself" q pre '.type=="http" and .method=="CONNECT" and .path=="connect.example:443"'
fi
run anyport -r "$PCAP/dns_anyport.pcap"
if has dns; then
    check "DNS by content: UDP 5333 and TCP 8053" \
        j anyport '[.[] | select(.type=="dns") | .dport] | sort == [5333,5333,8053,8053]'
    check "DNS by content: HTTP on TCP port 53 is HTTP, the odd UDP datagram nothing" \
        j anyport 'any(.[]; .type=="http" and .dport==53) and all(.[]; .type!="dns" or .dport!=53) and all(.[]; .dport!=9999 or .type=="flow")'
fi
run h2c -r "$PCAP/h2c_doh.pcap"
has dns && has http && check "h2c DoH: prior knowledge and Upgrade: h2c, query and answer each" \
    j h2c '[.[] | select(.type=="dns" and .transport=="http2") | .qname + "/" + .msg] | sort == ["doh.example/query","doh.example/response","upgrade.example/query","upgrade.example/response"]'
run hel -r "$PCAP/odd_hellos.pcap"
if has tls; then
    check "SSLv2-format ClientHello" q hel '.type=="tls" and .format=="sslv2" and .versions==["TLS 1.0"]'
    check "ClientHello with a lying length: read, flagged" q hel '.type=="tls" and .sni=="liar.example" and (.malformed|type)=="string"'
fi
if has quic; then
    check "Google QUIC Q046 and Q043 CHLO" j hel '[.[] | select(.type=="quic" and (.version|startswith("Q"))) | .sni] | sort == ["gquic43.example","gquic46.example"]'
    check "QUIC version 0x1a2a3a4a (forces negotiation)" q hel '.type=="quic" and .version=="0x1a2a3a4a" and .sni=="forcing.example"'
fi
run hodd -r "$PCAP/http_odd.pcap"
if has http; then
    check "HTTP: a space in the target, runs of spaces, no target" \
        j hodd '[.[] | select(.type=="http" and .msg=="request" and .dport==8000) | (.path // "-")] == ["/uri","/spaced","-"]'
    check "HTTP: pipelined requests separated by blank lines" j hodd '[.[] | select(.dport==80 and .sport==47001 and .type=="http") | .path] == ["/p1","/p2","/p3"]'
    check "HTTP: 150 requests on one connection, none lost" j hodd '[.[] | select(.type=="http" and .msg=="request" and .sport==47002)] | length == 150'
fi
run cap -r "$PCAP/http_past_cap.pcap"
if has http; then
    n=$(jq -s '[.[] | select(.type=="http")] | length' "$PP_TMP/cap.out")
    check "HTTP: every request in the first 64 KiB of the direction ($n of 1600)" \
        [ "$n" -gt 1300 ] && [ "$n" -lt 1600 ]
    check "HTTP: the ones past 64 KiB are said to be lost" \
        grep -q '1 TCP directions went on past the first 64 KiB' "$PP_TMP/cap.err"
fi
run ffo -r "$PCAP/frag_first_only.pcap"
has dns && check "first fragments of incomplete datagrams: question read, flagged cut" \
    j ffo '[.[] | select(.type=="dns" and .cut==true and .qname=="frag.example")] | length == 2'
run snaps -r "$PCAP/pcapng_snaplens.pcapng"
check "pcapng with different snaplens: read, what is left out said" \
    bash -c "[ $rc = 0 ] && grep -q 'read with 262144 for all' '$PP_TMP/snaps.err' && grep -q 'with their 1 packets' '$PP_TMP/snaps.err'"
has dns && check "pcapng with different snaplens: both interfaces' packets" j snaps '[.[] | select(.type=="dns")] | length == 2'

# --- every record is valid JSON with the common fields -----------------------
all_ok=1
for f in "$PCAP"/*; do
    "$SNIFF" -r "$f" >"$PP_TMP/all.out" 2>"$PP_TMP/all.err" || all_ok=0
    san_clean "$PP_TMP/all.err" || all_ok=0
    jq -e -s 'all(.[]; (.type|type)=="string" and (.ts|type)=="number" and (.community_id|startswith("1:")) and (.src|type)=="string")' \
        "$PP_TMP/all.out" >/dev/null || all_ok=0
    cat "$PP_TMP/all.out" >>"$PP_TMP/everything.out"
done
check "own captures: valid records, clean runs" [ $all_ok = 1 ]
# community_id: tshark's communityid post-dissector computes the same ids
# (for a tunnelled packet it hashes the innermost 5-tuple only: the outer
# flows of the tunnels capture have no counterpart there).
if tshark -G protocols 2>/dev/null | grep -q $'\tcommunityid$'; then
    cid_ok=1
    for f in "$PCAP"/*; do
        tshark -n -r "$f" --enable-protocol communityid -T fields -e communityid 2>/dev/null |
            tr ',' '\n' | sort -u >"$PP_TMP/cid.ts"
        sel='select(.type=="flow" and .event=="start")'
        [[ $f == *tunnels* ]] && sel="$sel | select(.proto!=\"47\" and .proto!=\"41\" and .sport!=2152 and .dport!=4789 and .dport!=6081 and .dport!=4754 and .sport!=5072 and .dport!=5247)"
        # The datagram whose middle fragment never comes: pp-sniff reports
        # what its first fragment holds; tshark, still waiting to
        # reassemble it, computes no id for it.
        [[ $f == *frag_ipv4* ]] && sel="$sel | select(.dport!=35354)"
        [[ $f == *frag_first_only* ]] && sel="$sel | select(.dport!=35360)"
        "$SNIFF" -r "$f" 2>/dev/null | jq -r "$sel | .community_id" | sort -u >"$PP_TMP/cid.pp"
        [ -s "$PP_TMP/cid.pp" ] && [ -z "$(comm -23 "$PP_TMP/cid.pp" "$PP_TMP/cid.ts")" ] || {
            cid_ok=0; echo "community_id differs: $f" >&2; }
    done
    check "own captures: community_id as tshark computes it" [ $cid_ok = 1 ]
else
    skip "own captures community_id: this tshark has no communityid dissector"
fi
# The canary sits in HTTP bodies (eth_qinq_http, pcapng_mixed) and DNS TXT
# data (frag_ipv4_dns, frag_ipv6_dns).
check "canary: no HTTP body byte in any record" bash -c "! grep -h '\"type\":\"http\"' '$PP_TMP/everything.out' | grep -q '$CANARY'"
if grep -h '"type":"dns"' "$PP_TMP/everything.out" | grep -q "$CANARY"; then
    fail "canary: DNS TXT answer data appears in dns records (dns.c writes the TXT strings as pp-records(5) says; issue 5 forbids it)"
else
    pass "canary: no DNS TXT data in any record"
fi
check "canary: nothing anywhere in the output" bash -c "! grep -q '$CANARY' '$PP_TMP/everything.out'"

# --- options ------------------------------------------------------------------
"$SNIFF" -r - <"$PCAP/eth_qinq_http.pcap" >"$PP_TMP/stdin.out" 2>/dev/null
check "-r - reads stdin like a file" cmp -s "$PP_TMP/stdin.out" "$PP_TMP/qinq.out"
cat "$PCAP/pcapng_mixed.pcapng" | "$SNIFF" -r - >"$PP_TMP/pipe.out" 2>/dev/null
check "-r - from a pipe, pcapng" cmp -s "$PP_TMP/pipe.out" "$PP_TMP/ng.out"
run quiet -q -r "$PCAP/sll_dns.pcap"
check "-q: flow records only, with app" j quiet 'all(.[]; .type=="flow") and any(.[]; .app=="dns")' 
run count -c 2 -r "$PCAP/tcp_lifecycle.pcap"
check "-c 2: two packets, flows end with eof" \
    j count '[.[] | select(.event=="end")] | length==1 and .[0].reason=="eof" and .[0].orig_pkts+.[0].resp_pkts==2' 
run filt -r "$PCAP/tcp_lifecycle.pcap" port 8000
check "filter expression (port 8000)" j filt 'length>0 and all(.[]; .dport==8000)' 
run badfilt -r "$PCAP/tcp_lifecycle.pcap" 'tcp and and'
check "bad filter: status 2" [ $rc = 2 ]
run evict --max-flows 1 -r "$PCAP/tcp_lifecycle.pcap"
check "--max-flows 1: evicted" q evict '.reason=="evicted"'
run upd --update 3ms -r "$PCAP/eth_qinq_http.pcap"
check "--update: periodic update records" q upd '.event=="update" and .orig_pkts>0'

# -w: the saved file holds what passed the filter; 0640; never via a symlink
run save -w "$PP_TMP/saved.pcap" -r "$PCAP/tcp_lifecycle.pcap" tcp
check "-w: the file reads back with the filtered packets" \
    bash -c "[ \"\$(tshark -r '$PP_TMP/saved.pcap' 2>/dev/null | wc -l)\" = 13 ]"
check "-w: mode 0640" bash -c "[ \"\$(umask 022; stat -c %a '$PP_TMP/saved.pcap')\" = 640 ]"
ln -s "$PP_TMP/target" "$PP_TMP/link.pcap"
run symlink -w "$PP_TMP/link.pcap" -r "$PCAP/sll_dns.pcap"
check "-w: refuses a symlink, status 1" bash -c "[ $rc = 1 ] && [ ! -e '$PP_TMP/target' ]"
cp "$PCAP/sll_dns.pcap" "$PP_TMP/same.pcap"
run same -w "$PP_TMP/same.pcap" -r "$PP_TMP/same.pcap"
check "-w FILE -r FILE: refused, the capture kept" bash -c "[ $rc = 2 ] && cmp -s '$PCAP/sll_dns.pcap' '$PP_TMP/same.pcap'"
run wdash -w - -r "$PCAP/sll_dns.pcap"
check "-w -: usage error" [ $rc = 2 ]

# --- exit status and messages -------------------------------------------------
run noarg
check "neither -i nor -r: status 2" [ $rc = 2 ]
run missing -r "$PP_TMP/nonexistent.pcap"
check "missing file: status 1, named once" bash -c "[ $rc = 1 ] && grep -qx 'pp-sniff: $PP_TMP/nonexistent.pcap: No such file or directory' '$PP_TMP/missing.err'"
head -c 40 /dev/urandom >"$PP_TMP/garbage.pcap"
run garbage -r "$PP_TMP/garbage.pcap"
check "not a capture: status 1" [ $rc = 1 ]
# A capture file cut in the middle of a packet: what was read is reported,
# every flow still ends, status 1.
head -c $(( $(stat -c %s "$PCAP/eth_qinq_http.pcap") - 30 )) "$PCAP/eth_qinq_http.pcap" >"$PP_TMP/cut.pcap"
run cut -r "$PP_TMP/cut.pcap"
check "cut capture: status 1 with a message" bash -c "[ $rc = 1 ] && grep -q 'truncated' '$PP_TMP/cut.err'"
check "cut capture: flows still end" q cut '.event=="end"'
version_ok() { "$SNIFF" --version | grep -q '^pp-sniff (PortPulse) '; }
check "--version" version_ok
help_ok() { "$SNIFF" --help | grep -q '^usage: pp-sniff '; }
check "--help" help_ok
run bogus --bogus
check "unknown option: status 2" [ $rc = 2 ]

# SIGINT while reading a capture from a pipe that is still open (as in
# "tcpdump -w - | pp-sniff -r -"): every flow ends, status 0.
mkfifo "$PP_TMP/fifo"
"$SNIFF" -r - <"$PP_TMP/fifo" >"$PP_TMP/int.out" 2>"$PP_TMP/int.err" &
spid=$!
exec 7>"$PP_TMP/fifo"
cat "$PCAP/tcp_lifecycle.pcap" >&7
for _ in $(seq 50); do grep -q '"sport":1000,' "$PP_TMP/int.out" && break; sleep 0.1; done
check "a pipe streams: records come out before it ends" grep -q '"sport":1000,' "$PP_TMP/int.out"
kill -INT $spid
wait $spid
rc=$?
exec 7>&-
check "SIGINT on a pipe: status 0, no message" bash -c "[ $rc = 0 ] && [ ! -s '$PP_TMP/int.err' ]"
check "SIGINT on a pipe: every flow ends" \
    j int '([.[] | select(.event=="start")] | length) == ([.[] | select(.event=="end")] | length) and length > 0'

# A reader that goes away: quiet, status 0.
big=$PP_TMP/many.pcap
python3 - "$PCAP/sll_dns.pcap" "$big" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
hdr, rest = d[:24], d[24:]
out = [hdr]
for i in range(20000):  # the same DNS exchange on 20000 source ports
    off = 0
    while off < len(rest):
        sec, usec, cap, wire = struct.unpack('<IIII', rest[off:off + 16])
        pkt = bytearray(rest[off + 16:off + 16 + cap])
        if cap > 40 and pkt[16 + 9] == 17:
            p = 33333 + i % 30000
            if pkt[16 + 20:16 + 22] == b'\x82\x35':
                pkt[16 + 20:16 + 22] = struct.pack('>H', p)
            else:
                pkt[16 + 22:16 + 24] = struct.pack('>H', p)
            pkt[16 + 26:16 + 28] = b'\0\0'
        out.append(struct.pack('<IIII', sec + i, usec, cap, wire) + bytes(pkt))
        off += 16 + cap
open(sys.argv[2], 'wb').write(b''.join(out))
PY
"$SNIFF" -r "$big" 2>"$PP_TMP/head.err" | head -n 3 >/dev/null
rc=${PIPESTATUS[0]}
check "closed stdout: status 0, no message" bash -c "[ $rc = 0 ] && [ ! -s '$PP_TMP/head.err' ]"
if [ -w /dev/full ]; then
    "$SNIFF" -r "$big" >/dev/full 2>"$PP_TMP/full.err"; rc=$?
    check "ENOSPC: status 1, reported" bash -c "[ $rc = 1 ] && grep -q 'write error' '$PP_TMP/full.err'"
else
    skip "ENOSPC: /dev/full not writable here"
fi
