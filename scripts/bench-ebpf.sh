#!/bin/bash
# make bench BENCH=ebpf: what watching with pp-trace (eBPF) costs the host,
# on the two busiest things it watches, side by side with libbpf-tools'
# tcplife (the peer: one line per TCP connection, from the same
# sock:inet_sock_set_state tracepoint):
#   churn   loopback TCP connect/accept/close as fast as it goes
#           (scripts/churn.c), connections/s;
#   udppong unconnected UDP sendto/recvfrom ping-pong, 64 bytes
#           (scripts/udppong.c), datagrams/s (tcplife sees no UDP: "-");
# each in one thread, so that the rate is the CPU a connection or a
# datagram costs, not how fast this VM wakes a sleeping thread (churn.c);
#   udpconn the same on two connected sockets, send/recv.
# Each round runs every side once (alone, under pp-trace, under pp-trace
# --no-dns, which leaves out the DNS programs that see every packet, under
# tcplife),
# in an order that turns each round, so that the machine's other load hits
# all sides alike; the table gives medians of the rounds. Throughput rounds
# run with kernel.bpf_stats_enabled off (the stats cost a clock read per
# program run); one more round per workload with it on gives the BPF time
# per connection and per datagram (run_time_ns over the programs, and per
# program). pp-trace writes its records to a file, as a recorder does; its
# user-space CPU per record comes from /proc/PID/stat. Other jobs'
# connections on a shared machine cost the tools and the programs too: the
# churn's tool CPU and BPF time are scaled by its share of the records
# (those to its port). Also checked: every
# connection of the churn has its connect record, and nothing was dropped
# at the default ring buffer. The floors: programs that return at once on
# every hook pp-trace attaches (mode "empty", the churn), on the two
# cgroup_skb hooks every datagram passes (mode "skb", the ping-pongs).
# BASE gets its own round with bpf_stats too.
# Needs root. ROUNDS and SECS tune it (9 x 3 s: on a shared machine five
# rounds left medians 10 % apart from one run to the next), WORKLOADS picks some of
# "churn udppong udpconn", BASE=path adds another build of pp-trace as a
# column of the same run.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/host-state.sh
ROUNDS=${ROUNDS:-9}
SECS=${SECS:-3}
WORKLOADS=${WORKLOADS:-churn udppong udpconn}
TRACE=${TRACE:-bin/pp-trace}   # another build to compare: TRACE=path
BASE=${BASE:-}                 # and one more side by side: BASE=path (column "base")
TCPLIFE=${TCPLIFE:-$(command -v tcplife || echo /usr/sbin/tcplife)}
OUT=build/bench
mkdir -p "$OUT"

if [ "$(id -u)" != 0 ]; then
    echo "bench-ebpf: needs root (skipped)"
    exit 0
fi
for p in churn udppong; do
    cc -O2 -Wall -Wextra -Werror "scripts/$p.c" -o "$OUT/$p" || exit 1
done
# The floors of the ping-pongs: empty cgroup_skb egress/ingress programs
# (mode "skb"), the only per-datagram hooks pp-trace attaches; and the
# empty cgroup sendmsg4/recvmsg4 programs (mode "hooks") that it used
# before (and still does where the cgroup_skb programs cannot attach),
# pinned under bpffs while attached to the cgroup v2 root, removed after
# each round.
CG=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
PIN=/sys/fs/bpf/pp-bench-$$
have_hooks=0
if clang -g -O2 -target bpf -Ibpf -c scripts/bench-emptyhooks.bpf.c -o "$OUT/emptyhooks.bpf.o" 2>/dev/null &&
   { mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf; } 2>/dev/null && [ -n "$CG" ]; then
    have_hooks=1
fi
# The churn's floor (mode "empty"): the same programs on every hook that
# pp-trace attaches (pp-trace -v lists them), held by
# scripts/bench-emptyhooks.c.
EMPTY_ALL=sockops,raw_tracepoint/inet_sock_set_state,tracepoint/syscalls/sys_exit_accept4
EMPTY_ALL+=,tracepoint/syscalls/sys_exit_accept,cgroup/sock_release,cgroup/post_bind4
EMPTY_ALL+=,cgroup/connect4,cgroup_skb/egress,cgroup_skb/ingress
have_empty=0
[ $have_hooks = 1 ] && cc -O2 -Wall -Wextra -Werror scripts/bench-emptyhooks.c -o "$OUT/emptyhooks" -lbpf 2>/dev/null &&
    have_empty=1
