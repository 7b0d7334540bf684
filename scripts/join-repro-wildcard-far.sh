#!/bin/bash
# Reproducer (not a test): a wrong pid on the servers' end of a veth.
#
# A python client in namespace C sends a DNS query from an unconnected,
# wildcard-bound UDP socket over a veth to dnsmasq in namespace S; pp-sniff
# runs on both ends (scripts/join-truth.sh -t veth). The records below are
# the ones pp-trace and pp-sniff wrote for it there (cmdlines shortened):
# pp-trace could not tell the client socket's source address (it resolves
# a wildcard socket's address only in its own namespace: 0.0.0.0), and
# pp-join lets a wildcard socket fit only in its own namespace. So on the
# servers' end (netns S) only dnsmasq's socket fits, and pp-join(1)'s rule
# "when only the responder's socket is known, its process goes into pid"
# names dnsmasq as the originator of the client's query, although
# 10.213.0.9 is a local address and the originator a local process.
# Right would be python3 in pid (or no pid) and dnsmasq in resp_pid, as on
# the clients' end (netns C 4026532248; S is 4026532317).
#   scripts/join-repro-wildcard-far.sh   exit 0: fixed, 1: still wrong
set -u
BIN=${PP_BIN:-$(cd "$(dirname "$0")/.." && pwd)/bin}
T=$(mktemp -d "${TMPDIR:-/tmp}/pp-repro.XXXXXX")
trap 'rm -rf "$T"' EXIT
cat >"$T/trace.jsonl" <<'EOF'
{"type":"sock","ts":1796219568.472893,"event":"listen","dir":"in","proto":"udp","src":"0.0.0.0","sport":48257,"state":"UNCONN","pid":9128,"ppid":9127,"uid":0,"comm":"python3","exe":"/usr/bin/python3.11","cmdline":["/usr/bin/python3"],"cgroup":"/","netns":4026532248,"source":"ebpf"}
{"type":"sock","ts":1796219568.472929,"event":"udp","dir":"out","proto":"udp","src":"0.0.0.0","sport":48257,"dst":"10.213.0.1","dport":53,"community_id":"1:hNPNpHjsVs/F85sx9rWJo3QCEvo=","pid":9128,"ppid":9127,"uid":0,"comm":"python3","exe":"/usr/bin/python3.11","cmdline":["/usr/bin/python3"],"cgroup":"/","netns":4026532248,"source":"ebpf"}
{"type":"sock","ts":1796219568.473177,"event":"udp","dir":"in","proto":"udp","src":"10.213.0.9","sport":48257,"dst":"10.213.0.1","dport":53,"community_id":"1:1jA6gx3YIqrvPf7ZakKNm7BgZaM=","pid":8797,"ppid":8722,"uid":0,"comm":"dnsmasq","exe":"/usr/sbin/dnsmasq","cmdline":["dnsmasq"],"cgroup":"/","netns":4026532317,"source":"ebpf"}
{"type":"sock","ts":1796219568.473608,"event":"close","dir":"in","proto":"udp","src":"0.0.0.0","sport":48257,"state":"UNCONN","tx_bytes":32,"rx_bytes":48,"duration":0.000718,"pid":9128,"ppid":9127,"uid":0,"comm":"python3","exe":"/usr/bin/python3.11","cmdline":["/usr/bin/python3"],"cgroup":"/","netns":4026532248,"source":"ebpf"}
EOF
cat >"$T/sniff.jsonl" <<'EOF'
{"type":"flow","ts":1796219568.473117,"event":"start","proto":"udp","src":"10.213.0.9","sport":48257,"dst":"10.213.0.1","dport":53,"community_id":"1:1jA6gx3YIqrvPf7ZakKNm7BgZaM=","netns":4026532248,"iface":"ppc8722"}
{"type":"flow","ts":1796219568.473126,"event":"start","proto":"udp","src":"10.213.0.9","sport":48257,"dst":"10.213.0.1","dport":53,"community_id":"1:1jA6gx3YIqrvPf7ZakKNm7BgZaM=","netns":4026532317,"iface":"pps8722"}
{"type":"dns","ts":1796219568.473126,"proto":"udp","src":"10.213.0.9","sport":48257,"dst":"10.213.0.1","dport":53,"community_id":"1:1jA6gx3YIqrvPf7ZakKNm7BgZaM=","netns":4026532317,"msg":"query","id":9128,"qname":"web.truth.test","qtype":"A","transport":"udp"}
EOF
"$BIN/pp-join" -q "$T/trace.jsonl" "$T/sniff.jsonl" >"$T/out.jsonl" || exit 2
bad=0
while read -r ns type pid comm resp; do
    echo "$type in netns $ns: pid $pid ($comm), resp_pid $resp"
    [ "$pid" = 8797 ] && bad=1
done < <(jq -r 'select(.type != "sock") | "\(.netns) \(.type) \(.pid) \(.comm) \(.resp_pid)"' "$T/out.jsonl")
[ $bad = 1 ] && echo "WRONG: dnsmasq (8797), the responder, named as the originator" || echo "fixed"
exit $bad
