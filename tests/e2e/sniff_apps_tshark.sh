#!/bin/bash
# pp-sniff's application dissectors (SMTP, IMAP, POP3, FTP, DHCP, NTP, STUN,
# SSDP, SIP, MQTT, BitTorrent) against tshark's fields
# (tests/apps_compare.py): on the project's own captures
# (scripts/make_app_pcaps.py; tshark told the protocol where it goes by port
# and we do not), then on every real capture of ../shared/pcaps and
# ../shared/pcaps/next, where any record of these types that tshark does not
# confirm (a wrong guess) or any message of them that tshark dissects and
# pp-sniff misses fails, except the reasoned differences listed in
# tests/apps_known_diffs.tsv. Every run is checked for sanitizer reports,
# and no record may carry the canary of the own captures.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
SNIFF=$PP_BIN/pp-sniff
PCAP=$PP_ROOT/tests/pcap
DIFFS=$PP_ROOT/tests/apps_known_diffs.tsv
CANARY=CANARY-7f3a9c-payload-must-not-leak
command -v tshark >/dev/null || { skip "sniff apps tshark: tshark not installed"; exit 0; }

# jqs FILTER FILE: the filter over all of FILE's records is true.
jqs() { jq -e -s "$1" "$2" >/dev/null 2>&1; }

# compare CAPTURE [decode-as ...]: one PASS/FAIL line per protocol present.
compare() {
    local f=$1 b out err
    shift
    b=$(basename "$f")
    out=$PP_TMP/$b.jsonl err=$PP_TMP/$b.err
    "$SNIFF" -r "$f" >"$out" 2>"$err"
    san_clean "$err" || { fail "sniff apps $b: sanitizer report"; return; }
    python3 "$PP_ROOT/tests/apps_compare.py" "$f" "$out" "$DIFFS" "$@"
}

# --- own captures: every protocol must be there and agree -------------------
declare -A DECODE=(
    [mail_ftp]="tcp.port==2500,smtp tcp.port==1100,pop tcp.port==2121,ftp tcp.port==1430,imap"
    [udp_apps]="udp.port==4123,ntp udp.port==40999,stun"
    [sip_mqtt_bt]="udp.port==5090,sip tcp.port==11883,mqtt tcp.port==51413,bittorrent udp.port==6881,bt-dht"
)
declare -A WANT=(
    [mail_ftp]="smtp imap pop3 ftp"
    [udp_apps]="dhcp ntp stun ssdp"
    [sip_mqtt_bt]="sip mqtt bittorrent"
)
for c in mail_ftp udp_apps sip_mqtt_bt; do
    # shellcheck disable=SC2086
    res=$(compare "$PCAP/$c.pcap" ${DECODE[$c]})
    echo "$res"
    for p in ${WANT[$c]}; do
        grep -q "^PASS $c.pcap $p: [1-9]" <<<"$res" || fail "sniff apps $c: no $p fact agreed with tshark"
    done
    if grep -q "$CANARY" "$PP_TMP/$c.pcap.jsonl"; then
        fail "sniff apps $c: the canary (a password, body or payload) is in a record"
    else
        pass "sniff apps $c: no canary in $(grep -c . "$PP_TMP/$c.pcap.jsonl") records"
    fi
done

# The port never forces a parser: HTTP on port 25 is HTTP, a bare "220"
# nobody answers is nothing.
o=$PP_TMP/mail_ftp.pcap.jsonl
check "sniff apps: HTTP on port 25 is not SMTP" jqs \
    'any(.[]; .type=="http" and .dport==25) and all(.[]; .type!="smtp" or .sport!=41008)' "$o"
check "sniff apps: an ambiguous 220 greeting gives no record" jqs \
    'all(.[]; (.type=="flow") or .sport!=41007) and any(.[]; .type=="flow" and .event=="end" and .sport==41007 and (has("app")|not))' "$o"
check "sniff apps: STARTTLS (SMTP, IMAP) and AUTH TLS (FTP) still hand over to TLS" jqs \
    '[.[] | select(.type=="tls" and .msg=="client_hello") | .sni] | index("smtp.example") != null and index("ftp.example") != null and index("imap.example") != null' "$o"
check "sniff apps: an HTTP request to an SMTP server gives both" jqs \
    'any(.[]; .type=="http" and .sport==41010 and .path=="/to-smtp") and any(.[]; .type=="smtp" and .sport==41010 and .server_software=="Postfix" and (has("commands")|not))' "$o"
check "sniff apps: mDNS service type and instance in dns records" jqs \
    'any(.[]; .type=="dns" and .qname=="_googlecast._tcp.local" and .qtype=="PTR") and any(.[]; .type=="dns" and .msg=="response" and .answers[0].data=="Living-Room-TV._googlecast._tcp.local" and .answers[1].type=="SRV")' \
    "$PP_TMP/udp_apps.pcap.jsonl"

# --- real captures: no wrong guesses, no misses -------------------------------
if [ ! -d "$PP_PCAPS" ]; then
    skip "sniff apps real captures: $PP_PCAPS absent (needs ../shared)"
    exit 0
fi
shopt -s nullglob
n=0 bad=0
for f in "$PP_PCAPS"/*.pcap "$PP_PCAPS"/*.pcapng "$PP_PCAPS"/next/*.pcap "$PP_PCAPS"/next/*.pcapng; do
    res=$(compare "$f")
    n=$((n + 1))
    [ -n "$res" ] && echo "$res"
    grep -q '^FAIL' <<<"$res" && bad=$((bad + 1))
done
[ $bad = 0 ] && pass "sniff apps real captures: $n captures, every application record confirmed by tshark"
