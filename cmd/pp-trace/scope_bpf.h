/* The scope in eBPF mode (scope_bpf.c), at ebpf.c's steps. */
#ifndef PP_TRACE_SCOPE_BPF_H
#define PP_TRACE_SCOPE_BPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct socktrace_bpf;
struct trace_opts;
struct trace_scope;

/* After open, before load: rodata and which scope programs load. */
void scope_bpf_prepare(struct socktrace_bpf *skel, const struct trace_opts *o);
/* The cgroup to attach cgroup hooks to: the scope's (root_fd closed), or
 * root_fd. */
int scope_bpf_cgroup_fd(const struct trace_opts *o, int root_fd);
/* After attach: the fork/exit hooks and the seed of a process tree. 0, or
 * -1 with why[]. */
int scope_bpf_start(struct socktrace_bpf *skel, const struct trace_opts *o, char *why, size_t whylen);
/* A record of a program that sees every process (the DNS programs on the
 * root cgroup), made by process pid (has_pid: known at all) whose group
 * leader started at start_ns (start_boottime): is it of the scope? True
 * without a process tree; with one, only for a member in the kernel's table
 * of it, and never for a record without its process. */
bool scope_bpf_pid_ok(const struct trace_scope *s, bool has_pid, uint32_t pid, uint64_t start_ns);
/* At exit: forks the full table could not follow. */
void scope_bpf_report(const struct socktrace_bpf *skel);

#endif
