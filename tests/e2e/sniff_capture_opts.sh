#!/bin/bash
# pp-sniff's live capture settings (pp-sniff(1) CAPTURE BUFFER):
# --buffer-size out of range is a usage error naming the option;
# --buffer-size of either end of its range captures real datagrams on the
# loopback of a network namespace of their own, and the statistics line
# says what the kernel dropped. Marks in block mode (pp-records(5) mark):
# into a pipe, a burst of datagrams and then nothing: the last block is
# handed over by its timeout while the link is idle, so a mark past the
# burst comes while pp-sniff still runs; no flow start follows a mark
# that had passed its time, marks never go back, and pp-sniff did not have
# to widen them.
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

# Marks: ip netns exec forks, so the shell tells pp-sniff's pid.
ip netns exec "$PP_NS" sh -c 'echo $$ >"$1"; shift; exec "$@"' sh marks.pid "$SNIFF" -v -i lo udp port 9 \
    2>marks.err | cat >marks.out &
mpid=$!
for _ in $(seq 50); do grep -q 'sandbox: seccomp' marks.err 2>/dev/null && break; sleep 0.1; done
spid=$(cat marks.pid)
pp_on_exit "kill $spid"
# 300 datagrams, then the time they were all sent.
ip netns exec "$PP_NS" bash -c 'for i in $(seq 300); do echo x >/dev/udp/127.0.0.1/9; done' 2>/dev/null
sent=$(date +%s.%N)
# Has a mark passed it? (jq reads the file as it grows, lines whole.) What
# had come by then is kept.
passed() { jq -es --argjson t "$sent" 'any(.[]; .type=="mark" and .ts >= $t)' marks.out >/dev/null 2>&1; }
for _ in $(seq 100); do passed && break; sleep 0.1; done
cp marks.out then.out
check "capture opts marks: a mark passes the burst while the link is idle" passed
kill -INT "$spid"
wait $mpid
starts() { jq -s 'map(select(.type=="flow" and .event=="start")) | length' "$1"; }
check "capture opts marks: all 300 datagrams counted" \
    [ "$(jq -s 'map(select(.type=="flow" and .event=="end") | .orig_pkts) | add' marks.out)" = 300 ]
check "capture opts marks: every flow had started before that mark" [ "$(starts then.out)" = "$(starts marks.out)" ]
bad=$(jq -s 'reduce .[] as $r ({m: 0, bad: 0};
        if $r.type == "mark" then (if $r.ts < .m then .bad += 1 else . end) | .m = $r.ts
        elif $r.type == "flow" and $r.event == "start" and $r.ts < .m then .bad += 1 else . end) | .bad' marks.out)
check "capture opts marks: no flow start after a mark past its time, marks never back ($bad)" [ "$bad" = 0 ]
check "capture opts marks: none widened (no packet came late)" [ "$(grep -c 'after a mark' marks.err)" = 0 ]
check "capture opts marks: sanitizers clean" san_clean marks.err
