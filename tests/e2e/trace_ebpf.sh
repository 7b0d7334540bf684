#!/bin/bash
# pp-trace eBPF mode end to end, as root, with real peers on loopback
# (tests/e2e/trace_ebpf_peers.py): listen, connect and accept with the right
# process each (the accepting process is a forked child, not the listener),
# close records whose byte counts match what the peers sent, IPv6 and
# v4-mapped addresses, UDP flows both ways (unconnected and connected), the
# kernel-side -p filter, --stats records, and ring-buffer drops counted and
# reported when the buffer is made tiny and the reader is stopped.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
TRACE=$PP_BIN/pp-trace
PEERS=(python3 "$PP_ROOT/tests/e2e/trace_ebpf_peers.py")
T=$PP_TMP

if ! need_root; then
    skip "trace_ebpf: needs root (CAP_BPF, CAP_PERFMON)"
    exit 0
fi
for t in jq python3; do
    have $t || { fail "trace_ebpf: $t missing"; exit 0; }
done

# start_trace NAME ARGS...: pp-trace in the background (stdout NAME.out,
# stderr NAME.err, pid in TPID), returning once its hooks are attached (or,
# with --no-ebpf, once it starts polling).
start_trace() {
    local name=$1; shift
    "$TRACE" -v "$@" >"$T/$name.out" 2>"$T/$name.err" &
    TPID=$!
    pp_on_exit "kill -9 $TPID"
    for _ in $(seq 1 100); do
        grep -qE 'eBPF attached|^pp-trace: polling ' "$T/$name.err" 2>/dev/null && return 0
        kill -0 $TPID 2>/dev/null || break
        sleep 0.1
    done
    return 1
}
# stop_trace: SIGINT, then the exit status in TRC.
stop_trace() {
    kill -INT $TPID
    wait $TPID
    TRC=$?
}
# first_line FILE: wait for a peer's first line of output.
first_line() {
    for _ in $(seq 1 100); do
        [ -s "$1" ] && { head -1 "$1"; return 0; }
        sleep 0.05
    done
    return 1
}
# has NAME FILE JQ-CONDITION: PASS when a record satisfies the condition.
has() {
    local name=$1 file=$2 cond=$3
    if [ -n "$(jq -c "select($cond)" "$file" 2>/dev/null | head -1)" ]; then
        pass "$name"
    else
        fail "$name: no record with $cond"
        { echo "--- records of the test's ports:"; grep -E "$4" "$file" | head -20; } >&2
    fi
}
count() { jq -c "select($2)" "$1" 2>/dev/null | wc -l; }

if ! start_trace main --stats; then
    fail "ebpf: attaches as root"; cat "$T/main.err" >&2
    exit 0
fi
pass "ebpf: attaches as root"

# --- TCP over IPv4: listener, forked acceptor, client ---------------------------
"${PEERS[@]}" tcp-server 4 127.0.0.1 1 777 >"$T/srv4" &
SRV=$!
srv=$(first_line "$T/srv4")
spid=$(jq .pid <<<"$srv"); child=$(jq .child <<<"$srv"); port=$(jq .port <<<"$srv")
cli=$("${PEERS[@]}" tcp-client 127.0.0.1 "$port" 12345)
cpid=$(jq .pid <<<"$cli"); csport=$(jq .sport <<<"$cli")
wait $SRV

# --- IPv6 and v4-mapped: a dual-stack listener on :: ----------------------------
"${PEERS[@]}" tcp-server 6 :: 2 99 >"$T/srv6" &
SRV=$!
srv=$(first_line "$T/srv6")
child6=$(jq .child <<<"$srv"); port6=$(jq .port <<<"$srv")
cli6=$("${PEERS[@]}" tcp-client ::1 "$port6" 4321)
cpid6=$(jq .pid <<<"$cli6"); csport6=$(jq .sport <<<"$cli6")
clim=$("${PEERS[@]}" tcp-client 127.0.0.1 "$port6" 10)
csportm=$(jq .sport <<<"$clim")
wait $SRV

