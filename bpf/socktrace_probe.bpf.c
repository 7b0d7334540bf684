// SPDX-License-Identifier: GPL-2.0
/* socktrace.bpf.c for kernels without the bpf_rdonly_cast kfunc (before
 * Linux 6.2): the same programs, every kernel field read through
 * bpf_probe_read_kernel. pp-trace loads this object when the other one is
 * refused. */
#define PP_PROBE_READ 1
#include "socktrace.bpf.c"
