#!/bin/bash
# The record reader against a real JSON parser: 20,000 near-miss lines
# (valid records mutated by inserting, deleting and copying JSON
# punctuation), fed to pp-fmt -j. A line must come out as a record exactly
# when Python's json module (NaN/Infinity refused) takes it for an object;
# every accepted line's output must be valid JSON to jq. This found jsmn
# letting "{,}", '{"a"::1}' and "[[1][2]]" through.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
if ! have python3 || ! have jq; then skip "rec oracle: needs python3 and jq"; exit 0; fi
python3 - "$PP_TMP" <<'PY'
import json, random, sys
d = sys.argv[1]
random.seed(10)
base = ['{"type":"sock","ts":1.5,"a":[1,2,{"c":"d"}],"e":{"f":true,"g":null},"h":"x\\"y"}',
        '{"k":[[1],[2,[3]]],"s":"\\u00e9","n":-0.5e+3}', '{}', '{"a":{}}', '{"a":[]}', ' {"a" : "b" } ']
toks = list('{}[]:,"') + ['1', 'true', 'null', '"k"', ' ', '-', '0', '.5', 'e5', '\\', '\\u00', '\t']
def reject(c): raise ValueError(c)
lines, verdict = [], []
while len(lines) < 20000:
    s = random.choice(base)
    for _ in range(random.randint(1, 3)):
        i = random.randrange(len(s) + 1); op = random.random()
        if op < 0.45: s = s[:i] + random.choice(toks) + s[i:]
        elif op < 0.85 and len(s) > 1: s = s[:i] + s[i + 1:]
        else:
            j = random.randrange(len(s) + 1); s = s[:i] + s[j:j + 5] + s[i:]
    if not s.strip(" \t"):
        continue   # blank lines are skipped by the commands, as by jq
    try:
        ok = isinstance(json.loads(s, parse_constant=reject), dict)
    except ValueError:
        ok = False
    lines.append(s); verdict.append(ok)
open(d + "/in.jsonl", "w").write("\n".join(lines) + "\n")
open(d + "/want", "w").write("".join("%d\n" % (i + 1) for i, ok in enumerate(verdict) if not ok))
PY
"$PP_BIN/pp-fmt" -j "$PP_TMP/in.jsonl" >"$PP_TMP/out" 2>"$PP_TMP/err"
sed -n 's/^pp-fmt: [^:]*:\([0-9]*\): .*/\1/p' "$PP_TMP/err" >"$PP_TMP/got"
check "rec oracle: no sanitizer report" san_clean "$PP_TMP/err"
if cmp -s "$PP_TMP/want" "$PP_TMP/got"; then
    pass "rec oracle: 20000 near-miss lines, accepted exactly when Python's json accepts ($(wc -l <"$PP_TMP/got") refused)"
else
    n=$(diff "$PP_TMP/want" "$PP_TMP/got" | grep -c '^[<>]')
    fail "rec oracle: $n lines judged differently from Python's json, e.g.:"
    diff "$PP_TMP/want" "$PP_TMP/got" | grep '^[<>]' | head -n 5 | while read -r side ln; do
        echo "  line $ln ($([ "$side" = '<' ] && echo 'accepted, invalid' || echo 'refused, valid')): $(sed -n "${ln}p" "$PP_TMP/in.jsonl")"
    done
fi
check "rec oracle: every output line is valid JSON" jq -e . "$PP_TMP/out" >/dev/null