# --- UDP: unconnected (cgroup hooks) and connected (send/recv tracepoints) ------
"${PEERS[@]}" udp-server 4 127.0.0.1 >"$T/usrv4" &
USRV=$!
usrv=$(first_line "$T/usrv4")
uspid=$(jq .pid <<<"$usrv"); uport=$(jq .port <<<"$usrv")
u1=$("${PEERS[@]}" udp-client 127.0.0.1 "$uport" sendto)
u1pid=$(jq .pid <<<"$u1"); u1sport=$(jq .sport <<<"$u1")
u2=$("${PEERS[@]}" udp-client 127.0.0.1 "$uport" connected)
u2pid=$(jq .pid <<<"$u2"); u2sport=$(jq .sport <<<"$u2")
u3=$("${PEERS[@]}" udp-client ::ffff:127.0.0.1 "$uport" sendto)   # a v6 socket, v4 peer
u3pid=$(jq .pid <<<"$u3"); u3sport=$(jq .sport <<<"$u3")
python3 -c "import socket,sys; socket.socket(socket.AF_INET,socket.SOCK_DGRAM).sendto(b'quit',('127.0.0.1',$uport))"
"${PEERS[@]}" udp-server 6 ::1 >"$T/usrv6" &
USRV6=$!
usrv=$(first_line "$T/usrv6")
uport6=$(jq .port <<<"$usrv")
u6=$("${PEERS[@]}" udp-client ::1 "$uport6" sendto)
u6pid=$(jq .pid <<<"$u6"); u6sport=$(jq .sport <<<"$u6")
python3 -c "import socket,sys; socket.socket(socket.AF_INET6,socket.SOCK_DGRAM).sendto(b'quit',('::1',$uport6))"
wait $USRV $USRV6

sleep 0.3
stop_trace
O=$T/main.out
check "ebpf: SIGINT ends with status 0" [ "$TRC" = 0 ]
check "ebpf: every line is JSON" jq -e . "$O" >/dev/null
check "ebpf: records say source ebpf" [ "$(count "$O" '.type=="sock" and .source!="ebpf"')" = 0 ]
P="$port|$port6|$uport|$uport6"

has "listen: the listening process" "$O" \
    ".event==\"listen\" and .sport==$port and .pid==$spid and .state==\"LISTEN\" and .src==\"127.0.0.1\" and .comm==\"python3\"" "$P"
has "close of the listener: its address only, the listener's pid" "$O" \
    ".event==\"close\" and .sport==$port and .src==\"127.0.0.1\" and (has(\"dst\")|not) and .pid==$spid and .duration>0" "$P"
has "connect: the client's pid, comm and tuple" "$O" \
    ".event==\"connect\" and .dir==\"out\" and .src==\"127.0.0.1\" and .sport==$csport and .dst==\"127.0.0.1\" and .dport==$port and .pid==$cpid and .comm==\"python3\" and .state==\"SYN-SENT\"" "$P"
has "accept: the process that accepted (forked child), not the listener" "$O" \
    ".event==\"accept\" and .dir==\"in\" and .sport==$csport and .dport==$port and .pid==$child" "$P"
check "accept: one record per connection" [ "$(count "$O" ".event==\"accept\" and .sport==$csport and .dport==$port")" = 1 ]
has "close (client): tx 12345, rx 777, duration" "$O" \
    ".event==\"close\" and .dir==\"out\" and .sport==$csport and .dport==$port and .tx_bytes==12345 and .rx_bytes==777 and .duration>0 and .pid==$cpid" "$P"
has "close (server): rx 12345, tx 777, the acceptor's pid" "$O" \
    ".event==\"close\" and .dir==\"in\" and .sport==$csport and .dport==$port and .rx_bytes==12345 and .tx_bytes==777 and .pid==$child" "$P"
