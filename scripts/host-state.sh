# Sourced by benchmarks: how much of the CPU the hypervisor stole during a
# run (/proc/stat's steal: our vCPUs waiting while others ran). It moves
# every figure of the run, and the load average does not show it.
#   host_mark          remember now
#   host_steal         the steal share since host_mark, in % of all CPU time
host_mark() {
    local _c u n s i w q sq st _r
    read -r _c u n s i w q sq st _r </proc/stat
    HOST_MARK="$((u + n + s + i + w + q + sq + st)) $st"
}
host_steal() {
    local _c u n s i w q sq st _r t0 st0
    read -r t0 st0 <<<"$HOST_MARK"
    read -r _c u n s i w q sq st _r </proc/stat
    awk -v t=$((u + n + s + i + w + q + sq + st - t0)) -v s=$((st - st0)) \
        'BEGIN { printf "%.1f", (t > 0 ? 100 * s / t : 0) }'
}
