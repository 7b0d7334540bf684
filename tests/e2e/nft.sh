#!/bin/bash
# pp-nft end to end: every generated script passes real `nft -c -f` (check
# mode changes nothing), hostile record values never break out of the nft
# syntax, an empty quarantine is refused, a cgroup match is valid where nft
# can resolve it, and the host's ruleset is the same before and after.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
NFT=$PP_BIN/pp-nft
D=$PP_ROOT/tests/data/nft
export SOURCE_DATE_EPOCH=1700000000

if ! have nft; then skip "nft: nftables not installed"; exit 0; fi
if ! need_root; then skip "nft: nft -c needs CAP_NET_ADMIN (run as root)"; exit 0; fi
nft list ruleset >"$PP_TMP/ruleset.before" 2>&1

nft_ok() { nft -c -f "$1" >"$1.nftlog" 2>&1; }

n=0
while read -r name args; do
    n=$((n + 1))
    eval "set -- $args"
    "$NFT" "$@" >"$PP_TMP/$name.nft" 2>"$PP_TMP/$name.err"; rc=$?
    check "$name: status 0" [ $rc = 0 ]
    check "$name: nft -c accepts it" nft_ok "$PP_TMP/$name.nft"
    check "$name: no sanitizer report" san_clean "$PP_TMP/$name.err"
done <<'LIST'
pid-v4v6          --quarantine pid=777 $D/mixed.jsonl
comm-input        --quarantine comm=evil --input $D/mixed.jsonl
exe-reject        --quarantine exe=/tmp/evil -a reject $D/mixed.jsonl
uid-log           --quarantine uid=1001 -a log $D/mixed.jsonl
dst-cidr          --quarantine dst=203.0.113.0/24 --quarantine dst=2001:db8:bad::/48 $D/mixed.jsonl
name-dns          --quarantine name=bad.example $D/mixed.jsonl
service-cgroup    --quarantine comm=apt $D/mixed.jsonl
hostile           --quarantine pid=666 $D/hostile.jsonl
hostile-selector  --quarantine comm=x\"\;\ flush\ ruleset\;\ \# $D/hostile.jsonl
table-name        --quarantine pid=777 --table my_q $D/mixed.jsonl
LIST

# What the scripts say.
has() { grep -qE -- "$2" "$PP_TMP/$1.nft"; }
check "pid: v4 destinations in dst4" has pid-v4v6 '^\s+198\.51\.100\.7,?$'
check "pid: v6 destinations in dst6" has pid-v4v6 '^\s+2001:db8:bad::7$'
check "pid: accepted peer listed" has pid-v4v6 '192\.0\.2\.50'
check "pid: says nft cannot match a pid" has pid-v4v6 'nftables cannot match a process id'
check "pid: undo command" has pid-v4v6 '^#   nft delete table inet pp_quarantine'
check "pid: evidence counted" has pid-v4v6 '^# evidence: 8 records'
nothas() { ! grep -qE -- "$2" "$PP_TMP/$1.nft"; }
check "pid: resolver not blocked" nothas pid-v4v6 '10\.9\.0\.1'
check "pid: loopback not blocked" nothas pid-v4v6 '127\.0\.0\.1'
check "pid: other process's destination not listed" nothas pid-v4v6 '192\.0\.2\.80'
check "input chain only with --input" has comm-input 'ip saddr @dst4'
check "no input chain by default" nothas pid-v4v6 'chain input'
check "reject action" has exe-reject 'counter reject'
check "log action" has uid-log 'log prefix'
check "uid: meta skuid" has uid-log 'meta skuid 1001'
check "dst: CIDR kept" has dst-cidr '203\.0\.113\.0/24'
check "dst: v6 CIDR kept" has dst-cidr '2001:db8:bad::/48'
check "name: DNS answers become destinations" has name-dns '198\.51\.100\.7'
check "table name used" has table-name '^table inet my_q \{'
check "service cgroup named in a comment" has service-cgroup 'apt-daily\.service'
# Hostile values: nothing outside comments mentions them, every comment line
# is one line, and the only statements are ours.
stmts() { grep -vE '^\s*(#|$)' "$PP_TMP/$1.nft" | grep -vE '^\s*(table inet [a-z_]+( \{)?|delete table inet [a-z_]+|set dst[46] \{|type ipv[46]_addr|flags interval|auto-merge|elements = \{|[0-9a-f.:/]+,?|\}|chain (output|input) \{|type filter hook (output|input) priority filter; policy accept;|(ip6?|meta|socket) .* counter (drop|reject|log prefix "pp-quarantine ") comment "pp-nft [^"]*")$'; }
nostmts() { [ -z "$(stmts "$1")" ]; }
check "hostile: only our own statements" nostmts hostile
check "hostile selector: only our own statements" nostmts hostile-selector
# Outside comment lines and quoted rule comments, no word of the values.
bare() { grep -v '^\s*#' "$PP_TMP/$1.nft" | sed 's/comment "[^"]*"//' | grep -q flush; }
check "hostile: flush never outside a comment" eval '! bare hostile'
check "hostile selector: flush never outside a comment" eval '! bare hostile-selector'