cid_c=$(jq -r "select(.event==\"connect\" and .sport==$csport and .dport==$port) | .community_id" "$O")
cid_a=$(jq -r "select(.event==\"accept\" and .sport==$csport and .dport==$port) | .community_id" "$O")
check "community_id: connect and accept agree" test -n "$cid_c" -a "$cid_c" = "$cid_a"

has "ipv6: listen on ::" "$O" ".event==\"listen\" and .sport==$port6 and .src==\"::\"" "$P"
has "ipv6: connect ::1" "$O" \
    ".event==\"connect\" and .src==\"::1\" and .dst==\"::1\" and .sport==$csport6 and .dport==$port6 and .pid==$cpid6" "$P"
has "ipv6: accept by the child" "$O" ".event==\"accept\" and .src==\"::1\" and .sport==$csport6 and .pid==$child6" "$P"
has "ipv6: close bytes" "$O" \
    ".event==\"close\" and .dir==\"out\" and .sport==$csport6 and .dport==$port6 and .tx_bytes==4321 and .rx_bytes==99" "$P"
has "v4-mapped: accept on a v6 socket shows the IPv4 peer as on the wire" "$O" \
    ".event==\"accept\" and .src==\"127.0.0.1\" and .dst==\"127.0.0.1\" and .sport==$csportm and .dport==$port6 and .pid==$child6" "$P"
has "v4-mapped: the v4 client's connect stays IPv4" "$O" \
    ".event==\"connect\" and .src==\"127.0.0.1\" and .sport==$csportm and .dport==$port6" "$P"

has "udp: unconnected sendto, the sender's pid" "$O" \
    ".event==\"udp\" and .dir==\"out\" and .proto==\"udp\" and .src==\"127.0.0.1\" and .sport==$u1sport and .dst==\"127.0.0.1\" and .dport==$uport and .pid==$u1pid" "$P"
has "udp: the receiver's recvfrom, originator first" "$O" \
    ".event==\"udp\" and .dir==\"in\" and .src==\"127.0.0.1\" and .sport==$u1sport and .dport==$uport and .pid==$uspid" "$P"
check "udp: the reply is the same flow (no record)" \
    [ "$(count "$O" ".event==\"udp\" and .sport==$uport and .dport==$u1sport")" = 0 ]
check "udp: first datagram only, once per side" \
    [ "$(count "$O" ".event==\"udp\" and .sport==$u1sport and .dport==$uport")" = 2 ]
has "udp: connected socket" "$O" \
    ".event==\"udp\" and .dir==\"out\" and .sport==$u2sport and .dport==$uport and .pid==$u2pid" "$P"
has "udp: v4-mapped peer of a v6 socket, shown as IPv4" "$O" \
    ".event==\"udp\" and .dir==\"out\" and .src==\"127.0.0.1\" and .sport==$u3sport and .dst==\"127.0.0.1\" and .dport==$uport and .pid==$u3pid" "$P"
has "udp: ipv6" "$O" \
    ".event==\"udp\" and .dir==\"out\" and .src==\"::1\" and .sport==$u6sport and .dst==\"::1\" and .dport==$uport6 and .pid==$u6pid" "$P"

# UDP listen: an unconnected socket, at bind(2) (cgroup/post_bind) or, when
# bound by its first datagram, then; none for a connected one.
has "udp listen: the server's bind, its own address, UNCONN" "$O" \
    ".event==\"listen\" and .proto==\"udp\" and .dir==\"in\" and .src==\"127.0.0.1\" and .sport==$uport and (has(\"dst\")|not) and .state==\"UNCONN\" and .pid==$uspid" "$P"
has "udp listen: an unconnected client, bound by its first datagram" "$O" \
    ".event==\"listen\" and .proto==\"udp\" and .src==\"0.0.0.0\" and .sport==$u1sport and .pid==$u1pid" "$P"
check "udp listen: none for a connected socket" \
    [ "$(count "$O" ".event==\"listen\" and .proto==\"udp\" and .sport==$u2sport")" = 0 ]
