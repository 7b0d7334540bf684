#!/bin/bash
# pp-sniff live on the loopback of a network namespace of its own, while
# real clients talk to real servers there: curl to python's http.server,
# openssl s_client to openssl s_server, a DNS query to dnsmasq, ssh to
# sshd. The records must carry what the clients sent; SIGINT must end every
# flow; the capture statistics are reported; no HTTP body byte comes out.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
SNIFF=$PP_BIN/pp-sniff
CANARY=CANARY-live-5e1d-body-must-not-leak
has() { [ -f "$PP_ROOT/cmd/pp-sniff/$1.c" ]; }

if ! need_root; then skip "sniff live: needs root for a network namespace"; exit 0; fi
for t in curl openssl dnsmasq; do
    have "$t" || { skip "sniff live: $t not installed"; exit 0; }
done
pp_netns sniff || { skip "sniff live: cannot create a network namespace"; exit 0; }
NS() { ip netns exec "$PP_NS" "$@"; }
cd "$PP_TMP" || exit 1

# pp-sniff on lo, until SIGINT.
ip netns exec "$PP_NS" "$SNIFF" -v -i lo >live.out 2>live.err &
sniff_pid=$!
pp_on_exit "kill $sniff_pid"
# Ready when it sees our own datagrams.
for _ in $(seq 50); do
    NS bash -c 'echo ready >/dev/udp/127.0.0.1/9' 2>/dev/null
    grep -q '"dport":9,' live.out 2>/dev/null && break
    sleep 0.1
done
check "live: sees packets on lo" grep -q '"dport":9,' live.out
# -s 80: a second pp-sniff that keeps 80 bytes of each packet (link 14, IP
# 20, TCP 32 with timestamps: 14 bytes of payload) while curl fetches 200 kB.
ip netns exec "$PP_NS" "$SNIFF" -i lo -s 80 tcp port 8080 or udp port 9 >snap.out 2>snap.err &
snap_pid=$!
pp_on_exit "kill $snap_pid"
for _ in $(seq 50); do
    NS bash -c 'echo ready >/dev/udp/127.0.0.1/9' 2>/dev/null
    grep -q '"dport":9,' snap.out 2>/dev/null && break
    sleep 0.1
done

# HTTP: a file with the canary, fetched by curl with our Host and agent.
mkdir www && printf 'body %s\n' "$CANARY" >www/canary.txt
head -c 200000 /dev/zero | tr '\0' x >www/big.txt
ip netns exec "$PP_NS" python3 -m http.server 8080 --bind 127.0.0.1 --directory www >http.log 2>&1 &
pp_on_exit "kill $!"
# TLS: a self-signed certificate, s_server answering one connection.
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 1 \
    -subj /CN=live.example >/dev/null 2>&1
ip netns exec "$PP_NS" openssl s_server -accept 4433 -cert cert.pem -key key.pem -alpn h2 -quiet >tls.log 2>&1 &
pp_on_exit "kill $!"
# DNS: dnsmasq answering from its own records.
ip netns exec "$PP_NS" dnsmasq --no-daemon --no-resolv --no-hosts --listen-address=127.0.0.1 --bind-interfaces \
    --port=53 --address=/live.example/192.0.2.77 --pid-file= >dns.log 2>&1 &
pp_on_exit "kill $!"
# SSH: sshd with a throwaway host key (only the banner exchange matters).
ssh_ok=0
if [ -x /usr/sbin/sshd ] && have ssh-keygen && have ssh; then
    ssh-keygen -q -t ed25519 -N '' -f hostkey >/dev/null 2>&1
    mkdir -p /run/sshd
    ip netns exec "$PP_NS" /usr/sbin/sshd -D -e -f /dev/null -h "$PP_TMP/hostkey" -p 2222 -o ListenAddress=127.0.0.1 \
        -o PidFile=none >sshd.log 2>&1 &
    pp_on_exit "kill $!"
    ssh_ok=1
fi
for _ in $(seq 50); do
    NS bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080 && exec 4<>/dev/tcp/127.0.0.1/4433' 2>/dev/null && break
    sleep 0.1
done

