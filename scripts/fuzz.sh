#!/bin/bash
# make fuzz FUZZ_SECONDS=N [FUZZ=word]: build every libFuzzer target
# tests/fuzz/fuzz_*.c (clang -fsanitize=fuzzer,address,undefined) and run each
# for N seconds, one after the other (the machine's cores are shared).
#
#   scripts/fuzz.sh SECONDS [WORD...]   only targets whose name has a WORD
#   scripts/fuzz.sh --long SECONDS [WORD...]   (make fuzz-long) the same, but
#       the corpus is the committed tests/fuzz/corpus/NAME/, minimised
#       (libFuzzer -merge=1) after each run, and each run is added to
#       tests/fuzz/corpus/totals.tsv, so that runs add up across machines
#       and sessions; targets that already have FUZZ_GOAL (default 10M)
#       executions since their last failure are skipped unless named, and
#       a run stops when its target reaches the goal.
#
# A target links what the tests link (the Makefile's link graph: the test
# helpers, every command's library, libppcommon), built with clang for
# libFuzzer by `make FUZZBUILD=1` into build/fuzz-obj. Its first lines say
# where its seeds come from:
#   // seed-files: tests/data/*.jsonl    files (globs, from the top directory)
#                                        copied into its seed corpus
#   // seed-tshark: FILTER FIELD         from every capture in ../shared/pcaps:
#                                        the hex FIELD of the packets matching
#                                        the display FILTER, one seed each
#                                        (e.g. "dns udp.payload")
# plus tests/fuzz/seeds/NAME/ and tests/fuzz/regress/NAME/. The corpus grows
# in build/fuzz/corpus-NAME across runs. A crash, leak, timeout or
# out-of-memory input is copied to tests/fuzz/regress/NAME/, where `make test`
# replays it from then on (fix the bug, commit the input), and the run fails.
# Per target it prints executions, executions per second and the corpus size;
# build/fuzz/summary.tsv keeps one line per target and run.
set -uo pipefail
cd "$(dirname "$0")/.."
long=0
if [ "${1:-}" = --long ]; then long=1; shift; fi
secs=${1:-10}
shift || true
filters=("$@")
out=build/fuzz
pcaps=${PP_SHARED:-../shared}/pcaps
mkdir -p "$out"
CC_FUZZ=${CC_FUZZ:-clang}
LDFLAGS_FUZZ=(-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)
totals=tests/fuzz/corpus/totals.tsv
goal=${FUZZ_GOAL:-10000000}

if ! command -v "$CC_FUZZ" >/dev/null; then
    echo "fuzz: $CC_FUZZ not found (scripts/deps.sh installs clang)" >&2
    exit 1
fi
if ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n){return 0;}' |
        "$CC_FUZZ" -x c -fsanitize=fuzzer - -o "$out/.probe" 2>/dev/null; then
    echo "fuzz: $CC_FUZZ cannot link libFuzzer (install libclang-rt-14-dev)" >&2
    exit 1
fi

# The objects, instrumented for libFuzzer (make rebuilds what changed).
if ! make --no-print-directory -s FUZZBUILD=1 CLANG="$CC_FUZZ" fuzz-objs >"$out/build.log" 2>&1; then
    echo "fuzz: build failed:"; tail -n 20 "$out/build.log"
    exit 1
fi
read -r -a link < <(make --no-print-directory -s FUZZBUILD=1 fuzz-link)