check "udp listen: once per socket" \
    [ "$(count "$O" ".event==\"listen\" and .proto==\"udp\" and (.sport==$uport or .sport==$u1sport or .sport==$u3sport)")" = 3 ]

# UDP close (cgroup/sock_release): payload bytes per socket as the peers
# sent them ("ping" 4, "pong:ping" 9, "quit" 4), the owner, the duration
# from the first datagram; an unconnected socket with its own address only.
has "udp close: connected socket, 4-tuple, bytes, owner" "$O" \
    ".event==\"close\" and .proto==\"udp\" and .dir==\"out\" and .src==\"127.0.0.1\" and .sport==$u2sport and .dst==\"127.0.0.1\" and .dport==$uport and .state==\"ESTAB\" and .tx_bytes==4 and .rx_bytes==9 and .duration>=0 and .pid==$u2pid" "$P"
has "udp close: unconnected client socket, its own address only" "$O" \
    ".event==\"close\" and .proto==\"udp\" and .dir==\"in\" and .src==\"0.0.0.0\" and .sport==$u1sport and (has(\"dst\")|not) and .state==\"UNCONN\" and .tx_bytes==4 and .rx_bytes==9 and .pid==$u1pid" "$P"
has "udp close: v6 socket of a v4-mapped peer" "$O" \
    ".event==\"close\" and .proto==\"udp\" and .src==\"::\" and .sport==$u3sport and .tx_bytes==4 and .rx_bytes==9 and .pid==$u3pid" "$P"
has "udp close: the server, every client's bytes" "$O" \
    ".event==\"close\" and .proto==\"udp\" and .dir==\"in\" and .src==\"127.0.0.1\" and .sport==$uport and (has(\"dst\")|not) and .rx_bytes==16 and .tx_bytes==27 and .duration>0 and .pid==$uspid" "$P"
has "udp close: ipv6 server" "$O" \
    ".event==\"close\" and .proto==\"udp\" and .src==\"::1\" and .sport==$uport6 and .rx_bytes==8 and .tx_bytes==9" "$P"
check "udp close: one per socket" \
    [ "$(count "$O" ".event==\"close\" and .proto==\"udp\" and (.sport==$uport or .sport==$u1sport or .sport==$u2sport or .sport==$u3sport)")" = 4 ]

has "stats: a record with per-CPU drops" "$O" \
    '.type=="stats" and .source=="ebpf" and (.dropped_cpu|type)=="array" and .events>0'
check "stats: nothing dropped at the default buffer" \
    [ "$(jq -s '[.[]|select(.type=="stats")]|last|.dropped' "$O")" = 0 ]
check "stats: summary on stderr at exit" grep -qE '^pp-trace: [0-9]+ kernel events, [0-9]+ records, 0 dropped' "$T/main.err"
check "ebpf: no sanitizer report" san_clean "$T/main.err"

