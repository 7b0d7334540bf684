/* The scope in eBPF mode (scope_bpf.c), at ebpf.c's steps. */
#ifndef PP_TRACE_SCOPE_BPF_H
#define PP_TRACE_SCOPE_BPF_H

#include <stddef.h>

struct socktrace_bpf;
struct trace_opts;

/* After open, before load: rodata and which scope programs load. */
void scope_bpf_prepare(struct socktrace_bpf *skel, const struct trace_opts *o);
/* The cgroup to attach cgroup hooks to: the scope's (root_fd closed), or
 * root_fd. */
int scope_bpf_cgroup_fd(const struct trace_opts *o, int root_fd);
/* After attach: the fork/exit hooks and the seed of a process tree. 0, or
 * -1 with why[]. */
int scope_bpf_start(struct socktrace_bpf *skel, const struct trace_opts *o, char *why, size_t whylen);
/* At exit: forks the full table could not follow. */
void scope_bpf_report(const struct socktrace_bpf *skel);

#endif