NS curl -s -A 'pp-live-agent/1.0' -H 'Host: live.example' http://127.0.0.1:8080/canary.txt >curl.out
check "live: curl got the body" grep -q "$CANARY" curl.out
NS curl -s -A 'pp-live-agent/1.0' -H 'Host: live.example' http://127.0.0.1:8080/big.txt -o big.out
NS openssl s_client -connect 127.0.0.1:4433 -servername live.example -alpn h2 </dev/null >sclient.out 2>&1
NS python3 - <<'PY'
import socket, struct
q = struct.pack('>HHHHHH', 0x5151, 0x0100, 1, 0, 0, 0)
q += b''.join(bytes([len(l)]) + l.encode() for l in 'www.live.example'.split('.')) + b'\0'
q += struct.pack('>HH', 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(q, ('127.0.0.1', 53))
s.recvfrom(512)
PY
check "live: dnsmasq answered" [ $? = 0 ]
[ $ssh_ok = 1 ] && NS timeout 5 ssh -o BatchMode=yes -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -p 2222 nobody@127.0.0.1 true >/dev/null 2>&1
sleep 0.5   # one poll period: the last packets reach pp-sniff
kill -INT $snap_pid
wait $snap_pid
snap_rc=$?
kill -INT $sniff_pid
wait $sniff_pid
rc=$?
check "live -s 80: SIGINT ends cleanly, status 0" [ $snap_rc = 0 ]
check "live -s 80: no sanitizer report" san_clean snap.err
check "live -s 80: cut packets counted as truncated" grep -Eq '[1-9][0-9]* packets truncated' snap.err
# The big download's flow: bytes from the IP headers, not the 80 captured.
snap_big() {
    jq -e -s '[.[] | select(.type=="flow" and .event=="end" and .dport==8080)] |
        any(.[]; .resp_ip_bytes > 200000 and .resp_ip_bytes > 80 * .resp_pkts and .resp_bytes > 200000)' snap.out >/dev/null 2>&1
}
check "live -s 80: flows counted with their real lengths" snap_big
check "live -s 80: no record from cut application data (14 bytes of a request)" \
    jq -e -s 'all(.[]; .type=="flow")' snap.out

q() { jq -e -s "any(.[]; $1)" live.out >/dev/null 2>&1; }
check "live: SIGINT ends cleanly, status 0" [ $rc = 0 ]
check "live: no sanitizer report" san_clean live.err
check "live: capture statistics at exit" grep -q 'packets received by filter, [0-9]* dropped by kernel' live.err
json_ok() { jq -e . "$1" >/dev/null 2>&1; }
check "live: records are valid JSON" json_ok live.out
check "live: iface lo" q '.type=="flow" and .iface=="lo"'
all_ended() {
    jq -e -s '([.[] | select(.event=="start") | .community_id] | sort) == ([.[] | select(.event=="end") | .community_id] | sort)' live.out >/dev/null
}
check "live: every flow that started has ended" all_ended
check "live: end records for the flows open at SIGINT (eof)" q '.event=="end" and .reason=="eof"'
if has http; then
    check "live: HTTP host, path, user agent" \
        q '.type=="http" and .host=="live.example" and .path=="/canary.txt" and .user_agent=="pp-live-agent/1.0" and .method=="GET"'
    check "live: HTTP response status" q '.type=="http" and .status==200'
else skip "live http: no http dissector in this tree"; fi
if has tls; then
    check "live: TLS SNI and ALPN from s_client" q '.type=="tls" and .sni=="live.example" and .alpn==["h2"]'
else skip "live tls: no tls dissector in this tree"; fi
if has dns; then
    check "live: DNS query and answer" q '.type=="dns" and .qname=="www.live.example" and .answers[0].data=="192.0.2.77"'
else skip "live dns: no dns dissector in this tree"; fi
if has ssh && [ $ssh_ok = 1 ]; then
    check "live: SSH client and server banners" \
        q '.type=="ssh" and (.client // "" | startswith("SSH-2.0-OpenSSH"))'
    check "live: SSH server banner" q '.type=="ssh" and (.server // "" | startswith("SSH-2.0-OpenSSH"))'
else skip "live ssh: no ssh dissector or no sshd here"; fi
check "live: the HTTP body canary never comes out" bash -c "! grep -q '$CANARY' live.out live.err"

# -i any: the interface of each packet from the cooked v2 header.
ip netns exec "$PP_NS" timeout 20 "$SNIFF" -i any -c 2 udp port 9 >any.out 2>any.err &
any_pid=$!
for _ in $(seq 100); do
    NS bash -c 'echo x >/dev/udp/127.0.0.1/9' 2>/dev/null
    kill -0 $any_pid 2>/dev/null || break
    sleep 0.1
done
wait $any_pid
rc=$?
any_ok() { jq -e -s 'any(.[]; .type=="flow" and .event=="end" and .iface=="lo" and .dport==9)' any.out >/dev/null 2>&1; }
check "live -i any -c 2: ends by itself (status $rc), iface named" any_ok