# --- both modes, the same traffic --------------------------------------------
# trace_ebpf_peers.py scenario: TCP v4 and v6, each with the client closing
# first and with the server closing first (so that each side once sits in
# CLOSE-WAIT with the peer's FIN counted in tcpi_bytes_received), and UDP
# from a connected and an unconnected socket; every step held 0.6 s, more
# than two poll intervals. Records are compared field by field, with ports
# and pids replaced by the roles the scenario reports.
scenario() {   # NAME PP-TRACE-ARGS...: records in NAME.out, the roles in NAME.map
    local name=$1; shift
    if ! start_trace "$name" "$@"; then
        fail "$name: pp-trace starts"; cat "$T/$name.err" >&2; return 1
    fi
    case " $* " in *" --no-ebpf "*) sleep 0.5 ;; esac   # the first poll
    "${PEERS[@]}" scenario 0.6 >"$T/$name.map"
    sleep 0.5
    stop_trace
    jq -e .ok "$T/$name.map" >/dev/null || { fail "$name: scenario peers ran"; return 1; }
    jq -r --argjson m "$(cat "$T/$name.map")" '
        ($m.ports) as $p | ($p[.sport|tostring] // $p[.dport|tostring]) as $hit |
        select(.type=="sock" and $hit != null and (.pid==$m.srv or .pid==$m.cli)) |
        [.event, .dir, .proto, .src, ($p[.sport|tostring] // .sport), .dst,
         ($p[.dport|tostring] // .dport), (if .pid==$m.srv then "srv" else "cli" end),
         .comm, .tx_bytes, .rx_bytes] | map(tostring) | join(" ")' "$T/$name.out" | sort >"$T/$name.n"
}
if scenario sc_ebpf && scenario sc_poll --no-ebpf -I 100ms; then
    E=$T/sc_ebpf.n; L=$T/sc_poll.n
    # Polling after the peer's FIN: payload only (tcpi_bytes_received counts
    # the FIN). c4c/c6c: the client closed first; c4s/c6s: the server did.
    for v in 4 6; do
        a=127.0.0.1; [ $v = 6 ] && a=::1
        check "poll rx after the client's FIN (v$v): the server's close says rx 1000" \
            grep -qx "close in tcp $a c${v}c $a tl$v srv pp-sc-srv 300 1000" "$L"
        check "poll rx after the server's FIN (v$v): the client's close says rx 500" \
            grep -qx "close out tcp $a c${v}s $a tl$v cli pp-sc-cli 2000 500" "$L"
    done
    check "modes agree: TCP records (20), field by field" \
        [ "$(grep -c ' tcp ' "$E")" = 20 -a "$(diff <(grep ' tcp ' "$E") <(grep ' tcp ' "$L") && echo same)" = same ]
    diff <(grep ' tcp ' "$E") <(grep ' tcp ' "$L") | sed 's/^/  /' >&2
    # UDP: what polling reports, eBPF reports too, but for byte counts,
    # which the kernel keeps for no UDP socket (documented in pp-trace(1)).
    nobytes() { grep ' udp ' "$1" | sed -E 's/ [0-9]+ [0-9]+$/ null null/' | sort; }
    check "modes agree: UDP listen, udp and close records but bytes (8)" \
        [ "$(grep -c ' udp ' "$L")" = 8 -a -z "$(comm -23 <(nobytes "$L") <(nobytes "$E"))" ]
    check "modes differ as documented: UDP close bytes in eBPF mode only" \
        [ "$(grep -c '^close .* udp .* null null$' "$L")" = 4 -a \
          "$(grep -cE '^close .* udp .* cli pp-sc-cli 40 60$|^close .* udp .* srv pp-sc-srv 60 40$' "$E")" = 4 ]
    check "modes differ as documented: datagram flows of unconnected sockets in eBPF mode only" \
        [ "$(comm -13 <(nobytes "$L") <(nobytes "$E") | tr '\n' ,)" = \
          "udp in udp 127.0.0.1 cu4 127.0.0.1 us4 srv pp-sc-srv null null,udp in udp ::1 cu6 ::1 us6 srv pp-sc-srv null null,udp out udp ::1 cu6 ::1 us6 cli pp-sc-cli null null," ]
fi

# --- -p: the kernel-side pid filter ------------------------------------------------
"${PEERS[@]}" tcp-server 4 127.0.0.1 1 5 >"$T/srvp" &
SRV=$!
srv=$(first_line "$T/srvp")
childp=$(jq .child <<<"$srv"); portp=$(jq .port <<<"$srv")
if start_trace pid -p "$childp"; then
    clip=$("${PEERS[@]}" tcp-client 127.0.0.1 "$portp" 50)
    wait $SRV
    sleep 0.3
    stop_trace
    has "-p: the accept of that process" "$T/pid.out" ".event==\"accept\" and .dport==$portp and .pid==$childp"
    check "-p: nothing of other processes" [ "$(count "$T/pid.out" ".type==\"sock\" and .pid!=$childp")" = 0 ]
else
    fail "-p: attaches"
    kill $SRV 2>/dev/null
fi

# --- drops: a one-page ring buffer and a stopped reader -----------------------------
if PP_TRACE_RINGBUF=4096 start_trace drops --stats; then
    kill -STOP $TPID
    "${PEERS[@]}" churn 127.0.0.1 200 >"$T/churn"
    kill -CONT $TPID
    sleep 0.5
    stop_trace
    check "drops: status 0" [ "$TRC" = 0 ]
    check "drops: reported per CPU at exit" grep -qE '^pp-trace: [0-9]+ events dropped: ring buffer full \(cpu[0-9]+ [0-9]+' "$T/drops.err"
    has "drops: the final stats record counts them" "$T/drops.out" '.type=="stats" and .dropped>0 and ((.dropped_cpu|add)==.dropped)'
    cport=$(jq .port "$T/churn")
    check "drops: fewer records than events" [ "$(count "$T/drops.out" ".type==\"sock\" and (.sport==$cport or .dport==$cport)")" -lt 800 ]
else
    fail "drops: attaches with PP_TRACE_RINGBUF=4096"
fi

# --- a connect's life starts at SYN-SENT ---------------------------------------------
# In a namespace of its own, nobody answers for 10.77.0.2 (a veth pair
# with one address): the connect record comes while the socket still waits
# for the handshake (from the sock_ops program, in the connecting process),
# stamped before the client's connect(2) gave up.
NS=pp-synsent-$$
if ip netns add "$NS" 2>/dev/null; then
    pp_on_exit "ip netns del $NS 2>/dev/null"
    ip -n "$NS" link set lo up
    ip -n "$NS" link add v0 type veth peer name v1 && ip -n "$NS" link set v0 up &&
        ip -n "$NS" link set v1 up && ip -n "$NS" addr add 10.77.0.1/24 dev v0
    if start_trace syn --tcp; then
        t0=$(date +%s.%N)
        ip netns exec "$NS" python3 -c "import socket; s=socket.socket(); s.settimeout(1.5)
try: s.connect(('10.77.0.2', 4999))
except OSError: pass" 2>/dev/null
        sleep 0.3
        stop_trace
        has "connect at SYN-SENT: reported though the handshake never ended" "$T/syn.out" \
            ".event==\"connect\" and .dst==\"10.77.0.2\" and .dport==4999 and .state==\"SYN-SENT\" and .comm==\"python3\" and .ts >= $t0 and .ts < $t0 + 1.4" "4999"
        has "connect at SYN-SENT: its close follows" "$T/syn.out" \
            ".event==\"close\" and .dst==\"10.77.0.2\" and .dport==4999 and .comm==\"python3\"" "4999"
    else
        fail "connect at SYN-SENT: attaches"
    fi
else
    skip "connect at SYN-SENT: cannot create a network namespace"
fi

# --- fallbacks: the classic set_state tracepoint, accept by first I/O -------------
# PP_TRACE_NO_HOOK makes pp-trace treat hooks as refused, as an older or
# differently built kernel would.
"${PEERS[@]}" tcp-server 4 127.0.0.1 1 33 >"$T/srvf" &
SRV=$!
srv=$(first_line "$T/srvf")
childf=$(jq .child <<<"$srv"); portf=$(jq .port <<<"$srv")
if PP_TRACE_NO_HOOK=so_connect,rtp_set_state,tp_exit_accept4,tp_exit_accept start_trace fb --tcp; then
    clif=$("${PEERS[@]}" tcp-client 127.0.0.1 "$portf" 444)
    wait $SRV
    sleep 0.3
    stop_trace
    check "fallback: named once each on stderr" \
        [ "$(grep -c 'unavailable (PP_TRACE_NO_HOOK)' "$T/fb.err")" = 4 ]
    check "fallback: says what stands in" grep -q 'using tracepoint/sock/inet_sock_set_state instead' "$T/fb.err"
    has "fallback: connect through the classic tracepoint, at the handshake's end" "$T/fb.out" \
        ".event==\"connect\" and .dport==$portf and .pid==$(jq .pid <<<"$clif") and .state==\"ESTAB\""
    has "fallback: accept named by the first receive, the child's" "$T/fb.out" \
        ".event==\"accept\" and .dport==$portf and .pid==$childf"
    has "fallback: close bytes" "$T/fb.out" \
        ".event==\"close\" and .dir==\"in\" and .dport==$portf and .rx_bytes==444 and .tx_bytes==33 and .pid==$childf"
else
    fail "fallback: attaches with hooks refused"; cat "$T/fb.err" >&2
    kill $SRV 2>/dev/null
fi

# --- the object for kernels before 6.2: a probe read per kernel field --------------
"${PEERS[@]}" tcp-server 4 127.0.0.1 1 21 >"$T/srvr" &
SRV=$!
srv=$(first_line "$T/srvr")
childr=$(jq .child <<<"$srv"); portr=$(jq .port <<<"$srv")
if PP_TRACE_PROBE_READ=1 start_trace pr; then
    clir=$("${PEERS[@]}" tcp-client 127.0.0.1 "$portr" 222)
    wait $SRV
    sleep 0.3
    stop_trace
    check "probe reads: that object is the one loaded" grep -q 'eBPF attached (kernel fields by probe reads)' "$T/pr.err"
    has "probe reads: connect with the client's pid" "$T/pr.out" \
        ".event==\"connect\" and .dport==$portr and .pid==$(jq .pid <<<"$clir") and .state==\"SYN-SENT\""
    has "probe reads: accept by the child" "$T/pr.out" ".event==\"accept\" and .dport==$portr and .pid==$childr"
    has "probe reads: close bytes" "$T/pr.out" \
        ".event==\"close\" and .dir==\"in\" and .dport==$portr and .rx_bytes==222 and .tx_bytes==21 and .pid==$childr"
else
    fail "probe reads: attaches"; cat "$T/pr.err" >&2
    kill $SRV 2>/dev/null
fi

# --- UDP close without the sock_release hook: said once, the rest goes on ----
if PP_TRACE_NO_HOOK=cg_sock_release start_trace norel --udp; then
    "${PEERS[@]}" udp-server 4 127.0.0.1 >"$T/usrvn" &
    USRV=$!
    uportn=$(jq .port <<<"$(first_line "$T/usrvn")")
    "${PEERS[@]}" udp-client 127.0.0.1 "$uportn" connected >/dev/null
    python3 -c "import socket; socket.socket(socket.AF_INET,socket.SOCK_DGRAM).sendto(b'quit',('127.0.0.1',$uportn))"
    wait $USRV
    sleep 0.3
    stop_trace
    check "no release hook: named once" [ "$(grep -c 'cgroup/sock_release unavailable' "$T/norel.err")" = 1 ]
    has "no release hook: udp records still" "$T/norel.out" ".event==\"udp\" and .dport==$uportn"
    check "no release hook: no udp close" [ "$(count "$T/norel.out" ".event==\"close\" and .proto==\"udp\"")" = 0 ]
else
    fail "no release hook: attaches"; cat "$T/norel.err" >&2
fi

# --- -c, and a stdout that fails ------------------------------------------------
listens() { sleep 0.8; for _ in 1 2 3 4; do python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen()'; done; }
listens &
timeout 20 "$TRACE" -c 2 >"$T/c.out" 2>"$T/c.err"
rc=$?
check "-c 2: status 0" [ $rc = 0 ]
check "-c 2: two records" [ "$(jq -c . "$T/c.out" | wc -l)" = 2 ]
wait
if [ -w /dev/full ]; then
    listens &
    timeout 20 "$TRACE" -d 2 >/dev/full 2>"$T/full.err"
    rc=$?
    wait
    check "ENOSPC: status 1" [ $rc = 1 ]
    check "ENOSPC: reported" grep -q 'No space left' "$T/full.err"
fi
