#!/bin/bash
# make bench: benchmarks, each side by side with its peer tool in the same
# run (ratios, not absolute times). Each scripts/bench-*.sh is one benchmark;
# `make bench BENCH=name` runs those whose name contains it.
set -uo pipefail
cd "$(dirname "$0")/.."
PP_BENCH_DEPS=1 bash scripts/deps.sh
ran=0
for b in scripts/bench-*.sh; do
    [ -f "$b" ] || continue
    if [ $# -gt 0 ] && [[ $b != *"$1"* ]]; then continue; fi
    echo "== $(basename "$b" .sh)"
    bash "$b" || echo "   (failed: $b)"
    ran=$((ran + 1))
done
[ $ran -gt 0 ] || echo "no benchmarks matched"
