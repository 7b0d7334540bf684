#!/bin/bash
# pp-trace --once against ss(8) in the same network namespace: the same
# sockets (state, local and peer address and port) and the same owners, for
# TCP (`ss -tanpH`) and UDP (`ss -uanpH`), from sock_diag and from the
# /proc/net fallback. The sockets: listeners on IPv4, IPv6, a dual-stack
# [::] (with an IPv4 client, so IPv4-mapped addresses), a forking socat
# (a listener two processes share), established connections both ways,
# TIME-WAIT remnants, unconnected and connected UDP.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
T=$PP_BIN/pp-trace
PY=/usr/bin/python3
PEERS=$PP_ROOT/tests/data/trace-poll/peers.py

if ! need_root; then skip "trace_poll_ss: network namespaces need root"; exit 0; fi
for t in ss socat; do
    have $t || { skip "trace_poll_ss: $t not installed"; exit 0; }
done
pp_netns trss || { fail "trace_poll_ss: cannot create a network namespace"; exit 0; }
NSX=(ip netns exec "$PP_NS")
if ! ip -n "$PP_NS" addr show dev lo | grep -q 'inet6 ::1'; then
    skip "$(basename "$0" .sh): no IPv6 on loopback here (disabled by sysctl?)"; exit 0
fi
wait_for() {
    local i
    for i in $(seq 100); do "$@" && return 0; sleep 0.1; done
    return 1
}

"${NSX[@]}" "$PY" "$PEERS" server pp-srv "$PP_TMP/ready" \
    127.0.0.1:8101/tcp '[::1]:8102/tcp' '[::]:8103/tcp' 0.0.0.0:8104/tcp \
    127.0.0.1:9101/udp '[::1]:9102/udp' 0.0.0.0:9103/udp &
pp_on_exit "kill $!"
# A session of its own: a connection's 'sleep 30' outlives the socat that
# forked it, and only its process group still finds it.
"${NSX[@]}" setsid socat TCP4-LISTEN:8105,bind=127.0.0.1,reuseaddr,fork SYSTEM:'sleep 30' &
pp_on_exit "kill -- -$!"
wait_for [ -s "$PP_TMP/ready" ] || fail "server did not start"
wait_for eval '"${NSX[@]}" ss -Htln sport = :8105 | grep -q 8105'
"${NSX[@]}" "$PY" "$PEERS" client pp-cli 30 \
    127.0.0.1:8101/tcp '[::1]:8102/tcp' 127.0.0.1:8103/tcp '[::1]:8103/tcp' 127.0.0.1:8104/tcp \
    127.0.0.1:9101/udp '[::1]:9102/udp' 127.0.0.1:9103/udp >"$PP_TMP/ports" &
pp_on_exit "kill $!"
# Short connections: the client closes first and leaves TIME-WAIT behind.
"${NSX[@]}" "$PY" "$PEERS" client pp-short 0 127.0.0.1:8101/tcp '[::1]:8102/tcp' >/dev/null
"${NSX[@]}" socat -u OPEN:/dev/null TCP4:127.0.0.1:8105 &
pp_on_exit "kill $!"
"${NSX[@]}" "$PY" -c 'import socket,time; s=socket.create_connection(("127.0.0.1",8105)); time.sleep(30)' &
pp_on_exit "kill $!"
wait_for [ -s "$PP_TMP/ports" ]
wait_for eval '[ "$("${NSX[@]}" ss -HtnpA tcp state established sport = :8105 | wc -l)" -ge 1 ]'
sleep 0.3

# compare.py SS-OUTPUT PP-OUTPUT: prints differences, exits 1 if any.
cat >"$PP_TMP/compare.py" <<'PY'
import ipaddress, json, re, sys

def addr(s):
    host, port = s.rsplit(":", 1)
    host = host.strip("[]").split("%")[0]
    if host in ("*", "0.0.0.0", "::"):
        host = "*"
    else:
        a = ipaddress.ip_address(host)
        if a.version == 6 and a.ipv4_mapped:
            a = a.ipv4_mapped
        host = str(a)
    return host, 0 if port == "*" else int(port)

ss = {}
for line in open(sys.argv[1]):
    f = line.split(None, 5)
    if len(f) < 5:
        continue
    key = (f[0], addr(f[3]), addr(f[4]))
    users = dict((int(p), c) for c, p in re.findall(r'\("([^"]*)",pid=(\d+)', f[5] if len(f) > 5 else ""))
    ss.setdefault(key, []).append(users)