have_tcplife=1
[ -x "$TCPLIFE" ] || { have_tcplife=0; echo "   (tcplife not found: scripts/deps.sh with PP_BENCH_DEPS=1 installs libbpf-tools)"; }

median() { sort -n | awk '{a[NR]=$1} END {if (!NR) print 0; else print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
med() { tr ' ' '\n' <<<"$1" | grep . | median; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
prog_ids() { grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -u; }
# bpf_ns IDS: run_time_ns summed over the programs
bpf_ns() {
    local id t=0
    for id in $1; do
        t=$((t + $(bpftool prog show id "$id" -j 2>/dev/null | jq '.run_time_ns // 0')))
    done
    echo $t
}
# per_prog IDS: "name run_time_ns run_cnt" per program
per_prog() {
    local id
    for id in $1; do
        bpftool prog show id "$id" -j 2>/dev/null | jq -r '"\(.name) \(.run_time_ns // 0) \(.run_cnt // 0)"'
    done
}

# start_tool MODE: pp-trace or tcplife in the background, attached when it
# returns; sets TPID.
TPID=
start_tool() {
    rm -f "$OUT/tool.out" "$OUT/tool.err"
    case $1 in
        trace|nodns|base)
               if [ "$1" = base ]; then
                   "$BASE" -v --stats >"$OUT/tool.out" 2>"$OUT/tool.err" & TPID=$!
               elif [ "$1" = nodns ]; then
                   "$TRACE" -v --stats --no-dns >"$OUT/tool.out" 2>"$OUT/tool.err" & TPID=$!
               else
                   "$TRACE" -v --stats >"$OUT/tool.out" 2>"$OUT/tool.err" & TPID=$!
               fi
               for _ in $(seq 1 100); do grep -q 'eBPF attached' "$OUT/tool.err" 2>/dev/null && break; sleep 0.1; done ;;
        tcplife) "$TCPLIFE" >"$OUT/tool.out" 2>"$OUT/tool.err" & TPID=$!
               for _ in $(seq 1 100); do [ -s "$OUT/tool.out" ] && break; sleep 0.1; done ;;
        empty|skb)
               secs=$EMPTY_ALL
               [ "$1" = skb ] && secs=cgroup_skb/egress,cgroup_skb/ingress
               "$OUT/emptyhooks" "$OUT/emptyhooks.bpf.o" "$CG" "$secs" >"$OUT/tool.out" 2>"$OUT/tool.err" & TPID=$!
               for _ in $(seq 1 100); do [ -s "$OUT/tool.out" ] && break; sleep 0.1; done ;;
        hooks) bpftool prog loadall "$OUT/emptyhooks.bpf.o" "$PIN" &&
               bpftool cgroup attach "$CG" sendmsg4 pinned "$PIN/empty_send4" multi &&
               bpftool cgroup attach "$CG" recvmsg4 pinned "$PIN/empty_recv4" multi
               return ;;
    esac
    sleep 0.2
}
stop_hooks() {
    bpftool cgroup detach "$CG" sendmsg4 pinned "$PIN/empty_send4" 2>/dev/null
    bpftool cgroup detach "$CG" recvmsg4 pinned "$PIN/empty_recv4" 2>/dev/null
    rm -rf "$PIN"
}
stop_tool() {
    [ -z "$TPID" ] && { stop_hooks; return; }
    sleep 0.5
    kill -INT "$TPID" 2>/dev/null
    wait "$TPID" 2>/dev/null
    TPID=
}
trap '[ -n "$TPID" ] && kill -9 $TPID 2>/dev/null' EXIT

