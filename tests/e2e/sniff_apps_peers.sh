#!/bin/bash
# pp-sniff's application dissectors on real peers, live: a DHCP exchange
# with dnsmasq between two network namespaces of our own (the client's
# DISCOVER and REQUEST are sent with scapy, the OFFER and ACK are
# dnsmasq's), and an SMTP session between Python's smtpd and smtplib.
# pp-sniff captures live (-i) and writes the packets (-w); its records must
# agree with tshark's fields on that capture (tests/apps_compare.py) and
# with what the peers themselves say (dnsmasq's lease file, the client's
# EHLO name).
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
T=$PP_TMP
SNIFF=$PP_BIN/pp-sniff
need_root || { skip "sniff apps peers: need root for network namespaces and capture"; exit 0; }
for c in tshark jq; do have $c || { skip "sniff apps peers: $c not installed"; exit 0; }; done

# jqs FILTER FILE: the filter over all of FILE's records is true.
jqs() { jq -e -s "$1" "$2" >/dev/null 2>&1; }
# stop PID: SIGINT, and wait for it to write its last records.
stop() {
    kill -INT "$1" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
    fail "sniff apps peers: pp-sniff did not end on SIGINT"
}
# wait_for FILE PATTERN: until the file has the pattern (10 s).
wait_for() {
    for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}

# --- DHCP: dnsmasq serves, scapy asks ----------------------------------------
if ! have dnsmasq || [ ! -x /usr/bin/python3 ] || ! /usr/bin/python3 -c 'import scapy' 2>/dev/null; then
    skip "sniff apps peers dhcp: needs dnsmasq and python3-scapy"
else
    pp_netns dhcps && NS_S=$PP_NS
    pp_netns dhcpc && NS_C=$PP_NS
    ip link add ppd$$s netns "$NS_S" type veth peer name ppd$$c netns "$NS_C"
    ip -n "$NS_S" addr add 10.77.0.1/24 dev ppd$$s
    ip -n "$NS_S" link set ppd$$s up
    ip -n "$NS_C" link set ppd$$c up
    touch "$T/leases"
    ip netns exec "$NS_S" dnsmasq --keep-in-foreground --conf-file=/dev/null --user=root --port=0 \
        --interface=ppd$$s --bind-interfaces --dhcp-range=10.77.0.50,10.77.0.99,1h \
        --dhcp-leasefile="$T/leases" --pid-file="$T/dnsmasq.pid" --log-facility="$T/dnsmasq.log" \
        2>"$T/dnsmasq.err" &
    dnsmasq_pid=$!
    pp_on_exit "kill $dnsmasq_pid"
    pp_on_exit "kill \$(cat $T/dnsmasq.pid)"
    ip netns exec "$NS_C" "$SNIFF" -i ppd$$c -w "$T/dhcp.pcap" >"$T/dhcp.jsonl" 2>"$T/dhcp.err" &
    sniff_pid=$!
    pp_on_exit "kill $sniff_pid"
    wait_for "$T/dnsmasq.log" 'DHCP, IP range' || fail "sniff apps peers dhcp: dnsmasq did not start: $(head -c 300 "$T/dnsmasq.err")"
    sleep 1 # pp-sniff opens the interface
    cat >"$T/client.py" <<'PY'
import sys
from scapy.all import BOOTP, DHCP, IP, UDP, Ether, conf, get_if_hwaddr, mac2str, srp1
conf.checkIPaddr = False
iface = sys.argv[1]
mac = get_if_hwaddr(iface)
opts = [('hostname', b'pp-peer-host'), ('vendor_class_id', b'pp-test-client 1.0'),
        ('param_req_list', [1, 3, 6, 15, 51, 54])]
def ask(o):
    p = (Ether(dst='ff:ff:ff:ff:ff:ff', src=mac) / IP(src='0.0.0.0', dst='255.255.255.255') /
         UDP(sport=68, dport=67) / BOOTP(chaddr=mac2str(mac), xid=0x5eed) / DHCP(options=o + opts + ['end']))
    return srp1(p, iface=iface, timeout=5, verbose=0)