pp = {}
for line in open(sys.argv[2]):
    r = json.loads(line)
    a = lambda k, p: ("*" if r[k] in ("0.0.0.0", "::") else r[k], r[p])
    if r["event"] == "listen":
        local, peer = a("src", "sport"), ("*", 0)
    elif r["dir"] == "out":
        local, peer = a("src", "sport"), a("dst", "dport")
    else:
        local, peer = a("dst", "dport"), a("src", "sport")
    pp.setdefault((r["state"], local, peer), []).append(r)

bad = 0
for key in sorted(set(ss) | set(pp), key=str):
    s, p = ss.get(key, []), pp.get(key, [])
    if len(s) != len(p):
        print(f"count differs for {key}: ss {len(s)}, pp-trace {len(p)}")
        bad += 1
        continue
    # Owners: each pp-trace record's pid is one of ss's users for that
    # socket, with the same comm; no pid where ss knows none.
    for users in s:
        match = [r for r in p if (("pid" not in r) if not users else (r.get("pid") in users and r.get("comm") == users[r["pid"]]))]
        if not match:
            print(f"owner differs for {key}: ss {users}, pp-trace {[(r.get('pid'), r.get('comm')) for r in p]}")
            bad += 1
        else:
            p.remove(match[0])
print(f"{len(ss)} distinct sockets compared")
sys.exit(1 if bad else 0)
PY

compare() {   # name, ss options, pp-trace options
    local name=$1 ssopt=$2; shift 2
    local f=$PP_TMP/${name//[ \/]/_} rc try
    # ss before and after must agree, else the sockets moved meanwhile
    # (a connection finishing its close): try again.
    for try in 1 2 3 4 5; do
        "${NSX[@]}" ss "$ssopt" >"$f.ss1"
        "${NSX[@]}" "$T" --once "$@" >"$f.pp" 2>"$f.err"
        rc=$?
        "${NSX[@]}" ss "$ssopt" >"$f.ss2"
        cmp -s <(awk '{print $1,$4,$5,$6}' "$f.ss1" | sort) <(awk '{print $1,$4,$5,$6}' "$f.ss2" | sort) && break
        [ $try = 5 ] && { skip "$name: the sockets kept changing while comparing"; return; }
        sleep 0.5
    done
    if [ $rc = 0 ] && python3 "$PP_TMP/compare.py" "$f.ss1" "$f.pp" >"$f.diff"; then
        pass "$name: same sockets and owners as ss ($(tail -1 "$f.diff"))"
    else
        fail "$name: $(head -3 "$f.diff" | tr '\n' ';')"
    fi
    check "$name: stderr clean" [ ! -s "$f.err" ]
}
compare "tcp sock_diag" -tanpH --tcp
compare "udp sock_diag" -uanpH --udp
compare "tcp /proc/net" -tanpH --tcp --proc-net
compare "udp /proc/net" -uanpH --udp --proc-net

# The shapes this setup is about, spelled out.
P=$PP_TMP/tcp_sock_diag.pp
has() { [ "$(jq -c "select($1)" "$P" | wc -l)" -ge 1 ]; }
check "dual-stack listener: IPv4 peer shown as IPv4" has '.event=="accept" and .dport==8103 and .src=="127.0.0.1" and .dst=="127.0.0.1"'
check "dual-stack listener: IPv6 peer" has '.event=="accept" and .dport==8103 and .src=="::1"'
check "TIME-WAIT remnants, without pid" has '.state=="TIME-WAIT" and (has("pid")|not)'
check "forking socat: listener and connection" has '.event=="accept" and .dport==8105 and .comm=="socat"'

# The comparison itself can fail: one owner taken away, one socket dropped.
jq -c 'if .event=="listen" and .sport==8101 then del(.pid) else . end' "$P" >"$PP_TMP/tampered1"
head -n -1 "$P" >"$PP_TMP/tampered2"
refuses() { ! python3 "$PP_TMP/compare.py" "$PP_TMP/tcp_sock_diag.ss1" "$1" >/dev/null; }
check "compare catches a missing pid" refuses "$PP_TMP/tampered1"
check "compare catches a missing socket" refuses "$PP_TMP/tampered2"
