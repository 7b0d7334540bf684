#!/bin/bash
# pp-sniff -i lo in a network namespace of its own while real clients talk
# to real servers there: DNS (python client -> dnsmasq, over UDP and TCP),
# HTTP (curl -> python3 http.server), SSH (ssh -> sshd on a non-SSH port).
# The records must carry what the clients sent and the servers answered,
# and canaries placed in HTTP bodies (both ways), in a DNS TXT answer and in
# the DNS query's EDNS padding must appear nowhere in pp-sniff's output.
. "$(dirname "$0")/../lib.sh"

need_root || { skip "sniff-apps-live: needs root for a network namespace"; exit 0; }
for t in ip python3 curl dnsmasq ssh ssh-keygen jq; do
    have "$t" || { skip "sniff-apps-live: $t not installed"; exit 0; }
done
[ -x /usr/sbin/sshd ] || { skip "sniff-apps-live: sshd not installed"; exit 0; }
pp_tmpdir
pp_netns sniffapps || { fail "sniff-apps-live: cannot create a network namespace"; exit 0; }
T=$PP_TMP NS=$PP_NS
nsx() { ip netns exec "$NS" "$@"; }
# Background processes are started with ip netns exec itself (which execs
# the program), not through nsx, so that $! is the program.
CANARY=PPCANARY7f3a

# sshd wants its privilege-separation directory; make it only if missing.
if [ ! -d /run/sshd ]; then
    mkdir -p /run/sshd && chmod 0755 /run/sshd && pp_on_exit "rmdir /run/sshd"
fi

ip netns exec "$NS" "$PP_BIN/pp-sniff" -i lo -w "$T/cap.pcap" >"$T/out.jsonl" 2>"$T/err" &
sniff=$!
pp_on_exit "kill $sniff"

# Servers.
ip netns exec "$NS" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
    --user=root --listen-address=127.0.0.1 --bind-interfaces --port=53 --pid-file= \
    --address=/www.pp-test.example/192.0.2.80 \
    --txt-record=txt.pp-test.example,"v=pp1 $CANARY" >"$T/dnsmasq.log" 2>&1 &
pp_on_exit "kill $!"
mkdir -p "$T/www"
printf 'body %s body\n' "$CANARY" >"$T/www/canary.txt"
ip netns exec "$NS" python3 -m http.server 8080 --bind 127.0.0.1 --directory "$T/www" >"$T/http.log" 2>&1 &
pp_on_exit "kill $!"
ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey"
ip netns exec "$NS" /usr/sbin/sshd -D -e -f /dev/null -h "$T/hostkey" -p 2222 -o ListenAddress=127.0.0.1 \
    -o PidFile=none >"$T/sshd.log" 2>&1 &
pp_on_exit "kill $!"

# Wait for the listeners (and give the capture time to start).
for i in $(seq 50); do
    n=$(nsx ss -Hltun 2>/dev/null | grep -cE '127\.0\.0\.1:(53|8080|2222) ')
    [ "$n" -ge 4 ] && break
    sleep 0.1
done
sleep 0.5

# DNS: A with a canary in the EDNS padding option, TXT, then AAAA over TCP.
nsx python3 - "$CANARY" >"$T/dns.log" 2>&1 <<'EOF'
import socket, struct, sys
canary = sys.argv[1].encode()
def name(s):
    return b"".join(bytes([len(l)]) + l.encode() for l in s.split(".")) + b"\0"
def query(i, qname, qtype, pad=b""):
    opt = b"\0" + struct.pack(">HHIH", 41, 1232, 0, 4 + len(pad)) + struct.pack(">HH", 12, len(pad)) + pad
    return struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 1) + name(qname) + struct.pack(">HH", qtype, 1) + opt
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(3)
for i, (q, t, pad) in enumerate([("www.pp-test.example", 1, canary * 2), ("txt.pp-test.example", 16, b"")]):
    u.sendto(query(0x5000 + i, q, t, pad), ("127.0.0.1", 53))
    print("udp answer bytes", len(u.recvfrom(4096)[0]))
s = socket.create_connection(("127.0.0.1", 53), timeout=3)
m = query(0x6000, "www.pp-test.example", 28)
s.sendall(struct.pack(">H", len(m)) + m)
print("tcp answer bytes", len(s.recv(4096)))
s.close()
EOF
dns_rc=$?

