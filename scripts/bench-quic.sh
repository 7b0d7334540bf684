#!/bin/bash
# make bench BENCH=quic: QUIC Initial decryption cost per packet, and
# pp-sniff's throughput on a QUIC-heavy capture side by side with tshark
# (which decrypts QUIC Initials too), same fields, same run.
#   QUIC_CONNS=N   connections in the generated capture (default 10000)
set -uo pipefail
cd "$(dirname "$0")/.."
out=build/bench
mkdir -p "$out"
conns=${QUIC_CONNS:-10000}

echo "-- decryption cost (RFC 9001 A.2 client Initial, fresh flow each time)"
cc -O2 -std=gnu11 -D_GNU_SOURCE -DPP_VERSION='"bench"' -Icommon \
    scripts/bench-quic-initial.c cmd/pp-sniff/quic.c cmd/pp-sniff/quic_crypto.c \
    cmd/pp-sniff/tls_hello.c cmd/pp-sniff/ja4.c tests/unit/sniff_test_ctx.c build/rel/libppcommon.a \
    -o "$out/bench-quic-initial" -lcsv -lcrypto -lm || exit 1
nice "$out/bench-quic-initial" 20000 || echo "   (bench-quic-initial: wrong record count)"

cap=$out/quic-heavy-$conns.pcap
if [ ! -f "$cap" ]; then
    python3 scripts/gen-quic-pcap.py "$cap.tmp" "$conns" && mv "$cap.tmp" "$cap" || exit 1
fi
pkts=$((conns * 7))
echo "-- throughput: $cap ($conns QUIC connections, $pkts packets, $(du -h "$cap" | cut -f1))"
ours=$(bin/pp-sniff -r "$cap" 2>/dev/null | grep -c '"type":"quic"')
theirs=$(tshark -n -r "$cap" -Y 'tls.handshake.type == 1' -T fields \
    -e tls.handshake.extensions_server_name 2>/dev/null | grep -c .)
echo "   SNIs found: pp-sniff $ours, tshark $theirs"
if ! have=$(command -v hyperfine); then
    echo "   hyperfine missing: run scripts/deps.sh with PP_BENCH_DEPS=1"
    exit 1
fi
hyperfine -N --style none --runs 3 --warmup 1 --export-json "$out/quic.json" \
    -n pp-sniff "nice bin/pp-sniff --flows-only -r $cap" \
    -n pp-sniff-records "nice bin/pp-sniff -r $cap" \
    -n tshark "nice tshark -n -r $cap -T fields -e quic.version -e tls.handshake.extensions_server_name -e tls.handshake.extensions_alpn_str" \
    >/dev/null 2>&1 || { echo "   hyperfine failed"; exit 1; }
python3 - "$out/quic.json" "$pkts" "$conns" <<'PY'
import json, sys
r = {x["command"]: x["mean"] for x in json.load(open(sys.argv[1]))["results"]}
pkts, conns = int(sys.argv[2]), int(sys.argv[3])
for name in ("pp-sniff-records", "pp-sniff", "tshark"):
    t = r[name]
    print("   %-17s %7.3f s  %9.0f packets/s  %8.0f Initials/s" % (name, t, pkts / t, conns / t))
print("   ratio tshark / pp-sniff (with QUIC records): %.1fx" % (r["tshark"] / r["pp-sniff-records"]))
PY
if [ -x /usr/bin/time ]; then
    /usr/bin/time -o "$out/mem1" -f %M bin/pp-sniff -r "$cap" >/dev/null 2>&1
    /usr/bin/time -o "$out/mem2" -f %M tshark -n -r "$cap" -T fields \
        -e tls.handshake.extensions_server_name >/dev/null 2>&1
    echo "   peak memory (max RSS): pp-sniff $(($(tail -1 "$out/mem1") / 1024)) MiB," \
         "tshark $(($(tail -1 "$out/mem2") / 1024)) MiB"
fi
