#!/bin/bash
# The joined record carries the right process, live exactly as from files:
# scripts/join-truth.sh runs real clients (curl by name, openssl s_client,
# python with unconnected UDP DNS, ssh, a millisecond C client) against
# real servers in a namespace, pp-trace on the host and pp-sniff -i lo in
# the namespace into pp-join, and counts every sniffed record of the
# clients' connections as right, wrong or without a pid; then pp-join in
# file mode on the recorded streams must give the same records. Dense and
# sparse, through two FIFOs and through the README's single pipe; then the
# recorded streams again into a live pp-join, cut, delayed and interleaved
# at random (through FIFOs, and shuffled into one pipe): file mode again.
# Then the servers behind a veth pair, both ends sniffed (-t veth), and
# two namespaces alike using the same 5-tuples at once (-t twin).
source "$(dirname "$0")/../lib.sh"
S=$PP_ROOT/scripts/join-truth.sh
# mode rate clients replays topology
RUNS=("fifo dense 24 2 lo" "pipe dense 24 1 lo" "fifo sparse 8 0 lo" "pipe dense 24 1 veth"
      "fifo dense 24 1 twin")
skip_all() {
    local r why=$1
    for r in "${RUNS[@]}"; do
        set -- $r
        [ $5 = lo ] && skip "$1 $2: $why" || skip "$1 $5 $2: $why"
    done
    exit 0
}
need_root || skip_all "needs root (eBPF, capture, netns)"
for c in dnsmasq openssl curl ssh /usr/sbin/sshd cc /usr/bin/python3 jq; do
    have $c || skip_all "$c not installed"
done
pp_tmpdir
for r in "${RUNS[@]}"; do
    set -- $r
    mode=$1 rate=$2 n=$3 replays=$4 topo=$5
    PP_BIN=$PP_BIN "$S" -n "$n" -r "$rate" -m "$mode" -R "$replays" -t $topo >"$PP_TMP/out" 2>"$PP_TMP/err"
    res=$(tail -1 "$PP_TMP/out")
    [ $topo = lo ] || { mode="$mode $topo"; }
    echo "INFO $mode $rate: $res"
    get() { jq -r ".$1" <<<"$res" 2>/dev/null; }
    if [ -z "$(get records)" ] || [ "$(get records)" = null ]; then
        for c in "every client record right" "none wrong" "live = file"; do
            fail "$mode $rate: $c: no result ($(head -c 300 "$PP_TMP/err"))"
        done
        continue
    fi
    # Each client made at least one connection; every record of them named.
    check "$mode $rate: every client record right ($(get right) of $(get records))" \
        [ "$(get right)" = "$(get records)" -a "$(get records)" -gt 0 -a "$(get unknown)" = 0 ]
    check "$mode $rate: none wrong, responder never the client" \
        [ "$(get wrong)" = 0 -a "$(get resp_is_client)" = 0 ]
    check "$mode $rate: live = file" [ "$(get live_eq_file)" = true ]
    [ "$replays" -gt 0 ] && check "$mode $rate: random replays = file ($(get replays_eq_file))" \
        [ "$(get replays_eq_file | cut -d/ -f1)" = "$(get replays_eq_file | cut -d/ -f2)" ]
    check "$mode $rate: no sanitizer report, no malformed line" [ "$(get clean)" = true ]
    # The servers' end sees the clients' connections from another
    # namespace than their sockets: connected sockets fit there (a capture
    # on a container bridge); a wildcard-bound UDP socket does not, and
    # its datagrams get no pid, never the server's
    # (scripts/join-repro-wildcard-far.sh).
    [ $topo = veth ] && check "$mode $rate: servers' end: connected sockets' records right ($(get far_right), \
$(get far_wrong_wildcard) wrong and $(get far_none_wildcard) without of a wildcard socket)" \
        [ "$(get far_right)" -gt 0 -a "$(get far_wrong)" = 0 \
          -a "$(get far_none)" = "$(get far_none_wildcard)" ]
    [ $topo = twin ] && check "$mode $rate: the same 5-tuples in both namespaces at once ($(get shared_tuples))" \
        [ "$(get shared_tuples)" -gt 0 ]
    grep -h '^example' "$PP_TMP/err" | head -5 >&2
done