# round WORKLOAD MODE [stats]: one run of the workload with MODE (none,
# trace, tcplife) attached; prints "rate ops seen drops uticks records bpf_ns
# wcpu tcpu" (seen: connect records of the churn's port; bpf_ns only with
# stats; wcpu, tcpu: CPU ns per operation of the workload, whose system
# time holds the BPF programs' runs, and of the tool).
round() {
    local w=$1 mode=$2 stats=${3:-} res n rate port seen=0 drops=0 t0=0 t1=0 recs=0 ids= b0=0 b1=0 share=1
    [ "$mode" != none ] && start_tool "$mode"
    if [ -n "$TPID" ]; then
        ids=$(prog_ids "$TPID")
        t0=$(ticks "$TPID")
        [ -n "$stats" ] && { b0=$(bpf_ns "$ids"); per_prog "$ids" >"$OUT/prog.0"; }
    fi
    case $w in
        udpconn) res=$(nice -n 5 /usr/bin/time -f '%U %S' -o "$OUT/w.time" "$OUT/udppong" "$SECS" connected) ;;
        *) res=$(nice -n 5 /usr/bin/time -f '%U %S' -o "$OUT/w.time" "$OUT/$w" "$SECS") ;;
    esac
    n=$(jq '.connections // .datagrams' <<<"$res")
    rate=$(jq '((.connections // .datagrams) / .seconds) | floor' <<<"$res")
    port=$(jq .port <<<"$res")
    if [ "$mode" = hooks ]; then
        stop_tool
    elif [ "$mode" != none ]; then
        t1=$(ticks "$TPID")
        [ -n "$stats" ] && { b1=$(bpf_ns "$ids"); per_prog "$ids" >"$OUT/prog.1"; }
        stop_tool
        if [ "$mode" = trace ] || [ "$mode" = nodns ] || [ "$mode" = base ]; then
            # grep, not jq: hundreds of thousands of records (the writer's
            # member order is fixed: "event" before "dport")
            seen=$(grep '"event":"connect"' "$OUT/tool.out" | grep -c "\"dport\":$port,")
            drops=$(grep '"type":"stats"' "$OUT/tool.out" | tail -1 | jq '.dropped // 0')
            recs=$(grep -c '"type":"sock"' "$OUT/tool.out")
            [ $w = churn ] && [ "$recs" -gt 0 ] &&
                share=$(awk -v a="$(grep -c "\"dport\":$port," "$OUT/tool.out")" -v b="$recs" 'BEGIN { print a / b }')
        elif [ "$mode" = tcplife ] && [ $w = churn ]; then
            share=$(awk -v p="$port" 'NR > 1 { all++; for (i = 1; i <= NF; i++) if ($i == p) { own++; break } }
                END { print all ? own / all : 1 }' "$OUT/tool.out")
        fi
    fi
    # share: of the churn's records, the part that is its own (the rest,
    # other jobs' connections on a shared machine, cost the tool and the
    # programs too, but are not the churn's)
    [ -n "$stats" ] && [ "$share" != 1 ] && echo "$share" >"$OUT/share"
    awk -v r="$rate" -v n="$n" -v seen="$seen" -v d="$drops" -v ut=$((t1 - t0)) -v recs="$recs" \
        -v b=$((b1 - b0)) -v hz="$(getconf CLK_TCK)" -v sh="$share" '{ printf "%d %d %d %d %d %d %.0f %.0f %.0f\n",
        r, n, seen, d, ut, recs, b * sh, ($1 + $2) * 1e9 / n, ut / hz * 1e9 / n * sh }' "$OUT/w.time"
}

old_stats=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo 0)
sysctl -q -w kernel.bpf_stats_enabled=0
trap 'sysctl -q -w kernel.bpf_stats_enabled=$old_stats; [ -n "$TPID" ] && kill -9 $TPID 2>/dev/null; [ $have_hooks = 1 ] && stop_hooks' EXIT
hz=$(getconf CLK_TCK)
echo "   $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo -)$(git diff --quiet HEAD 2>/dev/null || echo ' (modified)'), $(nproc) cores"
host_mark
echo "   load average before: $(cut -d' ' -f1-3 /proc/loadavg) (shared with other jobs)"

