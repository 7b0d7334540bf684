# Shared helpers for the end-to-end tests (sourced by tests/e2e/*.sh).
# Each test prints one line per case: "PASS name", "FAIL name: why" or
# "SKIP name: why"; tests/run.sh counts them.
# PP_BIN: directory of the commands under test (the sanitizer build).

: "${PP_BIN:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/bin}"
PP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PP_SHARED=${PP_SHARED:-$PP_ROOT/../shared}
PP_PCAPS=$PP_SHARED/pcaps
export TZ=UTC LC_ALL=C
# Commands that print the time they ran (pp-nft) print this instead.
export SOURCE_DATE_EPOCH=1700000000
# ASan: leaks are errors too; abort with a report on the first problem.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=86}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=87}

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; }
skip() { echo "SKIP $*"; }

# check NAME CONDITION-COMMAND...: PASS if the command succeeds.
check() {
    local name=$1; shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}

# A fresh temporary directory, removed when the test script exits.
pp_tmpdir() {
    PP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pp-test.XXXXXX")
    trap 'pp_cleanup' EXIT
}
PP_CLEANUP_CMDS=()
pp_on_exit() { PP_CLEANUP_CMDS+=("$*"); }
pp_cleanup() {
    local c
    for c in "${PP_CLEANUP_CMDS[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
    [ -n "${PP_TMP:-}" ] && rm -rf "$PP_TMP"
}

# A network namespace of the test's own, with lo up; removed at exit.
# Usage: pp_netns NAME  -> sets PP_NS; run inside with: ip netns exec "$PP_NS" cmd
pp_netns() {
    PP_NS="pp-$1-$$"
    ip netns add "$PP_NS" || return 1
    ip -n "$PP_NS" link set lo up
    pp_on_exit "ip netns del $PP_NS"
}

need_root() { [ "$(id -u)" = 0 ]; }
have() { command -v "$1" >/dev/null 2>&1; }

# Is the stderr of a sanitizer build clean of reports?
san_clean() { ! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$1"; }
