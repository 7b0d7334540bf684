#!/bin/bash
# make demo: run a real pipeline on what this checkout can show.
# Until pp-trace and pp-sniff exist: pp-fmt over the record file shipped in
# tests/data. Later issues make this the live pipeline.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== pp-fmt --table < tests/data/sample.jsonl"
bin/pp-fmt --table tests/data/sample.jsonl