declare -A R
modes="none trace nodns"
[ $have_tcplife = 1 ] && modes="none trace nodns tcplife"
[ -n "$BASE" ] && modes+=" base"
[ $have_empty = 1 ] && modes+=" empty"
for w in $WORKLOADS; do
    wm=$modes
    [ $w != churn ] && wm="none trace nodns${BASE:+ base}"
    [ $w != churn ] && [ $have_empty = 1 ] && wm+=" skb"
    [ $w = udppong ] && [ $have_hooks = 1 ] && wm+=" hooks"
    echo "   $w: $ROUNDS rounds of ${SECS}s"
    for r in $(seq 1 "$ROUNDS"); do
        # turn the order each round
        set -- $wm
        order=$(for i in $(seq 0 $(($# - 1))); do j=$(( (i + r) % $# + 1 )); echo "${!j}"; done)
        line="     round $r:"; sep=" "
        for mode in $order; do
            read -r rate n seen drops ut recs _ wcpu tcpu < <(round $w $mode)
            R[$w.$mode]+="$rate "
            R[$w.$mode.cpu]+="$(awk -v a=$wcpu -v b=$tcpu 'BEGIN{print a + b}') "
            case $mode in
                none) line+="${sep}alone $rate" ;;
                trace) line+="${sep}pp-trace $rate"
                       [ $w = churn ] && line+=" ($seen/$n connects)"
                       R[$w.seen]+="$seen "; R[$w.made]+="$n "; R[$w.drops]+="$drops "
                       [ "$recs" -gt 0 ] && R[$w.us_rec]+="$(awk -v t=$ut -v hz=$hz -v n=$recs 'BEGIN{printf "%.2f", t / hz * 1e6 / n}') " ;;
                nodns) line+="${sep}--no-dns $rate"
                       [ $w = churn ] && line+=" ($seen/$n connects)"
                       R[$w.seen]+="$seen "; R[$w.made]+="$n "; R[$w.drops]+="$drops " ;;
                tcplife) line+="${sep}tcplife $rate" ;;
                base) line+="${sep}base $rate"
                      [ $w = churn ] && line+=" ($seen/$n connects)"
                      [ "$recs" -gt 0 ] && R[$w.base_us_rec]+="$(awk -v t=$ut -v hz=$hz -v n=$recs 'BEGIN{printf "%.2f", t / hz * 1e6 / n}') " ;;
                hooks) line+="${sep}empty sendmsg/recvmsg $rate" ;;
                skb) line+="${sep}empty cgroup_skb $rate" ;;
                empty) line+="${sep}empty programs $rate" ;;
            esac
            sep=", "
        done
        echo "$line"
    done
    # the BPF time: one round each with bpf_stats on
    sysctl -q -w kernel.bpf_stats_enabled=1
    read -r _ n _ _ _ _ b _ < <(round $w trace stats)
    R[$w.bpf]=$(awk -v b=$b -v n=$n 'BEGIN{printf "%.0f", b / n}')
    sh=1; [ -s "$OUT/share" ] && sh=$(cat "$OUT/share"); rm -f "$OUT/share"
    echo "     BPF time per $( [ $w = churn ] && echo connection || echo datagram ), by program (bpf_stats$( [ "$sh" != 1 ] && echo ", scaled by the churn's share $sh of the records")):" \
        "$(join <(sort "$OUT/prog.0") <(sort "$OUT/prog.1") | awk -v n=$n -v sh="$sh" '$5 > $3 { printf "%s %.0f ns (%.1f runs of %.0f ns), ", $1, ($4 - $2) / n * sh, ($5 - $3) / n * sh, ($4 - $2) / ($5 - $3) }')"
    if [ -n "$BASE" ]; then
        read -r _ n _ _ _ _ b _ < <(round $w base stats)
        rm -f "$OUT/share"
        R[$w.base_bpf]=$(awk -v b=$b -v n=$n 'BEGIN{printf "%.0f", b / n}')
    fi
    if [ $w = churn ] && [ $have_tcplife = 1 ]; then
        read -r _ n _ _ _ _ b _ < <(round $w tcplife stats)
        rm -f "$OUT/share"
        R[$w.tl_bpf]=$(awk -v b=$b -v n=$n 'BEGIN{printf "%.0f", b / n}')
    fi
    sysctl -q -w kernel.bpf_stats_enabled=0
done
echo "   load average after: $(cut -d' ' -f1-3 /proc/loadavg); the hypervisor stole $(host_steal) % of the CPU time meanwhile"

pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f %%", (b / a - 1) * 100 }'; }
# cell W MODE [cpu]: median and its change against the workload alone
cell() {
    local a b
    [ -z "${R[$1.$2${3:+.$3}]:-}" ] && { echo -; return; }
    a=$(med "${R[$1.none${3:+.$3}]}"); b=$(med "${R[$1.$2${3:+.$3}]}")
    echo "$b ($(pct "$a" "$b"))"
}
echo
echo "   | workload (medians of $ROUNDS rounds) | alone | under pp-trace | pp-trace --no-dns | under tcplife |${BASE:+ base |}"
echo "   |---|---|---|---|---|${BASE:+---|}"
for w in $WORKLOADS; do
    case $w in
        churn) what="loopback TCP churn, connections/s"; cwhat="churn, CPU ns per connection (churn + tool)" ;;
        udppong) what="unconnected UDP ping-pong 64 B, datagrams/s"; cwhat="unconnected ping-pong, CPU ns per datagram (+ tool)" ;;
        udpconn) what="connected UDP ping-pong 64 B, datagrams/s"; cwhat="connected ping-pong, CPU ns per datagram (+ tool)" ;;
    esac
    echo "   | $what | $(med "${R[$w.none]}") | $(cell $w trace) | $(cell $w nodns) | $(cell $w tcplife) |${BASE:+ $(cell $w base) |}"
    echo "   | $cwhat | $(med "${R[$w.none.cpu]}") | $(cell $w trace cpu) | $(cell $w nodns cpu) | $(cell $w tcplife cpu) |${BASE:+ $(cell $w base cpu) |}"