offer = ask([('message-type', 'discover')])
sid = [v for k, *v in offer[DHCP].options if k == 'server_id'][0][0]
ack = ask([('message-type', 'request'), ('requested_addr', offer[BOOTP].yiaddr), ('server_id', sid)])
print(ack[BOOTP].yiaddr, mac)
PY
    if ip netns exec "$NS_C" /usr/bin/python3 "$T/client.py" ppd$$c >"$T/client.out" 2>"$T/client.err"; then
        read -r addr mac <"$T/client.out"
        wait_for "$T/dhcp.jsonl" '"msg":"ack"'
        stop $sniff_pid
        san_clean "$T/dhcp.err" || fail "sniff apps peers dhcp: sanitizer report"
        check "sniff apps peers dhcp: dnsmasq leased $addr to the client" grep -q "$addr" "$T/leases"
        check "sniff apps peers dhcp: discover, offer, request, ack" jqs \
            '[.[] | select(.type=="dhcp") | .msg] == ["discover","offer","request","ack"]' "$T/dhcp.jsonl"
        check "sniff apps peers dhcp: the client's host name, vendor class and parameters" jqs \
            "any(.[]; .type==\"dhcp\" and .msg==\"request\" and .hostname==\"pp-peer-host\" and .vendor_class==\"pp-test-client 1.0\" and .requested_addr==\"$addr\" and .params==[1,3,6,15,51,54] and .client_mac==\"$mac\")" "$T/dhcp.jsonl"
        check "sniff apps peers dhcp: dnsmasq's ack with the leased address, server and lease" jqs \
            "any(.[]; .type==\"dhcp\" and .msg==\"ack\" and .assigned_addr==\"$addr\" and .server_id==\"10.77.0.1\" and .lease_time==3600)" "$T/dhcp.jsonl"
        python3 "$PP_ROOT/tests/apps_compare.py" "$T/dhcp.pcap" "$T/dhcp.jsonl" "$PP_ROOT/tests/apps_known_diffs.tsv" |
            sed 's/^\(PASS\|FAIL\) /\1 sniff apps peers tshark /'
    else
        stop $sniff_pid
        fail "sniff apps peers dhcp: no lease from dnsmasq: $(tail -c 300 "$T/client.err" "$T/dnsmasq.log")"
    fi
fi

# --- SMTP: Python's smtpd and smtplib ----------------------------------------
if [ ! -x /usr/bin/python3 ] || ! /usr/bin/python3 -W ignore -c 'import smtpd' 2>/dev/null; then
    skip "sniff apps peers smtp: Python's smtpd module is not available"
else
    pp_netns smtp && NS=$PP_NS
    ip netns exec "$NS" "$SNIFF" -i lo -w "$T/smtp.pcap" >"$T/smtp.jsonl" 2>"$T/smtp.err" &
    sniff_pid=$!
    pp_on_exit "kill $sniff_pid"
    sleep 1
    cat >"$T/smtp.py" <<'PY'
import asyncore, smtplib, threading, time, warnings
warnings.simplefilter('ignore')
import smtpd
class Sink(smtpd.SMTPServer):
    def process_message(self, *a, **kw):
        return None
Sink(('127.0.0.1', 2526), None)
threading.Thread(target=asyncore.loop, kwargs={'timeout': 0.1}, daemon=True).start()
time.sleep(0.3)
s = smtplib.SMTP('127.0.0.1', 2526, local_hostname='peer-client.test')
s.sendmail('a@x.test', ['b@y.test'], 'Subject: hello\r\n\r\nbody\r\n')
s.quit()
PY
    if ip netns exec "$NS" /usr/bin/python3 "$T/smtp.py" >"$T/smtp.out" 2>&1; then
        wait_for "$T/smtp.jsonl" '"type":"smtp"'
        stop $sniff_pid
        san_clean "$T/smtp.err" || fail "sniff apps peers smtp: sanitizer report"
        check "sniff apps peers smtp: smtpd's greeting, the EHLO name, the commands" jqs \
            'any(.[]; .type=="smtp" and .dport==2526 and (.banner|test("Python SMTP")) and .server_software=="Python SMTP proxy" and .helo=="peer-client.test" and .commands==["EHLO","MAIL","RCPT","DATA","QUIT"] and .starttls==false)' \
            "$T/smtp.jsonl"
        python3 "$PP_ROOT/tests/apps_compare.py" "$T/smtp.pcap" "$T/smtp.jsonl" "$PP_ROOT/tests/apps_known_diffs.tsv" \
            tcp.port==2526,smtp | sed 's/^\(PASS\|FAIL\) /\1 sniff apps peers tshark /'
    else
        stop $sniff_pid
        fail "sniff apps peers smtp: the session failed: $(tail -c 300 "$T/smtp.out")"
    fi
fi
