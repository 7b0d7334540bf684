# Shared helpers for the end-to-end tests (sourced by tests/e2e/*.sh).
# Each test prints one line per case: "PASS name", "FAIL name: why" or
# "SKIP name: why"; tests/run.sh counts them.
# PP_BIN: directory of the commands under test (the sanitizer build).

: "${PP_BIN:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/bin}"
PP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PP_SHARED=${PP_SHARED:-$PP_ROOT/../shared}
PP_PCAPS=$PP_SHARED/pcaps
export TZ=UTC LC_ALL=C
# Commands that print the time they ran (pp-nft) print this instead.
export SOURCE_DATE_EPOCH=1700000000
# ASan: leaks are errors too; abort with a report on the first problem.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=86}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=87}

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; }
skip() { echo "SKIP $*"; }

# check NAME CONDITION-COMMAND...: PASS if the command succeeds.
check() {
    local name=$1; shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}

# A fresh temporary directory, removed when the test script exits.
pp_tmpdir() {
    PP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pp-test.XXXXXX")
    trap 'pp_cleanup' EXIT
}
PP_CLEANUP_CMDS=()
pp_on_exit() { PP_CLEANUP_CMDS+=("$*"); }
pp_cleanup() {
    local c
    for c in "${PP_CLEANUP_CMDS[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
    [ -n "${PP_TMP:-}" ] && rm -rf "$PP_TMP"
}

# A network namespace of the test's own, with lo up; removed at exit.
# Usage: pp_netns NAME  -> sets PP_NS; run inside with: ip netns exec "$PP_NS" cmd
pp_netns() {
    PP_NS="pp-$1-$$"
    ip netns add "$PP_NS" || return 1
    ip -n "$PP_NS" link set lo up
    pp_on_exit "ip netns del $PP_NS"
}

# Two network namespaces of the test's own joined by a veth pair, each end
# up with an address: the clients' (C, SUBNET.2, interface PP_VETH_C) and
# the servers' (S, SUBNET.1, PP_VETH_S); with V6PREFIX also V6PREFIX::2 and
# ::1. Whatever runs in either ends with the test, before they go.
# Usage: pp_veth_pair TAG SUBNET [V6PREFIX], e.g. pp_veth_pair w 10.77.0 fd77
pp_veth_pair() {
    pp_netns "$1c" || return 1
    C=$PP_NS
    pp_netns "$1s" || return 1
    S=$PP_NS
    PP_CLEANUP_CMDS=("ip netns pids $C | xargs -r kill" "ip netns pids $S | xargs -r kill" "${PP_CLEANUP_CMDS[@]}")
    PP_VETH_C=$1c$$ PP_VETH_S=$1s$$
    ip -n "$C" link add "$PP_VETH_C" type veth peer name "$PP_VETH_S" netns "$S" || return 1
    ip -n "$C" addr add "$2.2/24" dev "$PP_VETH_C"
    ip -n "$S" addr add "$2.1/24" dev "$PP_VETH_S"
    if [ -n "${3:-}" ]; then
        ip -n "$C" addr add "$3::2/64" dev "$PP_VETH_C" nodad
        ip -n "$S" addr add "$3::1/64" dev "$PP_VETH_S" nodad
    fi
    ip -n "$C" link set "$PP_VETH_C" up
    ip -n "$S" link set "$PP_VETH_S" up
}

need_root() { [ "$(id -u)" = 0 ]; }
have() { command -v "$1" >/dev/null 2>&1; }

# Is the stderr of a sanitizer build clean of reports?
san_clean() { ! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$1"; }

# A web server reached by name in a network namespace of the test's own,
# with pp-trace (--comm curl) and pp-sniff -i lo recording:
#   pp_web_netns TAG NAME CAPTURE   -> PP_NS; inns CMD... runs inside it;
#   NAME resolves to 127.0.0.2 (dnsmasq), http://NAME:8080/ is served from
#   $PP_TMP/www; records in $PP_TMP/trace.jsonl and sniff.jsonl, packets in
#   CAPTURE. pp_web_curl: curl fetches it, sets PP_CURL_PID and returns its
#   status; pp_web_stop ends both recorders. Needs root, dnsmasq, curl.
inns() { ip netns exec "$PP_NS" "$@"; }
pp_web_netns() {
    local name=$2 cap=$3
    pp_netns "$1" || return 1
    # Everything started in it ends with the test, before the namespace
    # goes (ip netns exec forks: our job pids are not theirs).
    PP_CLEANUP_CMDS=("ip netns pids $PP_NS | xargs -r kill" "${PP_CLEANUP_CMDS[@]}")
    PP_WEB_NAME=$name
    # ip netns exec puts /etc/netns/NS/resolv.conf over /etc/resolv.conf.
    mkdir -p "/etc/netns/$PP_NS"
    echo "nameserver 127.0.0.1" >"/etc/netns/$PP_NS/resolv.conf"
    pp_on_exit "rm -rf /etc/netns/$PP_NS"
    inns dnsmasq --keep-in-foreground --conf-file=/dev/null --user=root --listen-address=127.0.0.1 \
        --bind-interfaces --port=53 --no-resolv --no-hosts --address="/$name/127.0.0.2" \
        2>"$PP_TMP/dnsmasq.err" &
    mkdir -p "$PP_TMP/www" && echo hello >"$PP_TMP/www/index.html"
    inns /usr/bin/python3 -m http.server --bind 127.0.0.2 --directory "$PP_TMP/www" 8080 >/dev/null 2>&1 &
    inns sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$PP_TMP/trace.pid" "$PP_BIN/pp-trace" --comm curl -d 60 \
        >"$PP_TMP/trace.jsonl" 2>"$PP_TMP/trace.err" &
    inns sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$PP_TMP/sniff.pid" "$PP_BIN/pp-sniff" -i lo -w "$cap" \
        >"$PP_TMP/sniff.jsonl" 2>"$PP_TMP/sniff.err" &
    sleep 3   # eBPF programs loaded, capture open
    PP_WEB_PIDS="$(cat "$PP_TMP/trace.pid") $(cat "$PP_TMP/sniff.pid")"
    pp_on_exit "kill $PP_WEB_PIDS"
}
pp_web_curl() {
    local rc
    inns sh -c 'echo $$ >"$1"; exec curl -s --max-time 10 -o /dev/null "http://$2:8080/"' sh "$PP_TMP/curl.pid" "$PP_WEB_NAME"
    rc=$?
    PP_CURL_PID=$(cat "$PP_TMP/curl.pid")
    return $rc
}
pp_web_stop() {
    local p
    kill -TERM $PP_WEB_PIDS
    for p in $PP_WEB_PIDS; do while kill -0 "$p" 2>/dev/null; do sleep 0.2; done; done
}
