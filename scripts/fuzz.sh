#!/bin/bash
# make fuzz FUZZ_SECONDS=N: build every libFuzzer target (tests/fuzz/fuzz_*.c,
# clang -fsanitize=fuzzer,address,undefined) and run each for N seconds with
# its seed corpus. A crash is kept under tests/fuzz/crashes/ and fails the run.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
out=build/fuzz
mkdir -p "$out"
status=0 n=0
for src in tests/fuzz/fuzz_*.c; do
    [ -f "$src" ] || continue
    name=$(basename "$src" .c)
    uses=$(sed -n '1s|^// uses:||p' "$src")
    clang -g -O1 -std=gnu11 -D_GNU_SOURCE -DPP_VERSION='"fuzz"' -DJSMN_STRICT -DJSMN_PARENT_LINKS \
        -Icommon -Ibuild/rel -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        "$src" $uses common/*.c -o "$out/$name" -lcsv -lcrypto -lm -lpcap || { status=1; continue; }
    corpus=$out/corpus-$name
    mkdir -p "$corpus" tests/fuzz/crashes
    seeds=tests/fuzz/seeds/$name
    echo "== $name: ${secs}s"
    "$out/$name" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix=tests/fuzz/crashes/$name- \
        "$corpus" $( [ -d "$seeds" ] && echo "$seeds" ) 2>&1 | grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec|ERROR|SUMMARY' || true
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
    n=$((n + 1))
done
echo "fuzz: $n targets run"
exit $status
