#!/bin/bash
# make demo: the real pipeline on what this checkout has built.
#  1. live: pp-trace (eBPF as root, else polling) and, as root, pp-sniff -i lo,
#     through pp-join into pp-fmt for a few seconds, while the demo makes
#     some traffic of its own on loopback (a local web server, curl);
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
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
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

live() {
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
            "$BIN/pp-join" -q | "$BIN/pp-fmt" --table -f "$FIELDS"
    else
        [ "$(id -u)" = 0 ] || echo "(not root: pp-trace polls, and pp-sniff cannot capture)"
        have_bin pp-sniff || echo "(pp-sniff is not built in this checkout yet: sockets only)"
        echo "== pp-trace ${trace_opts[*]} | pp-join | pp-fmt   (${SECS}s, curl to a local server)"
        make_traffic "$port" &
        traffic=$!
        timeout -s TERM "$SECS" "$BIN/pp-trace" "${trace_opts[@]}" 2>"$tmp/live.err" |
            "$BIN/pp-join" -q | "$BIN/pp-fmt" --table -f "$FIELDS"
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
