#!/bin/bash
# Make a handshake-heavy capture from real clients, for scripts/bench-sniff.sh.
#
# usage: scripts/make-handshake-pcap.sh OUT.pcap [PACKETS]      (default 600000)
#
# Two network namespaces joined by a veth pair (MTU 1500): a server side
# with openssl s_server (TLS 1.3 and 1.2, self-signed certificate), python3
# http.server, dnsmasq and sshd, and a client side where curl (HTTPS with
# SNI and ALPN, plain HTTP), openssl s_client, dig (UDP and TCP, A/AAAA/MX)
# and ssh (banner exchange and key exchange, then a refused login) run short
# sessions one after another, over IPv4 and IPv6, while tcpdump captures on
# the server's veth. That capture (BENCH_HS_ROUNDS rounds of clients, default
# 120) is then repeated by scripts/replicate-pcap.py with other client
# addresses and later timestamps until it has PACKETS packets, so the file
# is the traffic of many clients, each flow a real client's.
# Needs root (namespaces), tcpdump, openssl, curl, dig, ssh, sshd, dnsmasq.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: make-handshake-pcap.sh OUT.pcap [PACKETS]}
packets=${2:-600000}
rounds=${BENCH_HS_ROUNDS:-120}
for t in ip tcpdump openssl curl dig ssh ssh-keygen dnsmasq python3; do
    command -v "$t" >/dev/null || { echo "make-handshake-pcap: $t not installed" >&2; exit 1; }
done
[ -x /usr/sbin/sshd ] || { echo "make-handshake-pcap: sshd not installed" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "make-handshake-pcap: needs root for network namespaces" >&2; exit 1; }

tmp=$(mktemp -d)
cns=pp-hsc-$$ sns=pp-hss-$$
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    ip netns del "$cns" 2>/dev/null || true
    ip netns del "$sns" 2>/dev/null || true
    [ -n "${made_run_sshd:-}" ] && rmdir /run/sshd 2>/dev/null
    [ -n "${HS_DEBUG:-}" ] && tail -n 5 "$tmp"/*.log >&2
    rm -rf "$tmp"
}
trap cleanup EXIT
c() { ip netns exec "$cns" "$@"; }

ip netns add "$cns"
ip netns add "$sns"
ip link add ppc$$ netns "$cns" type veth peer name pps$$ netns "$sns"
for ns in "$cns" "$sns"; do ip -n "$ns" link set lo up; done
ip -n "$cns" addr add 10.77.0.1/24 dev ppc$$
ip -n "$sns" addr add 10.77.0.2/24 dev pps$$
ip -n "$cns" addr add fd77::1/64 dev ppc$$ nodad
ip -n "$sns" addr add fd77::2/64 dev pps$$ nodad
ip -n "$cns" link set ppc$$ up
ip -n "$sns" link set pps$$ up

# Servers. Background programs are started by ip netns exec itself (it
# execs them), so that $! is the server.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=bench.example \
    -addext subjectAltName=DNS:bench.example,DNS:www.bench.example,DNS:api.bench.example \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
for fam in 4 6; do
    ip netns exec "$sns" openssl s_server -quiet -www -$fam -accept 443 -naccept 1000000 \
        -cert "$tmp/cert.pem" -key "$tmp/key.pem" -alpn http/1.1 >"$tmp/tls$fam.log" 2>&1 &
    pids+=($!)
done
mkdir -p "$tmp/www"
head -c 500 /dev/zero | tr '\0' x >"$tmp/www/index.html"
ip netns exec "$sns" python3 -m http.server 80 --bind :: --directory "$tmp/www" >"$tmp/http.log" 2>&1 &
pids+=($!)
ip netns exec "$sns" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
    --user=root --port=53 --pid-file= --address=/bench.example/192.0.2.80 --address=/bench.example/2001:db8::80 \
    --mx-host=bench.example,mail.bench.example,10 >"$tmp/dns.log" 2>&1 &
pids+=($!)
if [ ! -d /run/sshd ]; then mkdir -p /run/sshd && chmod 0755 /run/sshd && made_run_sshd=1; fi
ssh-keygen -q -t ed25519 -N '' -f "$tmp/hostkey"
ip netns exec "$sns" /usr/sbin/sshd -D -e -f /dev/null -h "$tmp/hostkey" -p 22 -o PidFile=none \
    -o MaxStartups=100 >"$tmp/sshd.log" 2>&1 &
pids+=($!)
for i in $(seq 100); do
    n=$(ip netns exec "$sns" ss -Hltn 2>/dev/null | grep -cE ':(443|80|53|22) ' || true)
    [ "$n" -ge 5 ] && break
    sleep 0.1
done

ip netns exec "$sns" tcpdump -q -n -s 0 -U --immediate-mode -i pps$$ -w "$tmp/raw.pcap" 2>"$tmp/tcpdump.log" &
tcpdump=$!
pids+=($tcpdump)
for i in $(seq 50); do grep -q listening "$tmp/tcpdump.log" && break; sleep 0.1; done

# One round: each kind of client once or more, IPv4 and IPv6.
names=(bench.example www.bench.example api.bench.example)
sshopt=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5)
echo "   capturing $rounds rounds of real clients" >&2
[ -n "${HS_DEBUG:-}" ] && { PS4='+ $EPOCHREALTIME '; set -x; }
for ((r = 0; r < rounds; r++)); do
    n=${names[r % 3]}
    c curl -sk -o /dev/null --max-time 5 --resolve "$n:443:10.77.0.2" "https://$n/" || true
    c curl -sk -o /dev/null --max-time 5 --http1.1 --tlsv1.2 --tls-max 1.2 --resolve "$n:443:10.77.0.2" \
        "https://$n/" || true
    c curl -sk -o /dev/null --max-time 5 -6 --resolve "$n:443:fd77::2" "https://$n/" || true
    c openssl s_client -brief -connect 10.77.0.2:443 -servername "$n" -alpn h2,http/1.1 </dev/null >/dev/null 2>&1 || true
    c curl -s -o /dev/null --max-time 5 -A "bench/$r" "http://10.77.0.2/index.html" || true
    c curl -s -o /dev/null --max-time 5 -6 "http://[fd77::2]/missing" || true
    c dig +tries=1 +time=2 @10.77.0.2 "$n" A >/dev/null || true
    c dig +tries=1 +time=2 @10.77.0.2 "$n" AAAA >/dev/null || true
    c dig +tries=1 +time=2 @fd77::2 "$n" MX >/dev/null || true
    c dig +tries=1 +time=2 +tcp @10.77.0.2 "$n" A >/dev/null || true
    c dig +tries=1 +time=2 @10.77.0.2 "h$r.$n" A >/dev/null || true
    if ((r % 3 == 0)); then
        c ssh "${sshopt[@]}" -p 22 bench@10.77.0.2 true >/dev/null 2>&1 || true
    fi
done
sleep 1
kill -INT "$tcpdump"
wait "$tcpdump" 2>/dev/null || true
/usr/bin/python3 scripts/replicate-pcap.py "$tmp/raw.pcap" "$out" "$packets"
