#!/bin/bash
# pp-sniff's live capture settings (pp-sniff(1) CAPTURE BUFFER):
# --buffer-size out of range is a usage error naming the option;
# --buffer-size of either end of its range captures real datagrams on the
# loopback of a network namespace of their own, and the statistics line
# says what the kernel dropped.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
SNIFF=$PP_BIN/pp-sniff
cd "$PP_TMP" || exit 1

"$SNIFF" --buffer-size 10 -i lo >out 2>err
rc=$?
check "capture opts: --buffer-size 10 is a usage error (status $rc)" [ $rc -eq 2 ]
check "capture opts: the message names --buffer-size" grep -q -- '--buffer-size' err
"$SNIFF" --buffer-size 2M -i lo >out 2>err
check "capture opts: --buffer-size takes a number of KiB" [ $? -eq 2 ]

if ! need_root; then skip "capture opts live: needs root for a network namespace"; exit 0; fi
pp_netns capopts || { skip "capture opts live: cannot create a network namespace"; exit 0; }
for opts in "--buffer-size 2048" "--buffer-size 65536"; do
    ip netns exec "$PP_NS" "$SNIFF" -v $opts -i lo udp port 9 >live.out 2>live.err &
    pid=$!
    for _ in $(seq 50); do
        ip netns exec "$PP_NS" bash -c 'echo x >/dev/udp/127.0.0.1/9' 2>/dev/null
        grep -q '"dport":9,' live.out 2>/dev/null && break
        sleep 0.1
    done
    kill -INT $pid
    wait $pid
    rc=$?
    check "capture opts $opts: sees datagrams on lo" grep -q '"type":"flow","ts":[0-9.]*,"event":"start","proto":"udp","src":"127.0.0.1"' live.out
    check "capture opts $opts: status 0 on SIGINT ($rc)" [ $rc -eq 0 ]
    check "capture opts $opts: reports kernel drops (-v)" grep -q 'dropped by kernel' live.err
    check "capture opts $opts: sanitizers clean" san_clean live.err
done
