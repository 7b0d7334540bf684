#!/bin/bash
# make demo: the real pipeline on what this checkout has built.
#  1. live: pp-trace (eBPF as root, else polling) and, as root, pp-sniff -i lo,
#     through pp-join into pp-fmt for a few seconds, while the demo makes
#     some traffic of its own on loopback: as root in a network namespace of
#     its own (DNS, TLS and web servers, curl by name), else a local web
#     server and curl;
#  2. offline: pp-sniff -r on a capture shipped in tests/, through pp-join
#     and pp-fmt;
#  3. the recorded streams in tests/data/join through pp-join, per record
#     and per connection (--conn).
# A part whose command is not built yet says so and is left out.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/bin
FIELDS=time,type,event,source,destination,pid,comm,dst_name,sni,http_host
SECS=${PP_DEMO_SECONDS:-5}
tmp=$(mktemp -d /tmp/pp-demo.XXXXXX)
pids=()
NS_CLEANUP=
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    if [ -n "$NS_CLEANUP" ]; then
        ip netns pids "$NS_CLEANUP" 2>/dev/null | xargs -r kill 2>/dev/null
        sleep 0.2
        ip netns del "$NS_CLEANUP" 2>/dev/null
        rm -rf "/etc/netns/$NS_CLEANUP"
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

have_bin() { [ -x "$BIN/$1" ]; }

# Traffic of our own, on loopback only: a web server and a few fetches by
# name (localhost, from /etc/hosts).
make_traffic() {
    local port=$1 i
    sleep 1
    for i in 1 2 3; do
        curl -s -o /dev/null "http://localhost:$port/" || true
        sleep 0.5
    done
}

# As root, with pp-sniff and the peers at hand: a network namespace of the
# demo's own with a DNS server (dnsmasq), a TLS server (openssl s_server)
# and a web server, all on its loopback; curl fetches from them by name, so
# the joined records show pid, SNI, HTTP host and the DNS name at once.
live_netns() {
    local ns=pp-demo-$$ name=demo.portpulse.test traffic
    ip netns add "$ns" || return 1
    NS_CLEANUP=$ns
    ip -n "$ns" link set lo up
    mkdir -p "/etc/netns/$ns"
    echo "nameserver 127.0.0.1" >"/etc/netns/$ns/resolv.conf"
    ip netns exec "$ns" dnsmasq --keep-in-foreground --conf-file=/dev/null --user=root \
        --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
        --address="/$name/127.0.0.2" --log-facility=/dev/null 2>/dev/null &
    openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=$name" -keyout "$tmp/key.pem" \
        -out "$tmp/cert.pem" -days 1 2>/dev/null
    ip netns exec "$ns" openssl s_server -accept 127.0.0.2:8443 -cert "$tmp/cert.pem" \
        -key "$tmp/key.pem" -www -quiet </dev/null >/dev/null 2>&1 &
    ip netns exec "$ns" python3 -m http.server 8080 --bind 127.0.0.2 --directory "$tmp" \
        >/dev/null 2>&1 &
    echo "== { pp-trace --comm curl & pp-sniff -i lo; } | pp-join | pp-fmt   (${SECS}s; in a namespace: curl https://$name:8443/ and http://$name:8080/, names from a local DNS server)"
    {
        sleep 1.5
        for i in 1 2; do
            ip netns exec "$ns" curl -sk -o /dev/null "https://$name:8443/"
            ip netns exec "$ns" curl -s -o /dev/null "http://$name:8080/"
            sleep 0.5
        done
    } &
    traffic=$!
    # A second of hold-back: on a busy machine a socket event can come later
    # than the packets by more than the default 0.3 s.
    { timeout -s TERM "$SECS" "$BIN/pp-trace" --comm curl &
      ip netns exec "$ns" timeout -s TERM "$SECS" "$BIN/pp-sniff" -i lo; wait; } 2>"$tmp/live.err" |
        "$BIN/pp-join" -q --delay 1 | "$BIN/pp-fmt" --table -f "$FIELDS"
    wait "$traffic"
    return 0
}

