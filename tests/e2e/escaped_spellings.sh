#!/bin/bash
# The one reader compares unescaped text: records whose strings (keys
# included) are spelled with \uXXXX and \/ escapes (tests/escape_records.py,
# every third character) filter, format, quarantine and join exactly as
# the plain spelling of the same records does ("t\u0063p" is tcp).
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
FMT=$PP_BIN/pp-fmt NFT=$PP_BIN/pp-nft JOIN=$PP_BIN/pp-join
cd "$PP_TMP" || exit 1
esc() { python3 "$PP_ROOT/tests/escape_records.py" <"$1" >"$2"; }
esc "$PP_ROOT/tests/data/conns.jsonl" conns.esc
esc "$PP_ROOT/tests/data/nft/mixed.jsonl" nft.esc
esc "$PP_ROOT/tests/data/join/mixed.jsonl" join.esc
check "the escaped spelling differs from the plain one, and is the same JSON" bash -c \
    "! cmp -s conns.esc '$PP_ROOT/tests/data/conns.jsonl' && grep -q 't\\\\u0063p' conns.esc &&
     diff <(jq -cS . conns.esc) <(jq -cS . '$PP_ROOT/tests/data/conns.jsonl')"

# pp-fmt: the same rows for filters on every kind of term, and the same
# table and CSV (pp-fmt writes unescaped text).
same_fmt() {  # name, args...
    local name=$1; shift
    "$FMT" "$@" "$PP_ROOT/tests/data/conns.jsonl" >plain.out 2>plain.err
    "$FMT" "$@" conns.esc >esc.out 2>esc.err
    check "pp-fmt $name: the same output" cmp -s plain.out esc.out
    check "pp-fmt $name: rows at all, no messages" bash -c "[ -s plain.out ] && [ ! -s esc.err ]"
}
same_fmt "CSV" --csv -f ts,type,event,proto,src,sport,dst,dport,comm,sni
same_fmt "table" -t -f type,event,comm,exe,sni
same_fmt "proto:tcp" --csv -f type,proto proto:tcp
same_fmt "comm and port" --csv -f comm,dport comm:curl port:443
same_fmt "process regex" --csv -f comm,exe 'process:/^(ssh|curl)$/'
same_fmt "dst CIDR" --csv -f dst 'dst:2606:4700::/32'
same_fmt "sni" --csv -f sni sni:cloudflare.com
same_fmt "has" --csv -f type,sni has:sni
same_fmt "grouped" --csv -g comm
same_fmt "JSON" -j -f type,comm,sni

# pp-nft: the same rules for a selector on a string member.
"$NFT" --quarantine comm=evil <"$PP_ROOT/tests/data/nft/mixed.jsonl" >nft-plain.out 2>&1
"$NFT" --quarantine comm=evil <nft.esc >nft-esc.out 2>&1
check "pp-nft comm=evil: the same rules" cmp -s nft-plain.out nft-esc.out
check "pp-nft comm=evil: rules at all" grep -q 'ip daddr\|ip6 daddr\|meta' nft-plain.out

# pp-join: the same joined records (compared as JSON: pp-join passes
# members on as they were spelled).
if [ -e "$PP_ROOT/cmd/pp-join/scan.c" ]; then
    skip "pp-join: escaped spellings join alike: pp-join still reads records with its own scanner (cmd/pp-join/scan.c), which compares escaped text (issue 14)"
else
    "$JOIN" "$PP_ROOT/tests/data/join/mixed.jsonl" 2>join-plain.err | jq -cS . >join-plain.out
    "$JOIN" join.esc 2>join-esc.err | jq -cS . >join-esc.out
    check "pp-join: the same joined records" cmp -s join-plain.out join-esc.out
    check "pp-join: processes joined at all" grep -q '"type":"dns".*"comm":"curl"\|"comm":"curl".*"type":"dns"' join-plain.out
fi
check "no sanitizer report" bash -c "! cat ./*.err | grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:'"
