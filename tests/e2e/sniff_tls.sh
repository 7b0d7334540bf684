#!/bin/bash
# pp-sniff's TLS and QUIC records against tshark and against real peers:
#  - every capture in ../shared/pcaps and ../shared/pcaps/next with a ClientHello (TLS or QUIC): SNI
#    and ALPN agree with tshark's expected output, JA4 agrees with JA4 built
#    independently from tshark's fields (tests/ja4_from_tshark.py);
#  - the malformed TLS/QUIC captures run clean under ASan/UBSan;
#  - live: openssl s_client -> s_server (TLS 1.2 with a CA-signed
#    certificate, and TLS 1.3) on a namespace's loopback while pp-sniff -i lo
#    listens; the records carry what the peers sent.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
SNIFF=$PP_BIN/pp-sniff

# --- captures ---------------------------------------------------------------
if [ ! -d "$PP_PCAPS/expected" ]; then
    skip "tls-expected: $PP_PCAPS absent (needs ../shared)"
elif ! have tshark; then
    skip "tls-expected: tshark not installed"
else
    [ -d "$PP_PCAPS/next" ] || skip "tls-expected next: $PP_PCAPS/next absent (the captures of issue 20)"
    for f in "$PP_PCAPS"/*.pcap "$PP_PCAPS"/*.pcapng "$PP_PCAPS"/next/*.pcap "$PP_PCAPS"/next/*.pcapng; do
        [ -f "$f" ] || continue
        b=$(basename "$f") e=$(dirname "$f")/expected/$b.tsv
        [ -f "$e" ] || continue
        # Captures where tshark saw a ClientHello, or TLS/QUIC at all.
        grep -qP '\t(tls/tcp|quic/udp|gquic/udp)\t' "$e" || continue
        "$SNIFF" -r "$f" >"$PP_TMP/r.jsonl" 2>"$PP_TMP/err"
        if ! san_clean "$PP_TMP/err"; then
            fail "tls-expected $b: sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$PP_TMP/err")"
            continue
        fi
        python3 "$PP_ROOT/tests/ja4_from_tshark.py" "$f" >"$PP_TMP/j.tsv"
        python3 "$PP_ROOT/tests/tls_compare.py" "$b" "$e" "$PP_TMP/j.tsv" "$PP_TMP/r.jsonl"
    done
    # Hostile captures: no sanitizer report, valid JSON, no ClientHello made up.
    for b in ndpi_quic-fuzz-overflow.pcapng zeek_quic_383379789-decrypt-crash.pcap \
             tcpdump_quic_handshake_truncated.pcap ndpi_tls-esni-fuzzed.pcap \
             ndpi_tls_missing_ch_frag.pcap ndpi_fuzz-2006-06-26-2594.pcap \
             ndpi_fuzz-2006-09-29-28586.pcap; do
        f=$PP_PCAPS/$b
        [ -f "$f" ] || { skip "tls-malformed $b: absent"; continue; }
        "$SNIFF" -r "$f" >"$PP_TMP/r.jsonl" 2>"$PP_TMP/err"
        if ! san_clean "$PP_TMP/err"; then
            fail "tls-malformed $b: sanitizer report"
        elif ! jq -e . "$PP_TMP/r.jsonl" >/dev/null 2>&1; then
            fail "tls-malformed $b: output is not valid JSON"
        else
            pass "tls-malformed $b: clean"
        fi
    done
    # The truncated QUIC capture has no recoverable ClientHello (tshark finds
    # none either): pp-sniff must not invent one.
    f=$PP_PCAPS/tcpdump_quic_handshake_truncated.pcap
    if [ -f "$f" ]; then
        n=$("$SNIFF" -r "$f" 2>/dev/null | grep -c '"type":"quic"')
        check "quic-truncated: no record from snaplen-cut Initials" [ "$n" = 0 ]
    fi
fi

# --- live peers -------------------------------------------------------------
if ! need_root; then
    skip "tls-live: needs root for a network namespace"
elif ! have openssl; then
    skip "tls-live: openssl not installed"
else
    cd "$PP_TMP"
    # A CA and a leaf certificate it signs.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
        -subj "/O=PortPulse/CN=PortPulse Live CA" -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -subj "/CN=live.example" -keyout srv.key -out srv.csr 2>/dev/null
    openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 \
        -out srv.crt 2>/dev/null
    pp_netns tls
    ns() { ip netns exec "$PP_NS" "$@"; }
    # (background jobs without the ns function, so that $! is the process)
    ip netns exec "$PP_NS" "$SNIFF" -i lo -w live.pcap tcp >live.jsonl 2>sniff.err &
    sniff_pid=$!
    pp_on_exit "kill $sniff_pid"
    ip netns exec "$PP_NS" openssl s_server -quiet -accept 4433 -cert srv.crt -key srv.key -cert_chain ca.crt \
        -tls1_2 -alpn h2 >/dev/null 2>&1 &
    pp_on_exit "kill $!"
    ip netns exec "$PP_NS" openssl s_server -quiet -accept 4434 -cert srv.crt -key srv.key -tls1_3 \
        -alpn http/1.1 >/dev/null 2>&1 &
    pp_on_exit "kill $!"
    sleep 1.5 # servers listening, capture open
    echo | ns timeout 10 openssl s_client -connect 127.0.0.1:4433 -servername live.example \
        -alpn h2,http/1.1 >/dev/null 2>&1
    echo | ns timeout 10 openssl s_client -connect 127.0.0.1:4434 -servername thirteen.example \
        -alpn http/1.1,h2 >/dev/null 2>&1
    sleep 1
    kill -INT $sniff_pid
    wait $sniff_pid
    rc=$?
    check "tls-live: pp-sniff ended cleanly on SIGINT (status $rc)" [ $rc = 0 ]
    check "tls-live: no sanitizer report" san_clean sniff.err
    sel() { jq -c "select(.type==\"tls\" and $1)" live.jsonl; }
    ch12=$(sel '.msg=="client_hello" and .dport==4433')
    check "tls-live 1.2: ClientHello sni and alpn" \
        [ "$(jq -r '[.sni, (.alpn|join(","))]|join(" ")' <<<"$ch12")" = "live.example h2,http/1.1" ]
    check "tls-live 1.2: ServerHello version and alpn" \
        [ "$(sel '.msg=="server_hello" and .dport==4433' | jq -r '[.version, (.alpn|join(","))]|join(" ")')" = "TLS 1.2 h2" ]
    check "tls-live 1.2: ServerHello cipher by name" \
        grep -q '"cipher":"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"' <(sel '.msg=="server_hello" and .dport==4433')
    check "tls-live 1.2: certificate subject and issuer" \
        [ "$(sel '.msg=="certificate"' | jq -r '[.subject, .issuer]|join("/")')" = "live.example/PortPulse Live CA" ]
    ch13=$(sel '.msg=="client_hello" and .dport==4434')
    check "tls-live 1.3: ClientHello sni and alpn" \
        [ "$(jq -r '[.sni, (.alpn|join(","))]|join(" ")' <<<"$ch13")" = "thirteen.example http/1.1,h2" ]
    check "tls-live 1.3: ServerHello version from supported_versions" \
        [ "$(sel '.msg=="server_hello" and .dport==4434' | jq -r .version)" = "TLS 1.3" ]
    check "tls-live 1.3: no certificate record (it is encrypted)" \
        [ "$(sel '.msg=="certificate" and .dport==4434' | wc -l)" = 0 ]
    check "tls-live: flows marked tls" \
        [ "$(jq -r 'select(.type=="flow" and .event=="end") | .app' live.jsonl | sort -u)" = tls ]
    # JA4 of the live hellos against tshark's reading of the saved packets.
    python3 "$PP_ROOT/tests/ja4_from_tshark.py" live.pcap | cut -f5,8 | sort >ja4.tshark
    jq -r 'select(.msg=="client_hello") | [.dport, .ja4]|@tsv' live.jsonl | sort >ja4.ours
    check "tls-live: JA4 agrees with tshark's fields ($(wc -l <ja4.ours) hellos)" \
        bash -c '[ -s ja4.ours ] && cmp -s ja4.ours ja4.tshark'
fi
