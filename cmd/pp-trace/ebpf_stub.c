/* Placeholder for the eBPF mode: a weak ebpf_run that says the mode is not
 * part of this build, so that main() polls instead. The real ebpf_run (in
 * ebpf.c, when built) overrides it at link time. */
#include <stdio.h>

#include "trace.h"

__attribute__((weak)) int ebpf_run(const struct trace_opts *o)
{
	(void)o;
	snprintf(trace_unavailable_reason, sizeof(trace_unavailable_reason),
	         "the eBPF mode is not built into this binary");
	return TRACE_UNAVAILABLE;
}