live() {
    if [ "$(id -u)" = 0 ] && have_bin pp-trace && have_bin pp-sniff && command -v dnsmasq >/dev/null &&
       command -v openssl >/dev/null && command -v ip >/dev/null && live_netns; then
        if [ -s "$tmp/live.err" ]; then
            echo "(messages of the live run:)"
            head -5 "$tmp/live.err"
        fi
        return
    fi
    # Only curl's sockets: the demo's own traffic, not the whole host's.
    local trace_opts=(--comm curl) port traffic
    if ! have_bin pp-trace; then
        echo "(pp-trace is not built in this checkout yet: no live part)"
        return
    fi
    [ "$(id -u)" = 0 ] || trace_opts+=(--no-ebpf)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    python3 -m http.server "$port" --bind 127.0.0.1 --directory "$tmp" >/dev/null 2>&1 &
    pids+=($!)
    if [ "$(id -u)" = 0 ] && have_bin pp-sniff; then
        echo "== { pp-trace ${trace_opts[*]} & pp-sniff -i lo; } | pp-join | pp-fmt   (${SECS}s, curl to a local server)"
        make_traffic "$port" &
        traffic=$!
        { timeout -s TERM "$SECS" "$BIN/pp-trace" "${trace_opts[@]}" &
          timeout -s TERM "$SECS" "$BIN/pp-sniff" -i lo "tcp port $port" ; wait; } 2>"$tmp/live.err" |
            "$BIN/pp-join" -q --delay 1 | "$BIN/pp-fmt" --table -f "$FIELDS"
    else
        [ "$(id -u)" = 0 ] || echo "(not root: pp-trace polls, and pp-sniff cannot capture)"
        have_bin pp-sniff || echo "(pp-sniff is not built in this checkout yet: sockets only)"
        echo "== pp-trace ${trace_opts[*]} | pp-join | pp-fmt   (${SECS}s, curl to a local server)"
        make_traffic "$port" &
        traffic=$!
        timeout -s TERM "$SECS" "$BIN/pp-trace" "${trace_opts[@]}" 2>"$tmp/live.err" |
            "$BIN/pp-join" -q --delay 1 | "$BIN/pp-fmt" --table -f "$FIELDS"
    fi
    wait "$traffic"
    if [ -s "$tmp/live.err" ]; then
        echo "(messages of the live run:)"
        head -5 "$tmp/live.err"
    fi
}

offline() {
    local caps=() c
    if ! have_bin pp-sniff; then
        echo "(pp-sniff is not built in this checkout yet: no capture part)"
        return
    fi
    # A few of the captures shipped in tests/ that show one protocol each.
    for c in sll_dns sll2_tls_split eth_qinq_http null_ipv6_ext_ssh tcp_lifecycle; do
        [ -f "tests/pcap/$c.pcap" ] && caps+=("tests/pcap/$c.pcap")
    done
    [ ${#caps[@]} -gt 0 ] || mapfile -t caps < <(find tests -name '*.pcap' | sort | head -3)
    if [ ${#caps[@]} -eq 0 ]; then
        echo "(no capture shipped in tests/ yet: no capture part)"
        return
    fi
    echo "== pp-sniff -r CAPTURE | pp-join | pp-fmt   (${caps[*]})"
    for c in "${caps[@]}"; do "$BIN/pp-sniff" -r "$c" 2>/dev/null; done |
        "$BIN/pp-join" -q | "$BIN/pp-fmt" --table -f time,type,event,source,destination,info | head -40
}

recorded() {
    local d=tests/data/join
    echo "== pp-join $d/mixed.jsonl | pp-fmt   (recorded streams, in arrival order)"
    "$BIN/pp-join" -q "$d/mixed.jsonl" | "$BIN/pp-fmt" --table -f "$FIELDS"
    echo
    echo "== pp-join --conn ... | pp-fmt   (one line per connection)"
    "$BIN/pp-join" -q --conn "$d/trace.jsonl" "$d/sniff.jsonl" |
        "$BIN/pp-fmt" --table -f time,proto,source,destination,state,pid,comm,app,dst_name,sni,http_host
}

live
echo
offline
echo
recorded