# Empty evidence: a clear message, no script, status 1.
"$NFT" --quarantine pid=4242424 "$D/mixed.jsonl" >"$PP_TMP/empty.out" 2>"$PP_TMP/empty.err"; rc=$?
check "empty evidence: status 1" [ $rc = 1 ]
check "empty evidence: no output" [ ! -s "$PP_TMP/empty.out" ]
check "empty evidence: says so" grep -q 'nothing to quarantine' "$PP_TMP/empty.err"

# Usage errors: status 2 with the reason.
for bad in 'pid=abc' 'bogus=1' 'dst=10.0.0.0/33' 'dst=nothost' 'pid='; do
    "$NFT" --quarantine "$bad" </dev/null >/dev/null 2>"$PP_TMP/usage.err"; rc=$?
    check "usage error for '$bad': status 2" [ $rc = 2 ]
done
"$NFT" </dev/null >/dev/null 2>&1
check "no selector: status 2" [ $? = 2 ]
"$NFT" --quarantine pid=1 --table 'x;y' </dev/null >/dev/null 2>&1
check "hostile table name: status 2" [ $? = 2 ]

# --check runs nft -c and reports.
"$NFT" --quarantine pid=777 --check "$D/mixed.jsonl" >/dev/null 2>"$PP_TMP/check.err"
check "--check: reports valid" grep -q 'nft -c: the script is valid' "$PP_TMP/check.err"

# A cgroup match nft can resolve: nft looks for cgroup v2 under
# /sys/fs/cgroup, so mount it there in a private mount namespace.
cg=pp-nft-test-$$.service
if have unshare && grep -q cgroup2 /proc/filesystems; then
    unshare -m bash -c "
        set -e
        mount -t cgroup2 none /sys/fs/cgroup
        mkdir /sys/fs/cgroup/$cg
        trap 'rmdir /sys/fs/cgroup/$cg' EXIT
        printf '%s\n' '{\"type\":\"sock\",\"ts\":1.0,\"event\":\"connect\",\"dir\":\"out\",\"proto\":\"tcp\",\"src\":\"10.1.1.1\",\"sport\":1,\"dst\":\"10.2.2.2\",\"dport\":443,\"pid\":55,\"comm\":\"svc\",\"cgroup\":\"/$cg\"}' |
            $NFT --quarantine pid=55 >$PP_TMP/cgroup.nft
        nft -c -f $PP_TMP/cgroup.nft
    " >"$PP_TMP/cgroup.log" 2>&1; rc=$?
    check "cgroup: script with socket cgroupv2 passes nft -c" [ $rc = 0 ]
    check "cgroup: matched by socket cgroupv2" has cgroup "socket cgroupv2 level 1 \"$cg\""
else
    skip "cgroup: unshare or cgroup2 unavailable"
fi

nft list ruleset >"$PP_TMP/ruleset.after" 2>&1
check "host ruleset unchanged" cmp -s "$PP_TMP/ruleset.before" "$PP_TMP/ruleset.after"
