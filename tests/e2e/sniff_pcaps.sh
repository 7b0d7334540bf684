#!/bin/bash
# pp-sniff over the real captures in ../shared/pcaps and ../shared/pcaps/next
# (the captures of issue 20: proxies, tunnels, old QUIC, ...): every capture
# (malformed ones too) runs clean under ASan/UBSan with valid JSON out, and
# where tshark's ground truth exists (expected/*.tsv, made by
# make-expected.sh there) the DNS, TLS, HTTP, SSH and QUIC facts agree with
# it, except for the differences listed with a reason in
# tests/sniff_known_diffs.tsv (see tests/sniff_compare.py).
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
SNIFF=$PP_BIN/pp-sniff
if [ ! -d "$PP_PCAPS" ]; then
    skip "sniff pcaps: $PP_PCAPS absent (needs ../shared)"
    exit 0
fi
# Check the kinds whose dissector is in this tree.
kinds=
for k in dns tls http ssh quic; do
    [ -f "$PP_ROOT/cmd/pp-sniff/$k.c" ] && kinds+=${kinds:+,}$k
done
[ -f "$PP_ROOT/cmd/pp-sniff/quic_google.c" ] && kinds+=,gquic

# tshark's Community ID post-dissector, where this tshark has it.
have_cid=0
tshark -G protocols 2>/dev/null | grep -q $'\tcommunityid$' && have_cid=1
[ $have_cid = 1 ] || skip "sniff pcaps community_id: this tshark has no communityid dissector"

shopt -s nullglob
n=0
dirs=("$PP_PCAPS")
if [ -d "$PP_PCAPS/next" ]; then dirs+=("$PP_PCAPS/next")
else skip "sniff pcaps next: $PP_PCAPS/next absent (the captures of issue 20)"
fi
for dir in "${dirs[@]}"; do
for f in "$dir"/*.pcap "$dir"/*.pcapng; do
    b=$(basename "$f")
    out=$PP_TMP/$b.jsonl err=$PP_TMP/$b.err
    "$SNIFF" -r "$f" >"$out" 2>"$err"
    rc=$?
    why=
    if ! san_clean "$err"; then why="sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$err")"
    elif [ $rc != 0 ]; then why="exit status $rc: $(head -c 200 "$err")"
    elif ! jq -e . "$out" >/dev/null 2>&1; then why="output is not valid JSON"
    elif ! grep -q '"type":"flow"' "$out" && [ -s "$dir/expected/$b.tsv" ] &&
         [ "$(grep -vc '^#' "$dir/expected/$b.tsv")" -gt 0 ]; then why="no flow records"
    fi
    # Again with eviction at every new flow and updates at every packet:
    # the paths that end flows early, with the real dissectors' state.
    "$SNIFF" --max-flows 2 --update 1ms -r "$f" >"$out.2" 2>"$err.2"
    rc=$?
    if [ -z "$why" ] && ! san_clean "$err.2"; then why="--max-flows 2: sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$err.2")"
    elif [ -z "$why" ] && [ $rc != 0 ]; then why="--max-flows 2: exit status $rc"
    fi
    if [ -z "$why" ]; then pass "pcap $b: runs clean"; else fail "pcap $b: $why"; fi
    n=$((n + 1))
    # Every flow's community_id is one tshark computes for the capture's
    # packets (its communityid post-dissector, Corelight's spec).
    if [ "$have_cid" = 1 ]; then
        tshark -n -r "$f" --enable-protocol communityid -o tcp.desegment_tcp_streams:FALSE \
            -T fields -e communityid 2>/dev/null | tr ',' '\n' | sort -u >"$PP_TMP/cid.ts"
        jq -r 'select(.type=="flow" and .event=="start") | .community_id' "$out" | sort -u >"$PP_TMP/cid.pp"
        missing=$(comm -23 "$PP_TMP/cid.pp" "$PP_TMP/cid.ts" | wc -l)
        reason=$(awk -F'\t' -v c="$b" '$1 == c && $3 == "community_id" { print $4 }' "$PP_ROOT/tests/sniff_known_diffs.tsv")
        if [ "$missing" = 0 ] && [ -z "$reason" ]; then
            pass "pcap $b community_id: $(wc -l <"$PP_TMP/cid.pp") flows agree with tshark"
        elif [ "$missing" != 0 ] && [ -n "$reason" ]; then
            pass "pcap $b community_id: $missing flows differ, known: $reason"
        elif [ -n "$reason" ]; then
            fail "pcap $b community_id: known difference no longer occurs (update tests/sniff_known_diffs.tsv)"
        else
            fail "pcap $b community_id: $missing of $(wc -l <"$PP_TMP/cid.pp") flows have an id tshark does not compute"
        fi
    fi
    exp=$dir/expected/$b.tsv
    [ -f "$exp" ] || continue
    python3 "$PP_ROOT/tests/sniff_compare.py" "$b" "$exp" "$out" "$PP_ROOT/tests/sniff_known_diffs.tsv" "$kinds"
done
done
[ $n -gt 0 ] || skip "sniff pcaps: no captures in $PP_PCAPS"
