#!/bin/bash
# Messages a new user meets: a wrong option gets the synopsis with the
# program's name (not the whole help, not a full path) and status 2; a
# missing privilege is named with its fix (pp-sniff -i without CAP_NET_RAW);
# pp-nft -C tells "could not run the check" from "rejected"; counts are
# grammatical; exit statuses stay as documented.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
T=$PP_TMP

for cmd in pp-trace pp-sniff pp-join pp-fmt pp-nft; do
    B=$PP_BIN/$cmd
    [ -x "$B" ] || { skip "messages $cmd: not built"; continue; }
    "$B" --no-such-option >"$T/o" 2>"$T/e" </dev/null
    rc=$?
    check "$cmd unknown option: status 2" [ $rc = 2 ]
    check "$cmd unknown option: named, with the program name and no path" \
        grep -qx "$cmd: unrecognized option '--no-such-option'" "$T/e"
    check "$cmd unknown option: the synopsis, then where to look" \
        eval "grep -q '^usage: $cmd ' '$T/e' && tail -n 1 '$T/e' | grep -qx \"Try '$cmd --help' for more information.\""
    check "$cmd unknown option: not the whole help" [ "$(wc -l <"$T/e")" -le 7 ]
    check "$cmd unknown option: nothing on stdout" [ ! -s "$T/o" ]
    "$B" --help >"$T/h" 2>&1
    check "$cmd --help: status 0, more than the synopsis" [ $? = 0 -a "$(wc -l <"$T/h")" -gt 7 ]
done

# A missing value is said the same way.
"$PP_BIN/pp-join" -m >/dev/null 2>"$T/e"
check "pp-join -m without a value: status 2, said" \
    eval "[ $? = 2 ] && grep -qx \"pp-join: option requires an argument -- 'm'\" '$T/e'"

if need_root && have setpriv; then
    # Without CAP_NET_RAW: the capability and the fix, not libpcap's EPERM.
    setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all "$PP_BIN/pp-sniff" -i lo \
        >/dev/null 2>"$T/raw.err" </dev/null
    rc=$?
    check "pp-sniff -i unprivileged: status 1" [ $rc = 1 ]
    check "pp-sniff -i unprivileged: names CAP_NET_RAW and the fix" \
        grep -q '^pp-sniff: lo: capturing needs CAP_NET_RAW .*run as root, or .*setcap cap_net_raw+ep' "$T/raw.err"

    # pp-nft -C: a check that could not run is not a rejected script.
    if have nft; then
        cp "$PP_ROOT/tests/data/nft/mixed.jsonl" "$T/ev.jsonl"
        chmod 755 "$T"; chmod 644 "$T/ev.jsonl"
        pid=$(grep -o '"pid":[0-9]*' "$T/ev.jsonl" | head -n 1 | cut -d: -f2)
        "$PP_BIN/pp-nft" -C --quarantine "pid=$pid" "$T/ev.jsonl" >/dev/null 2>"$T/c.err"
        rc=$?
        check "pp-nft -C as root: valid, status 0" \
            eval "[ $rc = 0 ] && grep -q 'nft -c: the script is valid' '$T/c.err'"
        setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all \
            "$PP_BIN/pp-nft" -C --quarantine "pid=$pid" "$T/ev.jsonl" >/dev/null 2>"$T/u.err"
        rc=$?
        check "pp-nft -C unprivileged: status 1" [ $rc = 1 ]
        check "pp-nft -C unprivileged: could not run the check, needs CAP_NET_ADMIN" \
            grep -q 'nft -c: could not run the check: nft needs CAP_NET_ADMIN' "$T/u.err"
        check "pp-nft -C unprivileged: not called rejected" bash -c "! grep -q 'rejected' '$T/u.err'"
        PATH=/nonexistent "$PP_BIN/pp-nft" -C --quarantine "pid=$pid" "$T/ev.jsonl" >/dev/null 2>"$T/n.err"
        rc=$?
        check "pp-nft -C without nft: status 1, says so" \
            eval "[ $rc = 1 ] && grep -q 'could not run the check: no nft command' '$T/n.err'"
    else
        skip "pp-nft -C messages: no nft"
    fi
else
    skip "unprivileged messages: needs root and setpriv to drop to nobody"
fi

# Counts read as English.
"$PP_BIN/pp-nft" --quarantine pid=31337 "$PP_ROOT/tests/data/nft/mixed.jsonl" >/dev/null 2>"$T/g.err"
check "pp-nft, nothing matched: 'no record matched the selector'" \
    grep -qx 'pp-nft: nothing to quarantine: no record matched the selector' "$T/g.err"
printf '%s\n' '{"type":"dns","ts":1,"qname":"x.example","msg":"query","proto":"udp","src":"10.0.0.1","sport":1000,"dst":"10.0.0.2","dport":53}' \
    >"$T/one.jsonl"
"$PP_BIN/pp-nft" --quarantine name=x.example "$T/one.jsonl" >/dev/null 2>"$T/g1.err"
check "pp-nft, one record: '1 record ... it shows'" \
    grep -q '1 record matched the selector, but it shows' "$T/g1.err"
"$PP_BIN/pp-join" -v "$T/one.jsonl" >/dev/null 2>"$T/j1.err"
check "pp-join -v, one record: '1 record;'" grep -q '^pp-join: 1 record; ' "$T/j1.err"