# HTTP: a GET whose response body has the canary, a POST whose body has it.
nsx curl -s -A "pp-test-agent/1.0" http://127.0.0.1:8080/canary.txt >"$T/get.out"
nsx curl -s -o /dev/null -A "pp-test-agent/1.0" --data-binary "post $CANARY" http://127.0.0.1:8080/upload

# SSH: the banner exchange (authentication fails: BatchMode, no keys).
nsx ssh -v -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o ConnectTimeout=5 -p 2222 pptest@127.0.0.1 true >"$T/ssh.log" 2>&1

sleep 0.5
kill -INT $sniff
wait $sniff
rc=$?

check "sniff-apps-live exit status 0 ($rc)" [ $rc -eq 0 ]
check "sniff-apps-live sanitizers clean" san_clean "$T/err"
jq_ok() { jq -e . "$1" >/dev/null; }
check "sniff-apps-live every line is JSON" jq_ok "$T/out.jsonl"
check "sniff-apps-live dns client ran" [ $dns_rc -eq 0 ]
check "sniff-apps-live curl got the body" grep -q "$CANARY" "$T/get.out"

sel() { jq -c "select($1)" "$T/out.jsonl"; }
has() { [ -n "$(sel "$1")" ]; }

# DNS
check "sniff-apps-live dns A query" has '.type=="dns" and .msg=="query" and .qname=="www.pp-test.example" and .qtype=="A" and .transport=="udp" and .id==20480 and .dport==53'
check "sniff-apps-live dns A answer" has '.type=="dns" and .msg=="response" and .rcode=="NOERROR" and .answers==[{"name":"www.pp-test.example","type":"A","ttl":0,"data":"192.0.2.80"}]'
check "sniff-apps-live dns TXT answer, without its text" has '.type=="dns" and .msg=="response" and .qtype=="TXT" and .answers[0].type=="TXT" and (.answers[0]|has("data")|not)'
check "sniff-apps-live dns over TCP" has '.type=="dns" and .transport=="tcp" and .proto=="tcp" and .msg=="query" and .qtype=="AAAA" and .id==24576'
check "sniff-apps-live dns over TCP answer" has '.type=="dns" and .transport=="tcp" and .msg=="response" and .qtype=="AAAA"'
check "sniff-apps-live dns flows marked" has '.type=="flow" and .event=="end" and .dport==53 and .app=="dns"'

# HTTP
check "sniff-apps-live http GET" has '.type=="http" and .msg=="request" and .method=="GET" and .host=="127.0.0.1:8080" and .path=="/canary.txt" and .user_agent=="pp-test-agent/1.0" and .version=="HTTP/1.1"'
check "sniff-apps-live http POST" has '.type=="http" and .msg=="request" and .method=="POST" and .path=="/upload"'
check "sniff-apps-live http 200" has '.type=="http" and .msg=="response" and .status==200 and .src=="127.0.0.1" and .dport==8080'
check "sniff-apps-live http 501 for the POST" has '.type=="http" and .msg=="response" and .status==501'

# SSH: the banners as the client itself logged them.
local_v=$(sed -n 's/^debug1: Local version string //p' "$T/ssh.log" | tr -d '\r')
remote_sw=$(sed -n 's/^debug1: Remote protocol version 2.0, remote software version //p' "$T/ssh.log" | tr -d '\r')
if [ -z "$local_v" ] || [ -z "$remote_sw" ]; then
    fail "sniff-apps-live ssh: the client logged no banners (see sshd log: $(head -c 200 "$T/sshd.log"))"
else
    check "sniff-apps-live ssh client banner" has ".type==\"ssh\" and .client==\"$local_v\" and .version==\"2.0\" and .dport==2222"
    check "sniff-apps-live ssh server banner" has ".type==\"ssh\" and .server==\"SSH-2.0-$remote_sw\" and .server_software==\"${remote_sw%% *}\""
    check "sniff-apps-live ssh flow on port 2222 marked ssh" has '.type=="flow" and .event=="end" and .dport==2222 and .app=="ssh"'
fi

# No payload: the canaries went over the wire (the -w capture has them in
# the DNS padding and TXT answer, the POST body and the GET's response
# body) but never
# show in pp-sniff's output (stdout or stderr).
n=$(grep -ao "$CANARY" "$T/cap.pcap" | wc -l)
check "sniff-apps-live canary on the wire ($n times)" [ "$n" -ge 5 ]
check "sniff-apps-live canary absent" bash -c "! grep -q '$CANARY' '$T/out.jsonl' '$T/err'"
exit 0
