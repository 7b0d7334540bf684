/* pp-trace's scope in the kernel: only the sockets of a traced command and
 * its descendants (`pp-trace -- COMMAND`, `pp-trace -p PID --children`).
 * Included by socktrace.bpf.c; each of its programs makes one call here
 * before any other work, and user space (cmd/pp-trace/scope_bpf.c) sets the
 * read-only values below before load. Both checks are constant-folded away
 * when their scope is off, so an unscoped run pays nothing.
 *
 * By cgroup (scope_cgid): COMMAND runs in a cgroup v2 of its own, and a
 * socket belongs to the cgroup of the process that created it (an accepted
 * socket to its listener's), which the kernel keeps in sk->sk_cgrp_data.
 * The socket's cgroup, not the current task's: inet_sock_set_state fires in
 * softirq for most changes, where `current` is whoever the packet
 * interrupted. Sub-cgroups of the scope count too (the scope's id is found
 * among the socket cgroup's ancestors at the scope's level).
 *
 * By process tree (scope_tree): for -p PID --children, where moving the
 * process into a cgroup would change the system. scope_pids holds every
 * process of the tree, seeded by user space (PID and its descendants as
 * /proc shows them, after the fork hook is attached), then followed by the
 * sched_process_fork raw tracepoint. An entry's value is the process's
 * start_boottime, or 0 for one seeded alive (user space only knows clock
 * ticks), which the exit hook replaces by the exact time: a pid that the
 * kernel hands out again to an unrelated process never matches, while the
 * records of a process that has exited (a close in softirq after its exit)
 * still do. Entries are never removed during a run (bounded: a full table
 * is counted in scope_full and reported). */
#ifndef PP_BPF_SCOPE_H
#define PP_BPF_SCOPE_H

const volatile __u64 scope_cgid = 0;   /* kernfs id of the scope cgroup; 0: off */
const volatile __u32 scope_cglevel = 0; /* its depth below the cgroup v2 root */

#include "scope_tree.h"

__u64 scope_full = 0; /* forks not followed: scope_pids was full */

/* Is this socket in the cgroup scope? (true when that scope is off) */
static __always_inline bool scope_sk_ok(const struct sock *sk)
{
	struct cgroup *cg, *anc = NULL;
	__u32 level;

	if (!scope_cgid)
		return true;
	if (!sk)
		return false;
	cg = BPF_CORE_READ(sk, sk_cgrp_data.cgroup);
	if (!cg)
		return false;
	level = BPF_CORE_READ(cg, level);
	if (level < scope_cglevel)
		return false;
	if (level == scope_cglevel)
		return BPF_CORE_READ(cg, kn, id) == scope_cgid;
	/* Below it: the ancestor at the scope's level (cgroup->ancestors[],
	 * Linux 6.0 and later; older kernels: the scope cgroup itself only). */
	if (!bpf_core_field_exists(cg->ancestors))
		return false;
	if (bpf_probe_read_kernel(&anc, sizeof(anc),
	                          (void *)cg + bpf_core_field_offset(struct cgroup, ancestors) +
	                                  (__u64)scope_cglevel * sizeof(anc)) ||
	    !anc)
		return false;
	return BPF_CORE_READ(anc, kn, id) == scope_cgid;
}

/* The same for the socket of a cgroup sock/sock_addr program's context,
 * which is the kernel's struct sock (read as a plain number: the verifier
 * allows no arithmetic on the context pointer). */
static __always_inline bool scope_bpf_sock_ok(struct bpf_sock *sk)
{
	__u64 p = 0, v = (__u64)sk;

	if (!scope_cgid)
		return true;
	bpf_probe_read_kernel(&p, sizeof(p), &v);
	return scope_sk_ok((const struct sock *)p);
}

/* A new process whose parent is in the tree joins it. Threads (same tgid)
 * are already in. Loaded only with scope_tree. */
SEC("raw_tracepoint/sched_process_fork")
int rtp_scope_fork(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *parent = (struct task_struct *)ctx->args[0];
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	__u32 ptgid = BPF_CORE_READ(parent, tgid), ctgid = BPF_CORE_READ(child, tgid);
	__u64 start;

	if (ptgid == ctgid || !scope_pid_ok(ptgid, BPF_CORE_READ(parent, group_leader, start_boottime)))
		return 0;
	start = BPF_CORE_READ(child, start_boottime);
	if (bpf_map_update_elem(&scope_pids, &ctgid, &start, BPF_ANY))
		__sync_fetch_and_add(&scope_full, 1);
	return 0;
}

/* A seeded process ends: from now on its entry matches only itself. */
SEC("raw_tracepoint/sched_process_exit")
int rtp_scope_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *t = (struct task_struct *)ctx->args[0];
	__u32 tgid = BPF_CORE_READ(t, tgid);
	__u64 *v = bpf_map_lookup_elem(&scope_pids, &tgid);

	if (v && *v == 0)
		*v = BPF_CORE_READ(t, group_leader, start_boottime);
	return 0;
}

#endif