done
un=$(med "${R[udppong.none]:-}"); ucn=$(med "${R[udppong.none.cpu]:-}")
for w in udppong udpconn; do
    [ -n "${R[$w.skb]:-}" ] || continue
    a=$(med "${R[$w.none]}"); ac=$(med "${R[$w.none.cpu]}")
    b=$(med "${R[$w.skb]}"); bc=$(med "${R[$w.skb.cpu]}")
    echo "   floor: the $w with only empty cgroup_skb egress/ingress programs attached:" \
         "$b datagrams/s ($(pct "$a" "$b")), $bc CPU ns per datagram ($(pct "$ac" "$bc"))"
done
if [ $have_hooks = 1 ] && [ -n "${R[udppong.hooks]:-}" ]; then
    uh=$(med "${R[udppong.hooks]}"); uch=$(med "${R[udppong.hooks.cpu]}")
    echo "   floor: the udppong with only empty cgroup sendmsg4/recvmsg4 programs (the stand-ins) attached:" \
         "$uh datagrams/s ($(pct "$un" "$uh")), $uch CPU ns per datagram ($(pct "$ucn" "$uch"))"
fi
cn=$(med "${R[churn.none]:-}"); ccn=$(med "${R[churn.none.cpu]:-}")
if [ -n "${R[churn.empty]:-}" ]; then
    ce=$(med "${R[churn.empty]}"); cce=$(med "${R[churn.empty.cpu]}")
    echo "   floor: the churn with programs that return at once on every hook pp-trace attaches:" \
         "$ce connections/s ($(pct "$cn" "$ce")), $cce CPU ns per connection ($(pct "$ccn" "$cce"))"
fi
echo
[ $have_tcplife = 1 ] && [ -n "${R[churn.none]:-}" ] && for m in trace nodns; do
    awk -v m=$m -v n="$cn" -v t="$(med "${R[churn.$m]}")" -v l="$(med "${R[churn.tcplife]}")" -v a="$ccn" \
        -v b="$(med "${R[churn.$m.cpu]}")" -v c="$(med "${R[churn.tcplife.cpu]}")" 'BEGIN {
        printf "   churn cost of pp-trace%s / cost of tcplife: %.2f in throughput, %.2f in CPU (goal < 0.25)\n",
            m == "nodns" ? " --no-dns" : "", (n - l) ? (n - t) / (n - l) : 0, (c - a) ? (b - a) / (c - a) : 0 }'
done
echo "   BPF time: pp-trace ${R[churn.bpf]:--} ns per connection, ${R[udppong.bpf]:--} ns per unconnected" \
     "datagram, ${R[udpconn.bpf]:--} ns per connected one$( [ $have_tcplife = 1 ] && echo "; tcplife ${R[churn.tl_bpf]:--} ns per connection")"
[ -n "$BASE" ] && echo "   BPF time of base: ${R[churn.base_bpf]:--} ns per connection, ${R[udppong.base_bpf]:--} ns per unconnected" \
     "datagram, ${R[udpconn.base_bpf]:--} ns per connected one (its own round with bpf_stats, after pp-trace's)"
echo "   pp-trace user space: $(med "${R[churn.us_rec]:-}") us per record (churn)${BASE:+; base $(med "${R[churn.base_us_rec]:-}")}"
seen=$(tr ' ' '\n' <<<"${R[churn.seen]:-}" | awk "{s += \$1} END {print s + 0}")
made=$(tr ' ' '\n' <<<"${R[churn.made]:-}" | awk "{s += \$1} END {print s + 0}")
drops=$(tr ' ' '\n' <<<"${R[churn.drops]:-} ${R[udppong.drops]:-} ${R[udpconn.drops]:-}" | awk "{s += \$1} END {print s + 0}")
echo "   churn connections with their connect record: $seen of $made; events dropped: $drops"
rm -f "$OUT/tool.out" "$OUT/tool.err" "$OUT/prog.0" "$OUT/prog.1" "$OUT/w.time"