selected() {
    [ ${#filters[@]} -eq 0 ] && return 0
    local f
    for f in "${filters[@]}"; do [[ $1 == *"$f"* ]] && return 0; done
    return 1
}

# Is $1 older than any of the other files?
stale() {
    local bin=$1; shift
    [ -e "$bin" ] || return 0
    local f
    for f in "$@"; do [ "$f" -nt "$bin" ] && return 0; done
    return 1
}

# seeds NAME SRC DIR: fill DIR with the target's seed inputs.
seeds() {
    local name=$1 src=$2 dir=$3 g f filter field n=0
    rm -rf "$dir" && mkdir -p "$dir"
    for g in "tests/fuzz/seeds/$name" "tests/fuzz/regress/$name"; do
        [ -d "$g" ] && cp -p "$g"/* "$dir"/ 2>/dev/null
    done
    for g in $(sed -n '1,5s|^// seed-files:||p' "$src"); do
        for f in $g; do [ -f "$f" ] && cp "$f" "$dir/file-$(echo "$f" | tr / _)"; done
    done
    read -r filter field < <(sed -n '1,5s|^// seed-tshark:||p' "$src")
    if [ -n "${field:-}" ]; then
        if [ ! -d "$pcaps" ] || ! command -v tshark >/dev/null; then
            echo "  ($name: no captures or no tshark: tshark seeds skipped)" >&2
        else
            for f in "$pcaps"/*.pcap "$pcaps"/*.pcapng; do
                [ -f "$f" ] || continue
                tshark -r "$f" -Y "$filter" -T fields -e "$field" 2>/dev/null
            done | sort -u | head -n 500 | python3 -c '
import sys, hashlib, os
for line in sys.stdin:
    h = line.strip().replace(":", "").split(",")[0]
    try:
        b = bytes.fromhex(h)
    except ValueError:
        continue
    if b:
        open(os.path.join(sys.argv[1], "tshark-" + hashlib.sha1(b).hexdigest()[:16]), "wb").write(b)
' "$dir"
        fi
    fi
    n=$(find "$dir" -type f | wc -l)
    echo "$n"
}

# total NAME: executions recorded in $totals since the target's last failure.
total() {
    [ -f "$totals" ] || { echo 0; return; }
    awk -F'\t' -v t="$1" '$2 == t { if ($6 != "ok") n = 0; else n += $4 } END { print n + 0 }' "$totals"
}

status=0 ran=0
printf '%-22s %12s %10s %8s  %s\n' target execs 'execs/s' corpus result
for src in tests/fuzz/fuzz_*.c; do
    [ -f "$src" ] || continue
    name=$(basename "$src" .c)
    selected "$name" || continue
    if [ $long = 1 ] && [ ${#filters[@]} -eq 0 ] && [ "$(total "$name")" -ge "$goal" ]; then
        printf '%-22s %12s  already past %s executions (%s)\n' "$name" "$(total "$name")" "$goal" "$totals"
        continue
    fi
    bin=$out/$name obj=build/fuzz-obj/tests/fuzz/$name.o
    # shellcheck disable=SC2086
    if stale "$bin" "$obj" build/fuzz-obj/*.a build/fuzz-obj/tests/unit/*.o scripts/fuzz.sh; then
        if ! "$CC_FUZZ" "${LDFLAGS_FUZZ[@]}" "$obj" "${link[@]}" -o "$bin" \
                2>"$out/$name.build.log"; then
            echo "$name: build failed:"; tail -n 20 "$out/$name.build.log"
            status=1
            continue
        fi
    fi
    corpus=$out/corpus-$name
    [ $long = 1 ] && corpus=tests/fuzz/corpus/$name
    seeddir=$out/seeds-$name art=$out/artifacts-$name/
    mkdir -p "$corpus" "$art"
    rm -f "$art"/*
    nseeds=$(seeds "$name" "$src" "$seeddir" | tail -n 1)
    log=$out/$name.log
    # --long: stop at the goal (-runs), so that the time goes to the
    # targets still short of it.
    runs=()
    if [ $long = 1 ] && [ "$(total "$name")" -lt "$goal" ]; then
        runs=(-runs=$((goal - $(total "$name"))))
    fi
    started=$SECONDS
    nice -n 10 "$bin" -max_total_time="$secs" "${runs[@]}" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$art" "$corpus" "$seeddir" >"$log" 2>&1
    rc=$?
    took=$((SECONDS - started)) # less than $secs when -runs stopped it
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    size=$(find "$corpus" -type f | wc -l)
    result=ok
    found=$(find "$art" -type f | head -n 20)
    if [ $rc -ne 0 ] || [ -n "$found" ]; then
        result="FAILED (status $rc)"
        status=1
        mkdir -p "tests/fuzz/regress/$name"
        for f in $found; do
            cp "$f" "tests/fuzz/regress/$name/"
            result="$result, kept tests/fuzz/regress/$name/$(basename "$f")"
        done
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*invariant broken)' "$log" | head -n 5 | sed 's/^/    /'
    fi
    if [ $long = 1 ] && [ "$result" = ok ]; then
        # Minimise: keep only the inputs that add coverage (names are the
        # SHA-1 of the contents, so the same input keeps its name).
        min=$out/min-$name
        rm -rf "$min" && mkdir -p "$min"
        if nice -n 10 "$bin" -merge=1 -timeout=10 -rss_limit_mb=2048 "$min" "$corpus" \
                >"$out/$name.merge.log" 2>&1 && [ -n "$(ls -A "$min")" ]; then
            rm -rf "$corpus" && mv "$min" "$corpus"
        fi
        size=$(find "$corpus" -type f | wc -l)
    fi
    printf '%-22s %12s %10s %8s  %s (%s seeds)\n' "$name" "${execs:-?}" "${rate:-?}" "$size" "$result" "$nseeds"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$name" "$took" "${execs:-?}" "${rate:-?}" "$result" >>"$out/summary.tsv"
    if [ $long = 1 ]; then
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$name" "$took" "${execs:-0}" \
            "${rate:-?}" "$([ "$result" = ok ] && echo ok || echo failed)" \
            "$(git rev-parse --short HEAD 2>/dev/null || echo -)" >>"$totals"
        echo "    $name: $(total "$name") executions without a failure in $totals"
    fi
    ran=$((ran + 1))
done
echo "fuzz: $ran targets run for ${secs}s each$([ $status -ne 0 ] && echo '; FAILURES (see above, logs in build/fuzz/)')"
exit $status
