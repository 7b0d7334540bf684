#!/bin/bash
# pp-join -r CAPTURE -w OUT.pcapng: the packets pp-sniff -w saved, with the
# process of each attributed connection in the packet's comment. A live run
# in a network namespace: curl fetches http://NAME:8080/ (name from a local
# dnsmasq) while pp-trace (--comm curl) and pp-sniff -i lo -w record; a
# python client, not traced, talks to the same server (an unattributed
# flow). tshark reads the pcapng: curl's packets carry
# "pid=PID comm=curl exe=..." with the server's name, the python flow's
# none; capinfos reads the file; the blocks are as many as the packets.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
T=$PP_TMP
CASES=("tshark reads the pcapng, every packet of the capture in it"
       "curl's packets carry curl's pid, comm, exe and the server name"
       "every packet of curl's connection is annotated, both ways"
       "the untraced python client's packets carry no comment"
       "capinfos reads the file as pcapng" "no sanitizer report")
skip_all() { local c; for c in "${CASES[@]}"; do skip "$c: $1"; done; exit 0; }
need_root || skip_all "needs root (eBPF, capture, netns)"
for c in dnsmasq curl tshark capinfos jq; do have $c || skip_all "$c not installed"; done
PY=/usr/bin/python3

# Usage errors first: they need no privileges, but are cheap here.
"$PP_BIN/pp-join" -w 2 </dev/null 2>"$T/u1.err"; r1=$?
"$PP_BIN/pp-join" -r x.pcap </dev/null 2>"$T/u2.err"; r2=$?
check "-w alone (the old window) is a usage error naming --window" \
    bash -c "[ $r1 = 2 ] && grep -q -- '--window' '$T/u1.err' && [ $r2 = 2 ]"

NAME=web.pp-pcap.test
pp_web_netns jpcap "$NAME" "$T/cap.pcap" || skip_all "cannot create a network namespace"
pp_web_curl
crc=$?
cpid=$PP_CURL_PID
# A client pp-trace does not follow (--comm curl): its flow has no process.
inns "$PY" -c 'import socket; s=socket.create_connection(("127.0.0.2", 8080)); s.sendall(b"GET /index.html HTTP/1.0\r\n\r\n"); print(s.getsockname()[1]); s.recv(4096); s.close()' >"$T/py.port"
sleep 1
pp_web_stop
[ $crc = 0 ] || { for c in "${CASES[@]}"; do fail "$c: curl failed (status $crc)"; done; exit 0; }
cport=$(jq -r --argjson p "$cpid" 'select(.type=="sock" and .event=="connect" and .pid==$p and .dport==8080) | .sport' "$T/trace.jsonl" | head -1)
pyport=$(cat "$T/py.port")
echo "INFO curl pid $cpid port $cport; python port $pyport"

"$PP_BIN/pp-join" -r "$T/cap.pcap" -w "$T/out.pcapng" "$T/trace.jsonl" "$T/sniff.jsonl" 2>"$T/join.err"
jrc=$?
tshark -r "$T/out.pcapng" -T fields -e frame.number -e tcp.srcport -e tcp.dstport -e frame.comment \
    >"$T/out.tsv" 2>"$T/tshark.err"
trc=$?
nin=$(tshark -r "$T/cap.pcap" 2>/dev/null | wc -l)
check "${CASES[0]}" bash -c "[ $jrc = 0 ] && [ $trc = 0 ] && [ $(wc -l <"$T/out.tsv") = $nin ] && [ $nin -gt 0 ]"
# exe as pp-trace had it: read from /proc, it is missing when curl exited
# first (a loaded machine); the join must carry what the trace knew.
cexe=$(jq -r --argjson p "$cpid" 'select(.type=="sock" and .event=="connect" and .pid==$p and .dport==8080) | .exe // empty' "$T/trace.jsonl" | head -1)
[ -z "$cexe" ] || [ "$cexe" = "$(command -v curl)" ] || fail "pp-trace's exe of curl is $cexe"
want="pid=$cpid comm=curl${cexe:+ exe=$cexe}"
# curl's connection: the rows with curl's port on either side.
awk -F'\t' -v p="$cport" '$2==p || $3==p' "$T/out.tsv" >"$T/curl.tsv"
awk -F'\t' -v p="$pyport" '$2==p || $3==p' "$T/out.tsv" >"$T/py.tsv"
check "${CASES[1]}" bash -c "[ -n '$cport' ] && grep -qF \$'\t$want host=$NAME:8080 name=$NAME' '$T/curl.tsv'"
check "${CASES[2]}" bash -c "[ -s '$T/curl.tsv' ] && ! awk -F'\t' '\$4 !~ /^pid=$cpid comm=curl /' '$T/curl.tsv' | grep -q ."
check "${CASES[3]}" bash -c "[ -s '$T/py.tsv' ] && ! awk -F'\t' '\$4 != \"\"' '$T/py.tsv' | grep -q ."
[ -s "$T/curl.tsv" ] || { cat "$T/out.tsv" "$T/join.err" >&2; }
capinfos "$T/out.pcapng" >"$T/capinfos.out" 2>&1
check "${CASES[4]}" bash -c "grep -q 'File type:.*pcapng' '$T/capinfos.out' && grep -q \"Number of packets: *$nin\$\" '$T/capinfos.out'"
check "${CASES[5]}" san_clean "$T/join.err"
# The comments are what tshark shows as frame comments: nothing else in them.
check "comments hold only key=value words" \
    bash -c "[ -s '$T/out.tsv' ] && ! cut -f4 '$T/out.tsv' | grep -v '^\$' | grep -qvE '^(pid|comm|exe|sni|host|name)=[^ ]+( (pid|comm|exe|sni|host|name)=[^ ]+)*\$'"
