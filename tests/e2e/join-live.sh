#!/bin/bash
# pp-join live, end to end, with the real producers: pp-trace and
# pp-sniff -i lo in a network namespace of our own, while curl fetches
# https://app.pp-join.test:8443/ from a local TLS server (openssl s_server),
# the name resolved through a local DNS server (dnsmasq). Both streams go
# through FIFOs into pp-join. The joined ClientHello must carry curl's pid
# and the SNI, curl's connect record the DNS name, the DNS query curl's pid.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
T=$PP_TMP
NAME=app.pp-join.test
CASES=("tls record has curl's pid and SNI" "sock record has dst_name" "DNS query has curl's pid"
       "file mode on the recorded streams agrees" "pp-join: no sanitizer report")
skip_all() { local c; for c in "${CASES[@]}"; do skip "$c: $1"; done; exit 0; }

for c in pp-trace pp-sniff; do
    [ -x "$PP_BIN/$c" ] || skip_all "$c is not built in this checkout yet (needs the pp-trace and pp-sniff branches)"
done
need_root || skip_all "needs root (eBPF tracing, capture, netns)"
for c in dnsmasq openssl curl jq; do have $c || skip_all "$c not installed"; done

pp_netns joinlive || skip_all "cannot create a network namespace"
NS=$PP_NS
# Everything started in the namespace ends with the test (ip netns exec
# forks, so the pids of our background jobs are not theirs), before the
# namespace goes.
PP_CLEANUP_CMDS=("ip netns pids $NS | xargs -r kill" "${PP_CLEANUP_CMDS[@]}")
inns() { ip netns exec "$NS" "$@"; }
# ip netns exec puts /etc/netns/NS/resolv.conf over /etc/resolv.conf.
mkdir -p "/etc/netns/$NS"
echo "nameserver 127.0.0.1" >"/etc/netns/$NS/resolv.conf"
pp_on_exit "rm -rf /etc/netns/$NS"

inns dnsmasq --keep-in-foreground --conf-file=/dev/null --user=root --listen-address=127.0.0.1 \
    --bind-interfaces --port=53 --no-resolv --no-hosts --address="/$NAME/127.0.0.2" \
    --log-facility="$T/dnsmasq.log" 2>"$T/dnsmasq.err" &
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=$NAME" -keyout "$T/key.pem" -out "$T/cert.pem" \
    -days 1 2>/dev/null
inns openssl s_server -accept 127.0.0.2:8443 -cert "$T/cert.pem" -key "$T/key.pem" -www -quiet \
    </dev/null >/dev/null 2>"$T/server.err" &

mkfifo "$T/trace.fifo" "$T/sniff.fifo"
# A generous hold-back: the sanitizer builds of pp-trace and pp-sniff on a
# loaded machine can be over a second apart; matching is what is tested.
"$PP_BIN/pp-join" --delay 3 "$T/trace.fifo" "$T/sniff.fifo" >"$T/joined.jsonl" 2>"$T/join.err" &
jpid=$!
# Each producer's stream is kept too, for the file-mode comparison.
# ip netns exec forks: each shell tells its own pid, then becomes the
# command. Only curl's sockets are traced: the host may be busy with other
# tests' traffic.
inns sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$T/trace.pid" "$PP_BIN/pp-trace" --comm curl -d 60 \
    > >(tee "$T/trace.jsonl" >"$T/trace.fifo") 2>"$T/trace.err" &
ipt=$!
inns sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$T/sniff.pid" "$PP_BIN/pp-sniff" -i lo \
    > >(tee "$T/sniff.jsonl" >"$T/sniff.fifo") 2>"$T/sniff.err" &
ips=$!
sleep 3   # eBPF programs loaded, capture open
tpid=$(cat "$T/trace.pid") spid=$(cat "$T/sniff.pid")
pp_on_exit "kill $tpid $spid $jpid"
# The shell tells its own pid, then becomes curl.
inns sh -c 'echo $$ >"$1"; exec curl -sk --max-time 10 -o /dev/null "https://$2:8443/"' sh "$T/curl.pid" "$NAME"
crc=$?
cpid=$(cat "$T/curl.pid")
sleep 1
# SIGTERM: background jobs of a script ignore SIGINT. pp-join writes what
# it still holds back when its inputs end.
kill -TERM $tpid $spid
wait $ipt $ips $jpid   # pp-join ends at the end of both inputs
echo "INFO curl pid $cpid, status $crc; records: $(wc -l <"$T/trace.jsonl") trace, $(wc -l <"$T/sniff.jsonl") sniffed, $(wc -l <"$T/joined.jsonl") joined"
if [ $crc != 0 ]; then
    for c in "${CASES[@]}"; do fail "$c: curl failed (status $crc): $(head -c 200 "$T/server.err" "$T/dnsmasq.err")"; done
    exit 0
fi

tls_pid() { jq -c --arg n "$NAME" 'select(.type=="tls" and .sni==$n)|.pid' "$1" | sort -u | tr -d '\n'; }
got=$(tls_pid "$T/joined.jsonl")
check "tls record has curl's pid and SNI" [ "$got" = "$cpid" ]
[ "$got" = "$cpid" ] || { echo "tls pid: '$got'" >&2; grep -h '"tls"' "$T/joined.jsonl" >&2; }
got=$(jq -r --argjson p "$cpid" 'select(.type=="sock" and .event=="connect" and .pid==$p and .dport==8443)|.dst_name' "$T/joined.jsonl" | sort -u | tr -d '\n')
check "sock record has dst_name" [ "$got" = "$NAME" ]
[ "$got" = "$NAME" ] || { echo "dst_name: '$got'" >&2; grep -h '"sock"' "$T/joined.jsonl" | grep 8443 >&2; }
got=$(jq -c --arg n "$NAME" 'select(.type=="dns" and .qname==$n)|.pid' "$T/joined.jsonl" | sort -u | tr -d '\n')
check "DNS query has curl's pid" [ "$got" = "$cpid" ]
[ "$got" = "$cpid" ] || { echo "dns pid: '$got'" >&2; grep -h '"dns"\|"udp"' "$T/joined.jsonl" >&2; }
"$PP_BIN/pp-join" -q "$T/trace.jsonl" "$T/sniff.jsonl" >"$T/file.jsonl" 2>>"$T/join.err"
check "file mode on the recorded streams agrees" [ "$(tls_pid "$T/file.jsonl")" = "$cpid" ]
check "pp-join: no sanitizer report" san_clean "$T/join.err"
